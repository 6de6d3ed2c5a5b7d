"""Untrusted text stays text: hostile values planted in every text column the importer accepts (and the
names of the reference network) never come out of any page, for any role, as a link, an image or HTML.

The columns are found from the importer's own field list and the schema, and the Markdown places are
found by walking every element the page drew, so new columns and new pages are covered without
changing this test.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
import sqlite3
from pathlib import Path

import pytest
import streamlit as st
from sqlalchemy import select, text, update
from streamlit.testing.v1 import AppTest

from dashboard.text import JOINER, literal, md, plain
from data_access import importer, schema
from data_access.engine import make_engine
from tests.harness import PAYLOADS, open_app, problems, serve_sample

# Streamlit elements whose text is shown as it is, without Markdown.
PLAIN_ELEMENTS = {"Text", "Code", "Json", "Exception", "Arrow", "ArrowNamedDataSet", "DeckGlJsonChart",
                  "ArrowVegaLiteChart", "Html", "Selectbox", "MultiSelect"}
MARKDOWN_FIELDS = {"body", "label", "help", "caption"}
ROLES = ("leader", "supervisor", "director", "analyst", "admin")
PAGES = ("views/overview.py", "views/map.py", "views/cases.py", "views/subsidies.py", "views/explore.py",
         "views/data.py", "views/admin.py")
EXTRA_PARAMS = {
    "views/overview.py": [{}, {"mode": "meeting", "screen": "gaps"}],
    "views/map.py": [{}, {"street": "fubao", "layers": "streets,stations,communities,orgs"}],
    "views/explore.py": [{"dataset": "staff", "dim": "community", "chart": "map"}],
    "views/data.py": [{"check": "duplicates"}],
}


def text_columns() -> list[tuple[str, str]]:
    """Every free-text column of an importable kind, and the names and descriptions of the reference tables."""
    found = {(kind.table.name, field.column) for kind in importer.SPECS.values() for field in kind.fields
             if field.kind == "text"}
    for table in schema.metadata.tables.values():
        found |= {(table.name, column.name) for column in table.columns
                  if column.name.startswith(("name_", "description_"))}
    return sorted(found)


def hostile(index: int) -> str:
    return f"{PAYLOADS[index % len(PAYLOADS)]} {index}"


@pytest.fixture(scope="module")
def hostile_url(sqlite_sample_url, tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("hostile") / "dashboard.db"
    with sqlite3.connect(sqlite_sample_url.removeprefix("sqlite:///")) as source, sqlite3.connect(path) as copy:
        source.backup(copy)
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        for table_name, column in text_columns():
            table = schema.metadata.tables[table_name]
            key = next(iter(table.primary_key.columns))
            for index, (pk,) in enumerate(conn.execute(select(key).order_by(key))):
                conn.execute(update(table).where(key == pk).values({column: hostile(index)}))
    engine.dispose()
    return f"sqlite:///{path}"


def nodes(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from nodes(child)


def strings(message, path=()):
    """(field path, value) of every string field in a protobuf message, nested ones included."""
    for field, value in message.ListFields():
        values = value if getattr(field, "is_repeated", False) or isinstance(value, Sequence) and not isinstance(value, str) else [value]
        for item in values:
            if field.type == field.TYPE_STRING:
                yield (*path, field.name), item
            elif field.type == field.TYPE_MESSAGE:
                yield from strings(item, (*path, field.name))


def rendered_problems(at: AppTest) -> list[tuple]:
    out = []
    for node in nodes(at._tree):
        proto = getattr(node, "proto", None)
        if proto is None:
            continue
        kind = type(proto).__name__
        for path, value in strings(proto):
            if kind == "DeckGlJsonChart" and path[-1] == "tooltip" and '"html"' in value:
                out.append((kind, path, "a map tooltip made of HTML"))
            if "evil" not in value:
                continue
            if kind == "Html":
                out.append((kind, path, value))
            elif kind not in PLAIN_ELEMENTS and path[-1] in MARKDOWN_FIELDS and problems(value):
                out.append((kind, path, value, problems(value)))
    return out


def case_of(url: str, street: str, community: str | None = None) -> str:
    condition = f"street_id = '{street}'" + (f" AND community_id = '{community}'" if community else "")
    with make_engine(url).connect() as conn:
        return conn.execute(text(f"SELECT case_no FROM cases WHERE {condition} ORDER BY LENGTH(case_no), id LIMIT 1")).scalar_one()


def page_runs():
    for role in ROLES:
        for page in PAGES:
            if page == "views/admin.py" and role != "admin":
                continue
            for params in EXTRA_PARAMS.get(page, [{}]):
                yield pytest.param(role, page, params, id=f"{role}-{Path(page).stem}-{'-'.join(params.values())}")


@pytest.mark.parametrize("role, page, params", list(page_runs()))
def test_no_page_renders_untrusted_text_as_markup(monkeypatch, hostile_url, role, page, params):
    st.cache_data.clear()
    serve_sample(monkeypatch, hostile_url)
    state = {"demo-role": role, "demo-street": "fubao", "demo-community": "fubao-01"}
    params = dict(params)
    if page == "views/cases.py":
        case_no = case_of(hostile_url, "fubao", "fubao-01")
        params["case"] = case_no
        state["_revealed"] = case_no  # the personal data shown in full, where the role may
    at = open_app(None if page == "views/overview.py" else page, state=state, timeout=90, **params)
    assert not rendered_problems(at)
    if page == "views/cases.py":
        assert any("evil" in s.value for s in at.subheader), "the case detail with its planted number was shown"
    if page == "views/overview.py" and not params:
        assert not briefing_problems(at)


def briefing_problems(at: AppTest) -> list[str]:
    """Markup from the planted values in the briefing file, which is HTML."""
    from dashboard import briefing, data, gaps

    ctx = at.session_state["_view_context"]
    figures = data.key_figures(ctx.scope, ctx.filters, ctx.as_of)
    pressure = data.street_pressure(ctx.scope, ctx.filters, ctx.as_of)
    html = briefing.build(ctx, figures, pressure, gaps.find_gaps(ctx, figures, pressure))
    assert "evil" in html, "the planted street names reach the briefing"
    return re.findall(r"<img\b|<a\b|<b>evil", html)


def test_the_plant_reaches_every_importable_text_column():
    columns = set(text_columns())
    assert {("children", "name"), ("children", "address"), ("staff", "name"), ("case_events", "note"),
            ("cases", "case_no"), ("streets", "name_zh"), ("grants", "description_en")} <= columns


@pytest.mark.parametrize("payload", PAYLOADS)
def test_literal_leaves_nothing_to_render_and_reads_the_same(payload):
    shown = literal(payload)
    assert not problems(shown), problems(shown)
    assert plain(shown) == payload


def test_literal_breaks_autolinks_but_keeps_the_text():
    shown = literal("see http://evil.invalid/x or WWW.evil.invalid or a@evil.invalid, :smile: at 09:30")
    assert plain(shown) == "see http://evil.invalid/x or WWW.evil.invalid or a@evil.invalid, :smile: at 09:30"
    assert not re.search(r"https?://|www\.|\w@\w|:smile:", shown, flags=re.IGNORECASE)


def test_literal_adds_no_joiner_where_nothing_could_become_a_link():
    assert literal("children-en.csv") == "children\\-en\\.csv"
    assert literal("张三 · 福田区示例路1号") == "张三 · 福田区示例路1号"
    assert JOINER not in literal("Problems: 3 rows (file.csv)")


def test_md_makes_every_value_literal_and_keeps_the_catalogue_text():
    assert md("notice.bad_param", "en", name="street", value="http://evil.invalid/", fallback="x").startswith(
        "The URL parameter street=http\\:")
