"""The public query functions of data_access that take a Scope, found by looking through the package, and what to
pass them; the DataFrames inside what they return."""

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
from data_access.types import Filters, Span


def query_functions():
    """Every public function of a data_access module that takes an engine and a scope, as a pytest param."""
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
    """The arguments ``function`` takes, from those known here; a required one not known here fails."""
    known = {
        "engine": engine, "scope": scope, "rules": rules, "as_of": as_of, "moment": as_of, "filters": filters, "case_filters": CaseFilters(),
        "period": filters.period, "span": Span.of(filters.period, as_of), "start": date(2021, 1, 1), "end": date(2022, 7, 1), "first": date(2021, 1, 1),
        "last": date(2022, 6, 30), "day": date(2022, 6, 30), "case_no": other_case, "radius_km": 1.5,
        "radius_m": 1500.0,
        "page_size": 100000, "limit": 100000, "earlier": [(filters.period.previous(), as_of)],
    }
    wanted = {}
    for name, parameter in inspect.signature(function).parameters.items():
        if name in known:
            wanted[name] = known[name]
        elif parameter.default is inspect.Parameter.empty:
            raise AssertionError(f"{function.__qualname__}: teach tests/queries.py what to pass as {name!r}")
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
