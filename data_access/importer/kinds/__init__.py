"""The registry of the kinds of file the importer takes: one module each, in the order the import page lists them.

A kind's module builds one ``Kind`` (data_access/importer/kind.py) named ``KIND``.
"""

from __future__ import annotations

from data_access.importer.kind import Kind
from data_access.importer.kinds import (case_events, cases, children, communities, grants, payments, social_orgs, staff,
                                        stations, streets, subsidy_standards, training, training_sessions)

SPECS: dict[str, Kind] = {module.KIND.name: module.KIND for module in (
    streets, communities, stations, social_orgs, staff, training_sessions, training, children, cases, case_events,
    subsidy_standards, payments, grants)}
KINDS = tuple(SPECS)
