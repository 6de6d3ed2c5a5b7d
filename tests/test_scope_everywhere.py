"""Every public query function that takes a Scope, called with a one-street scope, returns nothing
of another street, even when the filters ask for another street. New query functions are found
by looking through the data_access package, so this test stays complete."""

from __future__ import annotations

import pandas as pd
import pytest

from data_access.types import Filters, Period, Scope
from tests.queries import arguments, frames, query_functions

OWN, OTHER = "fubao", "futian"
OWN_NAMES = {OWN, "Fubao", "福保"}


def street_values(frame: pd.DataFrame) -> set:
    found = set()
    for column in ("street_id", "street_en", "street_zh"):
        if column in frame:
            found |= set(frame[column].dropna())
    if "id" in frame and "name_zh" in frame and "lat" in frame and "code" in frame and "street_id" not in frame:
        found |= set(frame["id"])  # the streets table itself
    return found


@pytest.mark.parametrize("function", list(query_functions()))
def test_a_street_scope_never_sees_another_street(sample_engine, rules, as_of, function):
    from sqlalchemy import text

    with sample_engine.connect() as conn:
        other_case = conn.execute(text(f"SELECT case_no FROM cases WHERE street_id = '{OTHER}' LIMIT 1")).scalar_one()
    scope = Scope.street(OWN)
    for filters in (Filters(Period.parse("2022Q2")), Filters(Period.parse("2022Q2"), street_id=OTHER)):
        result = function(**arguments(function, sample_engine, scope, rules, as_of, filters, other_case))
        for frame in frames(result):
            assert street_values(frame) <= OWN_NAMES, (function.__qualname__, street_values(frame) - OWN_NAMES)
        if function.__name__ == "case_detail":
            assert result is None


def test_the_discovery_finds_the_query_modules():
    names = {p.id for p in query_functions()}
    assert {"cases.case_queue", "overview.key_figures", "subsidies.reconciliation", "reference.list_streets"} <= names
