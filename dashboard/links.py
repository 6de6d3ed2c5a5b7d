"""Every link between the app's pages, with the same filters in the URL.

A link carries only the values it wants: an empty value is left out, so the URL stays clean. The
target still shows exactly the linked figure, because a page's filter widgets lose their values
when another page is drawn (Streamlit drops the state of widgets a run does not draw), so a filter
the link does not name falls back to its default (the blanking rule of ``dashboard.urlstate``).
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

import streamlit as st

from dashboard.context import ViewContext

CASES = "views/cases.py"
MAP = "views/map.py"
SUBSIDIES = "views/subsidies.py"
EXPLORE = "views/explore.py"
OVERVIEW = "views/overview.py"
DATA = "views/data.py"

PATHS = {CASES: "/cases", MAP: "/map", SUBSIDIES: "/subsidies", EXPLORE: "/explore", OVERVIEW: "/", DATA: "/data"}


def clean(params: dict[str, str]) -> dict[str, str]:
    """The parameters without empty values."""
    return {name: value for name, value in params.items() if value not in ("", None)}


def shared(ctx: ViewContext, street: str | None = None) -> dict[str, str]:
    """The global filters: language, period and street (left out for the whole district)."""
    return clean({"lang": ctx.lang, "period": ctx.period.code,
                  "street": street if street is not None else (ctx.filters.street_id or "")})


def overview(ctx: ViewContext, **wanted: str) -> dict[str, str]:
    return clean({**shared(ctx), **wanted})


def cases(ctx: ViewContext, street: str | None = None, **wanted: str) -> dict[str, str]:
    return clean({**shared(ctx, street), **wanted})


def map_view(ctx: ViewContext, street: str | None = None, **wanted: str) -> dict[str, str]:
    return clean({**shared(ctx, street), **wanted})


def subsidies(ctx: ViewContext) -> dict[str, str]:
    return shared(ctx)


def explore_view(ctx: ViewContext, dataset: str, **wanted: str) -> dict[str, str]:
    return clean({**shared(ctx), "dataset": dataset, **wanted})


def data_import(ctx: ViewContext) -> dict[str, str]:
    """The import on the data page, which is the same for every period and street: the language only."""
    return {"lang": ctx.lang}


def url(page: str, params: dict[str, str]) -> str:
    """A relative URL with the given parameters, for text that names a link."""
    return f"{PATHS[page]}?{urlencode(clean(params))}"


def address(page: str) -> str:
    """The address of ``page`` with the current URL's query, as the viewer's browser reached the app."""
    base = urlsplit(st.context.url or "")
    query = urlencode(st.query_params.to_dict())
    origin = f"{base.scheme}://{base.netloc}" if base.netloc else ""
    return f"{origin}{PATHS[page]}" + (f"?{query}" if query else "")
