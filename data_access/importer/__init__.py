"""Validated import of every table a bureau keeps, from CSV or Excel.

Kinds: the reference network (streets, communities, stations, social organisations), staff and training,
children, crisis cases and their events, subsidy standards, payments and grants. Each kind is a module of
``kinds/`` declaring its table, natural key, fields, extra unique columns and its own row checks (``kind.Kind``);
``kinds.SPECS`` is the registry.

A file is read (``reading``: UTF-8, UTF-8 with BOM, GBK/GB18030 or .xlsx), its headers are mapped to columns
(``headers``: Chinese or English), every row is checked (``values`` parses each cell, ``lookups`` reads the
reference data, ``validation`` runs the checks), and then the good rows are upserted on the kind's natural key in
one transaction (``writing``). Problems (``problems``) name the file, the spreadsheet row (header = row 1), the
column as headed in the file and the reason, in Chinese or English (the catalogue's import.* messages). The
accepted headers per kind are documented in docs/import.md; the command line is ``python -m data_access.importer``
(``__main__``).
"""

from data_access.importer.kinds import KINDS, SPECS
from data_access.importer.problems import Problem
from data_access.importer.validation import Validation, validate
from data_access.importer.writing import MODES, ImportResult, holds_sample, import_rows, run_import

__all__ = ["KINDS", "MODES", "SPECS", "ImportResult", "Problem", "Validation", "holds_sample", "import_rows",
           "run_import", "validate"]
