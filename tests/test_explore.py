"""Explore aggregates: allow-lists, and every dataset x dimensions x measure against pandas over plain SELECTs."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest
from sqlalchemy import inspect, text

from data_access.engine import make_engine
from data_access.explore import (
    AGE_BANDS,
    DATASET_SPECS,
    ExploreError,
    ExploreQuery,
    aggregate,
    result_column,
    validate,
)
from data_access.types import Filters, Period, Scope

YEAR = Filters(Period.parse("2022"))


# --- names outside the allow-lists ----------------------------------------------------------------

HOSTILE = [
    "street; DROP TABLE cases",
    "amount) --",
    '"street"',
    "`street`",
    "[street]",
    "Street",
    "street ",
    "ѕtreet",  # Cyrillic dze
    "ｓｔｒｅｅｔ",  # full-width
    "street\u200b",  # zero-width space
    "cases.street_id",
    "1=1",
    "",
]


@pytest.mark.parametrize("bad", HOSTILE)
@pytest.mark.parametrize("field", ["dataset", "dim", "dim2", "measure", "column"])
def test_names_outside_the_allow_list_are_refused(field, bad):
    base = {"dataset": "payments", "dim": "street", "dim2": None, "measure": "sum", "column": "amount"}
    base[field] = bad
    with pytest.raises(ExploreError) as raised:
        validate(ExploreQuery(**base))
    assert isinstance(raised.value, ValueError)
    message = str(raised.value)
    assert repr(bad) in message
    assert "allowed:" in message
    if field == "dim":
        assert "street, community, month" in message


@pytest.mark.parametrize("bad", ["street; DROP TABLE cases", "risk' OR '1'='1", "ｒｉｓｋ"])
def test_filter_names_and_values_outside_the_allow_list_are_refused(bad):
    with pytest.raises(ExploreError, match="allowed: risk, stage, type, source"):
        validate(ExploreQuery("cases", filters=((bad, ("high",)),)))
    with pytest.raises(ExploreError, match="allowed: critical, high, medium, low") as raised:
        validate(ExploreQuery("cases", filters=(("risk", ("high", bad)),)))
    assert repr(bad) in str(raised.value)


def test_a_measure_the_dataset_lacks_is_refused():
    with pytest.raises(ExploreError, match="allowed: count, sum, mean, median"):
        validate(ExploreQuery("stations", measure="children"))
    with pytest.raises(ExploreError, match="staff column None; allowed: service_years"):
        validate(ExploreQuery("staff", dim="role", measure="median"))
    with pytest.raises(ExploreError, match="second dimension 'street'"):
        validate(ExploreQuery("cases", dim="street", dim2="street"))


def test_a_column_is_dropped_when_the_measure_needs_none():
    assert validate(ExploreQuery("payments", measure="count", column="amount")).column is None
    # Even a hostile column is never used, so it need not be refused.
    assert validate(ExploreQuery("payments", measure="count", column="amount) --")).column is None


def test_a_refused_query_changes_nothing(sample_engine, as_of):
    with pytest.raises(ExploreError):
        aggregate(sample_engine, Scope.district(), YEAR, as_of, ExploreQuery("cases", dim="street; DROP TABLE cases"))
    assert "cases" in inspect(sample_engine).get_table_names()


# --- an independent computation in pandas ---------------------------------------------------------


def _read(engine, sql: str) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.read_sql(text(sql), conn)


def _age(birth: pd.Series, at: pd.Series) -> pd.Series:
    birth, at = pd.to_datetime(birth), pd.to_datetime(at)
    before = (at.dt.month < birth.dt.month) | ((at.dt.month == birth.dt.month) & (at.dt.day < birth.dt.day))
    return at.dt.year - birth.dt.year - before.astype(int)


def _band(age: pd.Series) -> pd.Series:
    edges = [-1, 5, 11, 14, 17, 200]
    return pd.cut(age, edges, labels=list(AGE_BANDS)).astype(str)


def _times(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    moment = pd.to_datetime(frame[column])
    return frame.assign(month=moment.dt.strftime("%Y-%m"), year=moment.dt.strftime("%Y"),
                        quarter=moment.dt.year.astype(str) + "Q" + moment.dt.quarter.astype(str))


def expected_rows(engine, dataset: str, filters: Filters, as_of) -> pd.DataFrame:
    """The dataset's rows, with every dimension and column computed in pandas."""
    period = filters.period
    day = min(period.end - timedelta(days=1), as_of.date())
    stamp = pd.Timestamp(day)
    if dataset == "cases":
        frame = _read(engine, "SELECT k.*, ch.gender, ch.birth_date FROM cases k JOIN children ch ON ch.id = k.child_id")
        reported = pd.to_datetime(frame["reported_at"])
        frame = frame[(reported >= pd.Timestamp(period.start)) & (reported < pd.Timestamp(period.end))]
        frame = _times(frame, "reported_at")
        hours = (pd.to_datetime(frame["first_response_at"]) - pd.to_datetime(frame["reported_at"])).dt.total_seconds()
        age = _age(frame["birth_date"], frame["reported_at"])
        return frame.assign(street=frame["street_id"], community=frame["community_id"], risk=frame["risk_level"],
                            type=frame["crisis_type"], sex=frame["gender"], age=age, age_band=_band(age),
                            response_hours=hours / 3600)
    if dataset == "children":
        frame = _read(engine, "SELECT * FROM children WHERE category IS NOT NULL")
        registered, exited = pd.to_datetime(frame["registered_on"]), pd.to_datetime(frame["exited_on"])
        frame = frame[(registered <= stamp) & (exited.isna() | (exited > stamp))]
        frame = _times(frame, "registered_on")
        age = _age(frame["birth_date"], pd.Series(stamp, index=frame.index))
        return frame.assign(street=frame["street_id"], community=frame["community_id"], sex=frame["gender"],
                            age=age, age_band=_band(age), child_id=frame["id"])
    if dataset == "payments":
        frame = _read(engine, "SELECT p.*, ch.gender, ch.birth_date, ch.community_id "
                              "FROM subsidy_payments p JOIN children ch ON ch.id = p.child_id")
        month = pd.to_datetime(frame["month"])
        frame = frame[(month >= pd.Timestamp(period.start)) & (month < pd.Timestamp(period.end))]
        frame = _times(frame, "month")
        age = _age(frame["birth_date"], frame["month"])
        return frame.assign(street=frame["street_id"], community=frame["community_id"], sex=frame["gender"],
                            age=age, age_band=_band(age), amount=frame["amount"].astype(float))
    if dataset == "staff":
        frame = _read(engine, "SELECT * FROM staff")
        started, ended = pd.to_datetime(frame["started_on"]), pd.to_datetime(frame["ended_on"])
        frame = frame[(started <= stamp) & (ended.isna() | (ended > stamp))]
        years = (stamp - pd.to_datetime(frame["started_on"])).dt.days / 365.25
        attended = _read(engine, "SELECT a.staff_id, s.held_on FROM training_attendance a "
                                 "JOIN training_sessions s ON s.id = a.session_id")
        held = pd.to_datetime(attended["held_on"])
        trained = set(attended["staff_id"][(held >= pd.Timestamp(stamp.year, 1, 1)) & (held <= stamp)])
        this_year = frame["id"].isin(trained)
        return frame.assign(street=frame["street_id"], community=frame["community_id"],
                            trained=this_year.map({True: "yes", False: "no"}), service_years=years)
    if dataset == "training":
        frame = _read(engine, "SELECT f.street_id, f.community_id, f.role, s.mode, s.held_on, s.hours "
                              "FROM training_attendance a JOIN training_sessions s ON s.id = a.session_id "
                              "JOIN staff f ON f.id = a.staff_id")
        held = pd.to_datetime(frame["held_on"])
        frame = _times(frame[(held >= pd.Timestamp(period.start)) & (held <= stamp)], "held_on")
        return frame.assign(street=frame["street_id"], community=frame["community_id"],
                            hours=frame["hours"].astype(float))
    frame = _read(engine, "SELECT * FROM stations")
    opened = pd.to_datetime(frame["opened_on"])
    frame = frame[opened.isna() | (opened <= stamp)]
    return frame.assign(street=frame["street_id"])


