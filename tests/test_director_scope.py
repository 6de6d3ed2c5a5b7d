"""A director sees what Scope states: the district's stations and grants, their street's stations,
supervisor and organisations, and only their own community's children, cases, payments, staff and
directors. Every public query function is checked (found by looking through data_access), every explore
dataset, and the pages through AppTest."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest
from sqlalchemy import text

from data_access.explore import DATASET_SPECS, DATASETS, ExploreQuery, aggregate, result_column
from data_access.types import Filters, Period
from data_access.users import scope_for
from tests.queries import arguments, frames, query_functions

STREET, COMMUNITY, NEIGHBOUR = "fubao", "fubao-01", "fubao-02"
DIRECTOR = scope_for("director", STREET, COMMUNITY)
Q2 = Period.parse("2022Q2")
COMMUNITY_COLUMNS = ("community_id", "community_zh", "community_en")


def own_names(engine) -> set[str]:
    with engine.connect() as conn:
        row = conn.execute(text("SELECT id, name_zh, name_en FROM communities WHERE id = :id"), {"id": COMMUNITY}).one()
    return set(row)


def community_problems(frame: pd.DataFrame, own: set[str]) -> list:
    """Rows of another community; rows of no community must be street-level (a supervisor)."""
    found = []
    for column in COMMUNITY_COLUMNS:
        if column in frame:
            found += sorted(set(frame[column].dropna()) - own)
    if "role" in frame and "community_id" in frame:
        found += sorted(set(frame.loc[frame["community_id"].isna(), "role"]) - {"supervisor"})
    return found


@pytest.mark.parametrize("function", list(query_functions()))
def test_a_director_gets_rows_of_their_own_community_only(sample_engine, rules, as_of, function):
    with sample_engine.connect() as conn:
        neighbour_case = conn.execute(text("SELECT case_no FROM cases WHERE community_id = :c ORDER BY id LIMIT 1"),
                                      {"c": NEIGHBOUR}).scalar_one()
    own = own_names(sample_engine)
    for filters in (Filters(Q2), Filters(Q2, street_id=STREET, community_id=NEIGHBOUR)):
        result = function(**arguments(function, sample_engine, DIRECTOR, rules, as_of, filters, neighbour_case))
        for frame in frames(result):
            assert not community_problems(frame, own), (function.__qualname__, community_problems(frame, own))
        if function.__name__ == "case_detail":
            assert result is None


@pytest.mark.parametrize("dataset", DATASETS)
def test_every_explore_dataset_by_community_holds_the_directors_community_only(sample_engine, as_of, dataset):
    if "community" not in DATASET_SPECS[dataset].dimensions:
        pytest.skip(f"{dataset} has no community dimension (street-level data)")
    frame = aggregate(sample_engine, DIRECTOR, Filters(Q2), as_of, ExploreQuery(dataset, "community"))
    assert set(frame[result_column("community")].dropna()) <= {COMMUNITY}, frame


def test_the_staff_a_director_explores_are_their_communitys_and_the_supervisor(sample_engine, as_of):
    frame = aggregate(sample_engine, DIRECTOR, Filters(Q2), as_of, ExploreQuery("staff", "role"))
    day = as_of.date()
    with sample_engine.connect() as conn:
        expected = conn.execute(text(
            "SELECT COUNT(*) FROM staff WHERE started_on <= :day AND (ended_on IS NULL OR ended_on > :day) "
            "AND street_id = :street AND (community_id = :community OR role = 'supervisor')"),
            {"day": day, "street": STREET, "community": COMMUNITY}).scalar_one()
    assert int(frame["value"].sum()) == expected
    assert "supervisor" in set(frame["role"])


def test_a_director_sees_the_district_stations_and_grants(sample_engine, as_of):
    from data_access import reference, subsidies

    stations = reference.list_stations(sample_engine, DIRECTOR)
    assert stations["street_id"].isna().any() and set(stations["street_id"].dropna()) == {STREET}
    grants = subsidies.grants_in(sample_engine, DIRECTOR, start=datetime(2021, 1, 1).date(), end=as_of.date())
    assert not grants.empty


@pytest.fixture
def director_app(app):
    """A page as the director of COMMUNITY sees it."""
    state = {"demo-role": "director", "demo-street": STREET, "demo-community": COMMUNITY}
    return lambda view, **params: app(view, state=state, **{"lang": "en", **params})


def test_a_directors_map_shows_their_community(director_app):
    at = director_app("views/map.py", layers="streets,stations,communities")
    assert not any("No data" in i.value for i in at.info)
    decks = [element for element in at.get("deck_gl_json_chart")]
    assert decks, "the map is drawn"
    spec = decks[0].proto.json
    assert '"communities"' in spec and "Fubao" in spec
    directors = at.dataframe[0].value
    assert list(directors["Community"]) == ["Fubao"]  # fubao-01 is the community 福保


@pytest.mark.parametrize("dataset", DATASETS)
def test_each_explore_page_dataset_for_a_director(director_app, dataset):
    dims = DATASET_SPECS[dataset].dimensions
    dim = "community" if "community" in dims else "street"
    at = director_app("views/explore.py", dataset=dataset, dim=dim)
    table = at.dataframe[0].value if at.dataframe else pd.DataFrame()
    first = table.columns[0] if len(table.columns) else None
    if first:  # the street's supervisor belongs to no community
        assert set(table[first]) <= {"Fubao", "Street level (no community)"}, table


@pytest.mark.parametrize("view", ["views/overview.py", "views/cases.py", "views/subsidies.py", "views/data.py"])
def test_each_page_for_a_director_names_no_other_community(director_app, view, sqlite_sample_url):
    from data_access.engine import make_engine

    with make_engine(sqlite_sample_url).connect() as conn:
        others = {name for (name,) in conn.execute(text(
            "SELECT name_en FROM communities WHERE street_id = :s AND id <> :c"), {"s": STREET, "c": COMMUNITY})}
    at = director_app(view)
    for table in at.dataframe:
        frame = table.value
        frame = frame.data if hasattr(frame, "data") else frame
        for column in frame.columns:
            if str(column) in ("Community", "社区"):
                assert not set(frame[column].astype(str)) & others, (view, column)
