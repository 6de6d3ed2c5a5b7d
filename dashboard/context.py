"""The view context every page reads: language, period, street, scope and as-of moment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import streamlit as st

from catalogue.i18n import period_label, t
from dashboard import data, urlstate
from data_access import config
from data_access.types import Filters, Period, Scope, periods_between
from data_access.users import User

CONTEXT_KEY = "_view_context"
DRAWN_LANGUAGE_KEY = "_drawn_lang"
LANGUAGE_NAMES = {"zh": "中文", "en": "English"}


@dataclass(frozen=True)
class ViewContext:
    lang: str
    as_of: datetime
    synthetic: bool
    user: User
    scope: Scope
    filters: Filters
    street_name: str
    scope_name: str  # what the page header names: the street, and for a director also their community

    @property
    def period(self) -> Period:
        return self.filters.period


def current() -> ViewContext:
    return st.session_state[CONTEXT_KEY]


def language_selector() -> str:
    """The language switch; ``?lang=zh|en`` in the URL."""
    default = config.default_language()
    urlstate.sync_from_url(
        "lang", default, lambda raw: raw.lower() if raw.lower() in LANGUAGE_NAMES else None,
        lambda raw: t("notice.bad_param", default, name="lang", value=raw, fallback=LANGUAGE_NAMES[default]),
    )
    st.sidebar.segmented_control(
        t("filter.language", st.session_state["lang"]), list(LANGUAGE_NAMES), format_func=LANGUAGE_NAMES.get,
        key="lang", required=True,
    )
    urlstate.write_to_url("lang")
    lang = st.session_state["lang"]
    if st.session_state.get(DRAWN_LANGUAGE_KEY, lang) != lang:
        restate_choices()
    st.session_state[DRAWN_LANGUAGE_KEY] = lang
    return lang


def restate_choices() -> None:
    """After a language switch, give every choice widget its value again, before it is drawn.

    A select box (and a multiselect, pills, segmented control) keeps its choice in the browser as the
    option's visible label. Drawn again with labels in the other language, it cannot find that label
    among its options and hands back the label itself (``2026年第四季度`` for the period), which would
    then reach the URL. Setting each value anew makes Streamlit send the choice in the new labels.
    Reading a value here still uses the previous run's labels, so it is the stored code.
    """
    for key in list(st.session_state):
        if key == "lang" or str(key).startswith("_"):
            continue
        value = st.session_state[key]
        if isinstance(value, str) or (isinstance(value, (list, tuple)) and value
                                      and all(isinstance(item, str) for item in value)):
            st.session_state[key] = value


def as_of_moment(info) -> datetime:
    """``DASHBOARD_AS_OF``, else the sample data's own as-of, else now."""
    override = config.as_of_override()
    if override:
        return override
    if info.synthetic and info.data_as_of:
        return info.data_as_of
    return datetime.now().replace(second=0, microsecond=0)


def street_title(name: str, lang: str) -> str:
    """A street named as a street ("福田街道", "Futian Street"), never to be read as the district of the same name
    (福田区): wherever a street's name stands alone in a sentence or a title."""
    if lang == "en":
        return name if name.endswith(" Street") else f"{name} Street"
    return name if name.endswith("街道") else f"{name}街道"


def district_street_ids() -> set[str]:
    """Every street id of the district, to tell a street outside the viewer's scope from a wrong value."""
    streets = data.streets(Scope.district())
    return {*streets["id"], *streets["name_zh"], *(f"{name}街道" for name in streets["name_zh"])}


