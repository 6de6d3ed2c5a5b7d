"""Every public query function that takes a Scope, called with a one-street scope, returns nothing
of another street, even when the filters ask for another street. New query functions are found
by looking through the data_access package, so this test stays complete."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
from datetime import date

import pandas as pd
import pytest

import data_access
from data_access.cases import CaseFilters
from data_access.types import Filters, Period, Scope, Span

OWN, OTHER = "fubao", "futian"
OWN_NAMES = {OWN, "Fubao", "福保"}


def query_functions():
    for info in pkgutil.iter_modules(data_access.__path__):
        # The importer writes rather than reads; tests/test_importer.py checks it refuses rows outside a scope.
        if info.name.startswith("_") or info.name in ("migrations", "importer"):
            continue
        module = importlib.import_module(f"data_access.{info.name}")
        for name, function in inspect.getmembers(module, inspect.isfunction):
            parameters = inspect.signature(function).parameters
            if function.__module__ == module.__name__ and not name.startswith("_") \
                    and "scope" in parameters and "engine" in parameters:
                yield pytest.param(function, id=f"{info.name}.{name}")


def arguments(function, engine, scope, rules, as_of, filters: Filters, other_case: str) -> dict:
    known = {
        "engine": engine, "scope": scope, "rules": rules, "as_of": as_of, "moment": as_of, "filters": filters, "case_filters": CaseFilters(),
        "period": filters.period, "span": Span.of(filters.period, as_of), "start": date(2021, 1, 1), "end": date(2022, 7, 1), "first": date(2021, 1, 1),
        "last": date(2022, 6, 30), "day": date(2022, 6, 30), "case_no": other_case, "radius_km": 1.5,
        "radius_m": 1500.0,
        "page_size": 100000, "limit": 100000,
    }
    wanted = {}
    for name, parameter in inspect.signature(function).parameters.items():
        if name in known:
            wanted[name] = known[name]
        elif parameter.default is inspect.Parameter.empty:
            raise AssertionError(f"{function.__qualname__}: teach this test what to pass as {name!r}")
    return wanted


def frames(result):
    """Every DataFrame inside a result."""
    if isinstance(result, pd.DataFrame):
        yield result
    elif isinstance(result, dict):
        for value in result.values():
            yield from frames(value)
    elif dataclasses.is_dataclass(result):
        for field in dataclasses.fields(result):
            yield from frames(getattr(result, field.name))


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