def expected(rows: pd.DataFrame, query: ExploreQuery) -> pd.DataFrame:
    dims = [d for d in (query.dim, query.dim2) if d]
    grouped = rows.groupby(dims, dropna=False)
    if query.measure == "count":
        value = grouped.size()
    elif query.measure == "children":
        value = grouped["child_id"].nunique()
    elif query.measure == "sum":
        value = grouped[query.column].sum(min_count=1)
    elif query.measure == "mean":
        value = grouped[query.column].mean()
    else:
        value = grouped[query.column].median()
    out = value.rename("value").reset_index()
    return out.rename(columns={d: result_column(d) for d in dims})


def _comparable(frame: pd.DataFrame) -> pd.DataFrame:
    """Keys as text (an empty key as ∅), sorted; values as floats."""
    keys = [c for c in frame.columns if c != "value"]
    out = pd.DataFrame({k: ["∅" if pd.isna(v) else str(v) for v in frame[k]] for k in keys})
    out["value"] = frame["value"].astype(float).to_numpy()
    return out.sort_values(keys).reset_index(drop=True)


GRID = {
    "cases": [("street", None), ("community", None), ("month", "risk"), ("quarter", "stage"), ("year", "type"),
              ("source", None), ("sex", "age_band"), ("risk", "street")],
    "children": [("street", "category"), ("community", None), ("sex", None), ("age_band", "category"),
                 ("year", None), ("quarter", "sex"), ("month", None)],
    "payments": [("street", None), ("community", None), ("month", "category"), ("quarter", None), ("year", "street"),
                 ("sex", "age_band")],
    "staff": [("street", "role"), ("community", None), ("role", "trained")],
    "training": [("street", "mode"), ("community", None), ("role", "mode"), ("month", None), ("quarter", "role"),
                 ("year", None)],
    "stations": [("street", None), ("kind", "status"), ("status", None)],
}


