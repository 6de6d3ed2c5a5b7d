"""Personal data is declared once and masked in one step: every public query function, called with a
scope that shows no names (and asking for a reveal where it can), returns no declared personal column in
clear. New query functions are found by looking through the data_access package, so this stays complete."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
from sqlalchemy import text

from data_access.masking import PERSONAL_COLUMNS, mask_personal, mask_record
from data_access.types import Filters, Period, Scope
from tests.queries import arguments, query_functions

NO_NAMES = Scope.district(show_names=False)


def personal_values(result, found=None) -> dict[str, list]:
    """Every value of a declared personal column anywhere in a result: frames, records, dataclasses."""
    found = {} if found is None else found
    if isinstance(result, pd.DataFrame):
        for column in PERSONAL_COLUMNS:
            if column in result:
                found.setdefault(column, []).extend(result[column].tolist())
    elif isinstance(result, dict):
        for key, value in result.items():
            if key in PERSONAL_COLUMNS and not isinstance(value, (dict, pd.DataFrame)):
                found.setdefault(key, []).append(value)
            else:
                personal_values(value, found)
    elif isinstance(result, (list, tuple)):
        for item in result:
            personal_values(item, found)
    elif dataclasses.is_dataclass(result) and not isinstance(result, type):
        for field in dataclasses.fields(result):
            personal_values(getattr(result, field.name), found)
    return found


def masked(value) -> bool:
    return value is None or value == "" or (isinstance(value, str) and "*" in value)


@pytest.fixture(scope="module")
def returned(sample_engine, rules, as_of) -> dict[str, dict[str, list]]:
    with sample_engine.connect() as conn:
        case_no = conn.execute(text("SELECT case_no FROM cases ORDER BY id LIMIT 1")).scalar_one()
    out = {}
    for param in query_functions():
        function = param.values[0]
        kwargs = arguments(function, sample_engine, NO_NAMES, rules, as_of, Filters(Period.parse("2022Q2")), case_no)
        if "reveal" in kwargs or "reveal" in function.__code__.co_varnames:
            kwargs["reveal"] = True
        out[param.id] = personal_values(function(**kwargs))
    return out


def test_no_query_gives_a_scope_without_names_personal_data_in_clear(returned):
    leaks = {name: {column: [v for v in values if not masked(v)][:3] for column, values in found.items()
                    if not all(masked(v) for v in values)}
             for name, found in returned.items()}
    assert not {name: leak for name, leak in leaks.items() if leak}


def test_the_discovery_reaches_the_functions_that_carry_personal_data(returned):
    carrying = {name for name, found in returned.items() if any(values for values in found.values())}
    assert {"cases.case_detail", "quality.unregistered_payments", "subsidies.unpaid_eligible"} <= carrying, carrying
    columns = {column for found in returned.values() for column, values in found.items() if values}
    assert columns == set(PERSONAL_COLUMNS)


def test_masking_keeps_what_identifies_a_record_for_the_worker():
    frame = mask_personal(pd.DataFrame({"child_name": ["张三明", None], "id_number": ["990304201001011234", ""],
                                        "guardian_phone": ["13812345678", None], "address": ["福田区示例路1号", None],
                                        "case_no": ["FT-1", "FT-2"]}))
    assert frame.to_dict("list") == {"child_name": ["张*明", ""], "id_number": ["9903**********1234", ""],
                                     "guardian_phone": ["138****5678", ""], "address": ["福田区*****", ""],
                                     "case_no": ["FT-1", "FT-2"]}
    record = {"child_name": "张三明", "age": 9}
    assert mask_record(record) == {"child_name": "张*明", "age": 9}
    assert mask_record(record, clear=True) == record
