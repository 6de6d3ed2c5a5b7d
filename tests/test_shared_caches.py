"""Values cached once and handed to every session without a copy (st.cache_resource: chart specs, the health
check, the rules) are never changed by a page: every page runs twice and each such value is compared with a
copy taken after the first run."""

from __future__ import annotations

import copy
import json

import pytest
import streamlit as st
from streamlit.runtime.caching.cache_resource_api import _resource_caches

from dashboard import layout
from tests.harness import open_app, serve_sample

PAGES = ["views/overview.py", "views/map.py", "views/cases.py", "views/subsidies.py", "views/explore.py", "views/data.py"]


def shared_values() -> dict[str, object]:
    """Every value held by st.cache_resource now, by function and key."""
    found = {}
    for caches in _resource_caches._function_caches.values():
        for name, cache in caches.items():
            with cache._mem_cache_lock:
                for key, result in cache._mem_cache.items():
                    found[f"{cache.display_name}:{name}:{key}"] = result.value
    return found


def snapshot(value: object) -> object:
    if isinstance(value, dict):  # a chart spec: JSON, compared as text so that a changed nested value shows
        return json.dumps(value, sort_keys=True, default=str)
    return copy.deepcopy(value)


@pytest.fixture
def fresh_caches(sqlite_sample_url, monkeypatch):
    serve_sample(monkeypatch, sqlite_sample_url)
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_page_changes_a_value_shared_between_sessions(fresh_caches, lang):
    def every_page() -> None:
        at = open_app(lang=lang, period="2022Q2")
        for page in PAGES:
            at.switch_page(page).run()
            assert not at.exception, (page, [e.value for e in at.exception])
            at.run()  # the same page again, every chart and figure from the caches
            assert not at.exception, (page, [e.value for e in at.exception])

    every_page()
    before = {key: snapshot(value) for key, value in shared_values().items()}
    specs = [key for key in before if "chart_spec" in key]
    assert len(specs) >= 8, sorted(before)  # the charts of the overview, cases, subsidies and explore pages
    every_page()
    after = shared_values()
    for key, kept in before.items():
        assert key in after, f"{key} left the cache during the second round"
        assert snapshot(after[key]) == kept, f"a page changed the shared value {key}"


def test_the_check_fails_for_a_changed_spec(fresh_caches):
    """The comparison sees a change deep inside a shared spec (so the test above can fail)."""
    import altair as alt
    import pandas as pd

    def build(frame):
        return alt.Chart(frame).mark_bar().encode(x="a:N", y="b:Q")

    def spec_of(frame):
        return layout.chart_spec(build, (frame,), {}, "test.build", (layout.fingerprint(frame),))

    spec = spec_of(pd.DataFrame({"a": ["x"], "b": [1]}))
    kept = snapshot(spec)
    spec["encoding"]["y"]["field"] = "c"
    assert snapshot(spec_of(pd.DataFrame({"a": ["x"], "b": [1]}))) != kept


def test_a_chart_is_built_again_for_other_data_and_not_for_the_same():
    import pandas as pd

    built = []

    def build(frame):
        import altair as alt

        built.append(len(frame))
        return alt.Chart(frame).mark_bar().encode(x="a:N", y="b:Q")

    def spec_of(frame):
        return layout.chart_spec(build, (frame,), {}, "test.count", (layout.fingerprint(frame),))

    st.cache_resource.clear()
    first = spec_of(pd.DataFrame({"a": ["x"], "b": [1]}))
    assert spec_of(pd.DataFrame({"a": ["x"], "b": [1]})) is first  # equal data: the same spec, built once
    assert spec_of(pd.DataFrame({"a": ["x"], "b": [2]})) is not first  # one value changed
    assert spec_of(pd.DataFrame({"a": ["x"], "c": [1]}).rename(columns={"c": "b"}).astype({"b": float})) is not first
    assert built == [1, 1, 1]
    st.cache_resource.clear()


def test_the_health_check_is_answered_from_memory_until_a_query_fails(monkeypatch, fresh_caches):
    from dashboard import data
    from data_access import dataset

    calls = []
    monkeypatch.setattr(dataset, "health_check", lambda engine: calls.append(engine) or dataset.Health(True))
    assert data.health().ok and data.health().ok
    assert len(calls) == 1  # the second run within HEALTH_SECONDS asked no one
    data.recheck_health()  # what app.py does when a page's query finds the database gone
    data.health()
    assert len(calls) == 2


def test_the_health_check_is_kept_per_database(monkeypatch, fresh_caches, tmp_path):
    from dashboard import data

    assert data.health().ok
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    found = data.health()
    assert not found.ok and found.problem == "schema"
