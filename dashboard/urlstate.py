"""Widgets whose value lives in the URL, so a link shows exactly what its sender saw.

The URL wins when it changed since the app last wrote it (a pasted or clicked link); otherwise
the widget's value wins and is written back to the URL. An invalid value in the URL falls
back to the default and leaves a notice for the page to show.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

NOTICES = "_url_notices"


def sync_from_url(key: str, default: str, parse: Callable[[str], str | None], on_invalid: Callable[[str], str]) -> None:
    """Before the widget ``key`` is drawn: make its session value agree with the URL."""
    raw = st.query_params.get(key)
    written = st.session_state.get(f"_url_{key}")
    if key in st.session_state and raw in (None, written):
        return
    if raw is None or raw == "":
        st.session_state[key] = default
        return
    value = parse(raw)
    if value is None:
        add_notice(on_invalid(raw))
        value = default
    st.session_state[key] = value


def write_to_url(key: str) -> None:
    """After the widget ``key`` is drawn: put its value in the URL (an empty value removes it)."""
    value = st.session_state.get(key) or ""
    st.session_state[f"_url_{key}"] = value
    if value:
        if st.query_params.get(key) != value:
            st.query_params[key] = value
    elif key in st.query_params:
        del st.query_params[key]


def add_notice(message: str) -> None:
    st.session_state.setdefault(NOTICES, []).append(message)


def pop_notices() -> list[str]:
    return st.session_state.pop(NOTICES, [])
