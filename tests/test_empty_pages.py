"""Every page on a database that holds the made-up district's network and nothing more (and on one that
holds only some of its data): no exception, no NaN, None or infinity on screen, a notice naming what is
missing, and for admins a link to the import (AppTest)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from data_access import district, importer, users
from data_access.engine import make_engine
from data_access.users import User
from tests.files import CUIYU, NATIONAL, TODAY, fake_id, gbk_csv
from tests.harness import open_app, sign_in_as

PAGES = ["views/overview.py", "views/map.py", "views/cases.py", "views/subsidies.py", "views/explore.py",
         "views/data.py"]
BAD_TEXT = re.compile(r"\b(nan|NaN|None|inf|NaT)\b(?! found)")  # "None found" is the checks' English


def network_only(path: Path) -> str:
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    assert district.init_database(engine, district.read_network(CUIYU)).ok
    users.add_user(engine, "admin", "admin", "a long enough password")
    users.add_user(engine, "leader", "leader", "a long enough password")
    engine.dispose()
    return url


@pytest.fixture(scope="module")
def empty_url(tmp_path_factory) -> str:
    return network_only(tmp_path_factory.mktemp("empty") / "network.db")


@pytest.fixture(scope="module")
def children_only_url(tmp_path_factory) -> str:
    url = network_only(tmp_path_factory.mktemp("partial") / "children.db")
    export = gbk_csv([NATIONAL, ["甲", fake_id("2012-03-04", "041"), "男", "2012-03-04", "东岸街道", "望江社区", "孤儿"]])
    assert importer.run_import(make_engine(url), "children", export, "children.csv", today=TODAY).written
    return url


def open_page(monkeypatch, url: str, user: User, view: str, lang: str) -> AppTest:
    st.cache_data.clear()
    monkeypatch.setenv("DATABASE_URL", url)
    sign_in_as(monkeypatch, url, user)
    return open_app(None if view == "views/overview.py" else view, lang=lang)


def visible_text(at: AppTest) -> list[str]:
    texts = []
    for kind in ("title", "subheader", "markdown", "caption", "info", "warning", "success"):
        texts += [str(element.value) for element in getattr(at, kind)]
    texts += [f"{m.label} {m.value}" for m in at.metric]
    for frame in at.dataframe:
        value = frame.value
        data = getattr(value, "data", value)  # a Styler shows its data
        texts += [str(cell) for cell in data.astype(str).to_numpy().ravel()]
    return texts


def import_links(at: AppTest) -> list:
    return [link for link in at.get("page_link") if link.proto.page == "data"]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("view", PAGES)
def test_a_page_on_the_network_alone_says_what_is_missing(monkeypatch, empty_url, view, lang):
    at = open_page(monkeypatch, empty_url, User("admin", "admin"), view, lang)
    missing = "还没有" if lang == "zh" else "holds no"
    assert any(missing in i.value for i in at.info), [i.value for i in at.info]
    shown = visible_text(at)
    assert not [text for text in shown if BAD_TEXT.search(text)], [text for text in shown if BAD_TEXT.search(text)]
    assert import_links(at)
    assert "翠屿区" in at.sidebar.caption[0].value or "Cuiyu District" in at.sidebar.caption[0].value


@pytest.mark.parametrize("view", ["views/overview.py", "views/cases.py", "views/subsidies.py"])
def test_a_leader_gets_the_notice_without_the_import_link(monkeypatch, empty_url, view):
    at = open_page(monkeypatch, empty_url, User("leader", "leader"), view, "zh")
    assert any("还没有" in i.value for i in at.info)
    assert not import_links(at)


def test_with_children_only_the_notice_names_what_is_still_missing(monkeypatch, children_only_url):
    at = open_page(monkeypatch, children_only_url, User("admin", "admin"), "views/overview.py", "en")
    notice = next(i.value for i in at.info if "holds no" in i.value)
    assert "children" not in notice and "crisis cases" in notice and "subsidy payments" in notice
    total = next(m.value for m in at.metric if m.label == "Registered at period end")
    assert total == "1"
    shown = visible_text(at)
    assert not [text for text in shown if BAD_TEXT.search(text)]


def test_the_map_of_the_second_district_frames_its_own_streets(monkeypatch, empty_url):
    at = open_page(monkeypatch, empty_url, User("admin", "admin"), "views/map.py", "en")
    deck = at.get("deck_gl_json_chart")[0]
    import json

    spec = json.loads(deck.proto.json)
    view = spec["initialViewState"]
    assert 100.49 < view["longitude"] < 100.58 and 25.0 < view["latitude"] < 25.06


@pytest.mark.parametrize("screen", ["network", "cases", "subsidies", "gaps"])
def test_meeting_mode_says_what_is_missing(monkeypatch, empty_url, screen):
    st.cache_data.clear()
    monkeypatch.setenv("DATABASE_URL", empty_url)
    sign_in_as(monkeypatch, empty_url, User("leader", "leader"))
    at = open_app(lang="en", mode="meeting", screen=screen)
    assert any("holds no" in i.value for i in at.info)
    shown = visible_text(at)
    assert not [text for text in shown if BAD_TEXT.search(text)]