def _queries(dataset: str):
    spec = DATASET_SPECS[dataset]
    for dim, dim2 in GRID[dataset]:
        for measure in spec.measures:
            columns = spec.columns if measure in ("sum", "mean", "median") else [None]
            for column in columns:
                yield ExploreQuery(dataset, dim, dim2, measure, column)


def test_the_grid_covers_every_dimension_of_every_dataset():
    for dataset, spec in DATASET_SPECS.items():
        used = {d for pair in GRID[dataset] for d in pair if d}
        assert used == set(spec.dimensions), dataset


@pytest.mark.parametrize("period", ["2022", "2022Q2"])
@pytest.mark.parametrize("dataset", list(DATASET_SPECS))
def test_every_measure_equals_pandas_over_a_plain_select(sample_engine, as_of, dataset, period):
    filters = Filters(Period.parse(period))
    rows = expected_rows(sample_engine, dataset, filters, as_of)
    assert len(rows) > 0
    for query in _queries(dataset):
        got = _comparable(aggregate(sample_engine, Scope.district(), filters, as_of, query))
        want = _comparable(expected(rows, query))
        assert len(got) > 0, query
        pd.testing.assert_frame_equal(got, want, check_dtype=False, rtol=1e-6, atol=1e-4, obj=str(query))


def test_the_2022_q2_payments_match_the_published_figures(sample_engine, as_of):
    filters = Filters(Period.parse("2022Q2"))
    count = aggregate(sample_engine, Scope.district(), filters, as_of, ExploreQuery("payments", "year"))
    amount = aggregate(sample_engine, Scope.district(), filters, as_of,
                       ExploreQuery("payments", "year", measure="sum", column="amount"))
    assert count["value"].tolist() == [556]
    assert amount["value"].tolist() == [641800.0]


