"""Links from the overview to the pages that explain its figures, with the same filters in the URL.

A link names every filter of its target page, blank where it wants none, so the target shows
exactly the linked figure rather than filters left over from an earlier visit.
"""

from __future__ import annotations

from urllib.parse import urlencode

from dashboard.context import ViewContext
from data_access import explore

CASES = "views/cases.py"
MAP = "views/map.py"
SUBSIDIES = "views/subsidies.py"
EXPLORE = "views/explore.py"
OVERVIEW = "views/overview.py"

PATHS = {CASES: "/cases", MAP: "/map", SUBSIDIES: "/subsidies", EXPLORE: "/explore", OVERVIEW: "/"}
CASE_PARAMS = ("community", "risk", "stage", "type", "source", "staff", "from", "to", "flags", "due", "no_contact",
               "q", "case", "page")


def shared(ctx: ViewContext, street: str | None = None) -> dict[str, str]:
    """The global filters: language, period and street."""
    return {"lang": ctx.lang, "period": ctx.period.code, "street": street if street is not None else
            (ctx.filters.street_id or "")}


def cases(ctx: ViewContext, street: str | None = None, **wanted: str) -> dict[str, str]:
    return {**shared(ctx, street), **dict.fromkeys(CASE_PARAMS, ""), **wanted}


def map_view(ctx: ViewContext, **wanted: str) -> dict[str, str]:
    return {**shared(ctx), "metric": "", "radius": "", "layers": "", **wanted}


def subsidies(ctx: ViewContext) -> dict[str, str]:
    return {**shared(ctx), "by": "", "measure": ""}


def explore_view(ctx: ViewContext, dataset: str, **wanted: str) -> dict[str, str]:
    blank = dict.fromkeys(["dim", "dim2", "measure", "column", "chart", *explore.dataset_spec(dataset).filters], "")
    return {**shared(ctx), **blank, "dataset": dataset, **wanted}


def url(page: str, params: dict[str, str]) -> str:
    """A relative URL, for table link columns."""
    return f"{PATHS[page]}?{urlencode(params)}"