def global_filters(lang: str, user: User) -> ViewContext:
    """Period and street in the sidebar, bound to ``?period=`` and ``?street=``.

    The street list holds only the streets the viewer's scope allows; another street in the URL
    gets a notice, and a viewer bound to one street always has it selected.
    """
    info = data.dataset_info()
    as_of = as_of_moment(info)
    scope = user.scope()
    first = info.first_month or as_of.date()
    periods = periods_between(first, as_of.date())
    codes = [p.code for p in periods]
    default_period = Period.containing(as_of.date(), "quarter").code

    def parse_period(raw: str) -> str | None:
        try:
            code = Period.parse(raw).code
        except ValueError:
            return None
        return code if code in codes else None

    def bad_period(raw: str) -> str:
        fallback = period_label(Period.parse(default_period), lang)
        try:
            Period.parse(raw)
        except ValueError:
            return t("notice.bad_param", lang, name="period", value=raw, fallback=fallback)
        return t("notice.period_outside", lang, value=raw, first=first.isoformat(), last=as_of.date().isoformat(),
                 fallback=fallback)

    urlstate.sync_from_url("period", default_period, parse_period, bad_period)
    if st.session_state["period"] not in codes:
        st.session_state["period"] = default_period
    st.sidebar.selectbox(
        t("filter.period", lang), codes, key="period", format_func=lambda code: period_label(Period.parse(code), lang)
    )
    urlstate.write_to_url("period")

    streets = data.streets(scope)
    names = dict(zip(streets["id"], streets["name_en" if lang == "en" else "name_zh"]))
    by_zh = dict(zip(streets["name_zh"], streets["id"]))

    def parse_street(raw: str) -> str | None:
        key = raw.strip().lower()
        if key in names:
            return key
        return by_zh.get(raw.strip().removesuffix("街道"))

    choices = ["", *names] if scope.streets is None else list(names)
    default_street = choices[0]

    def bad_street(raw: str) -> str:
        fallback = names.get(default_street)
        fallback = street_title(fallback, lang) if fallback else t("filter.all_streets", lang)
        if scope.streets is not None and (raw.strip().lower() in district_street_ids() or raw.strip() in district_street_ids()):
            return t("notice.street_not_permitted", lang, value=raw, fallback=fallback)
        return t("notice.bad_param", lang, name="street", value=raw, fallback=fallback)

    urlstate.sync_from_url("street", default_street, parse_street, bad_street)
    if st.session_state["street"] not in choices:
        st.session_state["street"] = default_street
    st.sidebar.selectbox(
        t("filter.street", lang), choices, key="street",
        format_func=lambda sid: names.get(sid) or t("filter.all_streets", lang),
    )
    urlstate.write_to_url("street")

    street_id = st.session_state["street"] or None
    filters = Filters(period=Period.parse(st.session_state["period"]), street_id=street_id)
    context = view_context(lang, user, filters, as_of, info.synthetic, names)
    st.session_state[CONTEXT_KEY] = context
    return context


def view_context(lang: str, user: User, filters: Filters, as_of: datetime, synthetic: bool,
                 names: dict[str, str]) -> ViewContext:
    """What a page reads for the viewer's filters; ``names`` are the street names in ``lang`` by street id."""
    scope = user.scope()
    street_id = filters.street_id
    street_name = names.get(street_id) if street_id else t("filter.all_streets", lang)
    scope_name = street_title(street_name, lang) if street_id else street_name
    if scope.communities is not None and len(scope.communities) == 1:
        # A director's scope is one community: the header names it beside its street.
        communities = data.communities(scope, filters)
        scope_name = " · ".join([scope_name, *communities["name_en" if lang == "en" else "name_zh"]])
    return ViewContext(
        lang=lang,
        as_of=as_of,
        synthetic=synthetic,
        user=user,
        scope=scope,
        filters=filters,
        street_name=street_name,
        scope_name=scope_name,
    )


def context_for(user: User, filters: Filters, lang: str = "zh") -> ViewContext:
    """The view context of a viewer and filters chosen in code, not in the sidebar: for calling a page's ``load``
    without Streamlit running (the benchmark, tests)."""
    info = data.dataset_info()
    streets = data.streets(user.scope())
    names = dict(zip(streets["id"], streets["name_en" if lang == "en" else "name_zh"]))
    return view_context(lang, user, filters, as_of_moment(info), info.synthetic, names)
