"""Every URL parameter is validated the same way: a bad value gets a notice, shown as plain text, and the
default. Hostile values (addresses, Markdown, HTML) in the shared parameters on every page come out as text."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.text import plain
from tests.harness import problems

PAGES = ["views/overview.py", "views/map.py", "views/cases.py", "views/subsidies.py", "views/explore.py",
         "views/data.py"]
HOSTILE = {
    "street": "http://evil.invalid/login",
    "period": "[x](http://evil.invalid/)",
    "lang": "![i](http://evil.invalid/p.png)",
}


@pytest.fixture
def app(app):
    def make(view: str = "views/overview.py", **params: str) -> AppTest:
        """The page opened from a link carrying ``params``, the way a pasted address arrives."""
        at = app()
        at.query_params.clear()
        at.query_params.update(params)
        at.switch_page(view).run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return make


def notices(at: AppTest) -> list[str]:
    return [w.value for w in at.warning]


@pytest.mark.parametrize("name", list(HOSTILE))
@pytest.mark.parametrize("view", PAGES)
def test_a_hostile_shared_parameter_gets_a_plain_notice_on_every_page(app, view, name):
    value = HOSTILE[name]
    at = app(view, **{name: value})
    shown = [w for w in notices(at) if value in plain(w)]
    assert shown, (name, notices(at))
    assert not any(problems(w) for w in shown), shown
    assert at.query_params.get(name) != value


@pytest.mark.parametrize("params, name", [
    ({"mode": "party"}, "mode"),
    ({"mode": "meeting", "screen": "nowhere"}, "screen"),
])
def test_the_overviews_mode_and_screen_are_checked(app, params, name):
    at = app(**params, lang="en")
    assert any(f"{name}={params[name]}" in plain(w) for w in notices(at)), notices(at)
    assert name not in at.query_params
    expected = "Service network" if name == "screen" else "District overview"
    assert at.title[0].value == expected


def test_a_column_with_a_count_on_explore_gets_a_notice(app):
    at = app("views/explore.py", measure="count", column="age", lang="en")
    assert any("column=age" in plain(w) and "does not apply" in w for w in notices(at)), notices(at)
    assert "column" not in at.query_params


def test_a_column_left_from_an_earlier_choice_goes_quietly(app):
    at = app("views/explore.py", measure="mean", column="age", lang="en")
    assert at.query_params["column"] == "age"
    at.selectbox(key="explore_measure").set_value("count").run()
    assert not at.exception and not notices(at)
    assert "column" not in at.query_params


def test_a_blank_case_number_opens_no_case_and_shows_no_empty_notice(app):
    at = app("views/cases.py", case="   ")
    assert all(plain(w).strip() for w in notices(at)), notices(at)
    assert not any(plain(s.value).startswith("个案 ") for s in at.subheader)