def test_the_median_of_an_even_group_is_the_mean_of_the_middle_two(sample_engine, as_of):
    rows = expected_rows(sample_engine, "cases", YEAR, as_of).dropna(subset=["response_hours"])
    got = aggregate(sample_engine, Scope.district(), YEAR, as_of,
                    ExploreQuery("cases", "street", measure="median", column="response_hours"))
    medians = dict(zip(got["street_id"], got["value"]))
    even = [(street, sorted(group)) for street, group in rows.groupby("street")["response_hours"]
            if len(group) % 2 == 0]
    assert even, "the sample has a street with an even number of answered cases"
    for street, hours in even:
        middle = (hours[len(hours) // 2 - 1] + hours[len(hours) // 2]) / 2
        assert medians[street] == pytest.approx(middle, abs=1e-4)


def test_sqlite_median_skips_nulls_and_gives_null_for_a_group_without_values():
    engine = make_engine("sqlite://")
    rows = "SELECT 'a' AS g, 4.0 AS x UNION ALL SELECT 'a', NULL UNION ALL SELECT 'a', 1.0 UNION ALL SELECT 'b', NULL"
    with engine.connect() as conn:
        found = dict(conn.execute(text(f"SELECT g, median(x) FROM ({rows}) GROUP BY g")).all())
    assert found == {"a": 2.5, "b": None}


@pytest.mark.parametrize("dataset", list(DATASET_SPECS))
def test_filters_narrow_like_pandas(sample_engine, as_of, dataset):
    spec = DATASET_SPECS[dataset]
    name, (_, allowed) = next(iter(spec.filters.items()))
    chosen = allowed[:2]
    query = ExploreQuery(dataset, "street", filters=((name, chosen),))
    rows = expected_rows(sample_engine, dataset, YEAR, as_of)
    column = {"risk": "risk_level", "type": "crisis_type", "sex": "gender"}.get(name, name)
    want = _comparable(expected(rows[rows[column].isin(chosen)], query))
    got = _comparable(aggregate(sample_engine, Scope.district(), YEAR, as_of, query))
    assert 0 < got["value"].sum() < len(rows)
    pd.testing.assert_frame_equal(got, want, check_dtype=False)


FLAG_COLUMNS = {"self_harm": "flag_self_harm", "safety_plan": "flag_safety_plan",
                "temp_guardianship": "flag_temp_guardianship", "mandatory_report": "mandatory_report"}


@pytest.mark.parametrize("chosen", [("self_harm",), ("safety_plan",), ("temp_guardianship",), ("mandatory_report",),
                                    ("self_harm", "safety_plan"), ("temp_guardianship", "mandatory_report")])
def test_the_flags_filter_counts_the_cases_with_every_chosen_flag(sample_engine, as_of, chosen):
    period = YEAR.period
    where = " AND ".join(f"{FLAG_COLUMNS[flag]} = :yes" for flag in chosen)
    with sample_engine.connect() as conn:
        direct = conn.execute(text(f"SELECT COUNT(*) FROM cases WHERE reported_at >= :start AND reported_at < :end "
                                   f"AND {where}"), {"start": period.start, "end": period.end, "yes": True}).scalar()
        by_risk = dict(conn.execute(text(f"SELECT risk_level, COUNT(*) FROM cases WHERE reported_at >= :start "
                                         f"AND reported_at < :end AND {where} GROUP BY risk_level"),
                                    {"start": period.start, "end": period.end, "yes": True}).all())
    query = ExploreQuery("cases", "risk", filters=(("flags", chosen),))
    got = aggregate(sample_engine, Scope.district(), YEAR, as_of, query)
    assert int(got["value"].sum()) == direct
    assert dict(zip(got[result_column("risk")], got["value"])) == by_risk
    if len(chosen) == 1:
        assert direct > 0, "the sample has cases with each flag"


def test_an_unknown_flag_is_refused():
    with pytest.raises(ExploreError) as raised:
        validate(ExploreQuery("cases", "street", filters=(("flags", ("self_harm", "flag_self_harm OR 1=1")),)))
    assert "self_harm, safety_plan, temp_guardianship, mandatory_report" in str(raised.value)


# --- scope ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dataset", list(DATASET_SPECS))
def test_a_one_street_scope_returns_only_that_street(sample_engine, as_of, dataset):
    scope = Scope.street("fubao")
    for filters in (YEAR, Filters(YEAR.period, street_id="futian")):
        frame = aggregate(sample_engine, scope, filters, as_of, ExploreQuery(dataset, "street"))
        streets = set(frame["street_id"].dropna())
        if filters.street_id:
            assert frame.empty or streets == set()
        else:
            assert streets == {"fubao"}


@pytest.mark.parametrize("dataset", ["cases", "children", "payments"])
def test_a_community_scope_returns_only_that_community(sample_engine, as_of, dataset):
    scope = Scope(streets=frozenset({"fubao"}), communities=frozenset({"fubao-03"}))
    frame = aggregate(sample_engine, scope, YEAR, as_of, ExploreQuery(dataset, "community"))
    assert set(frame["community_id"]) == {"fubao-03"}


def test_the_street_filter_keeps_district_stations_out(sample_engine, as_of):
    everything = aggregate(sample_engine, Scope.district(), YEAR, as_of, ExploreQuery("stations", "street"))
    assert everything["street_id"].isna().any(), "district-level stations have no street"
    one = aggregate(sample_engine, Scope.district(), Filters(YEAR.period, street_id="fubao"), as_of,
                    ExploreQuery("stations", "street"))
    assert one["street_id"].tolist() == ["fubao"]
