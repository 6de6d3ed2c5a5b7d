"""Values that live in the URL, so a link shows exactly what its sender saw.

The URL wins when it changed since the app last wrote it (a pasted or clicked link); otherwise
the value in session state (usually a widget's) wins and is written back to the URL. An
invalid value in the URL falls back to the default and leaves a notice for the page to show.
Lists are written comma-separated.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import streamlit as st

NOTICES = "_url_notices"


def sync_from_url(key: str, default, parse: Callable[[str], object | None], on_invalid: Callable[[str], str],
                  sticky: bool = True) -> None:
    """Before the widget ``key`` is drawn: make its session value agree with the URL.

    Moving to another page clears the URL, so a missing parameter keeps the session value. A value
    that must not outlive its link (``sticky=False``, an open case, say) is reset instead once the
    URL no longer holds what the app wrote.
    """
    raw = st.query_params.get(key)
    written = st.session_state.get(f"_url_{key}")
    unchanged = (raw or "") == (written or "") if not sticky else raw in (None, written)
    if key in st.session_state and unchanged:
        return
    if raw is None or raw == "":
        st.session_state[key] = default
        return
    value = parse(raw)
    if value is None:
        add_notice(on_invalid(raw))
        value = default
    st.session_state[key] = value


def sync_list_from_url(key: str, allowed: Iterable[str], on_invalid: Callable[[str], str]) -> None:
    """Like sync_from_url for a list, comma-separated or repeated (``?due=a&due=b``); unknown items are dropped
    with a notice."""
    allowed = list(allowed)
    repeated = st.query_params.get_all(key)
    if len(repeated) > 1:
        st.query_params[key] = ",".join(repeated)

    def parse(raw: str) -> list[str]:
        items = [item.strip() for item in raw.split(",") if item.strip()]
        bad = [item for item in items if item not in allowed]
        if bad:
            add_notice(on_invalid(",".join(bad)))
        return [item for item in allowed if item in items]

    sync_from_url(key, [], parse, on_invalid)


def choice_from_url(name: str, allowed: Iterable[str], default: str, on_invalid: Callable[[str], str]) -> str:
    """A URL value no widget holds (the overview's mode, say): one of ``allowed`` or the default.

    An invalid value leaves a notice and is taken out of the URL, so the notice is not repeated.
    """
    raw = st.query_params.get(name)
    if raw is None or raw == "" or raw == default:
        return default
    if raw in allowed:
        return raw
    add_notice(on_invalid(raw))
    del st.query_params[name]
    return default


def write_to_url(key: str) -> None:
    """After the widget ``key`` is drawn: put its value in the URL (an empty value removes it)."""
    value = encode(st.session_state.get(key))
    st.session_state[f"_url_{key}"] = value
    if value:
        if st.query_params.get(key) != value:
            st.query_params[key] = value
    elif key in st.query_params:
        del st.query_params[key]


def encode(value) -> str:
    if value is None or value is False:
        return ""
    if isinstance(value, (list, tuple)):
        return ",".join(str(item) for item in value)
    return str(value)


def add_notice(message: str) -> None:
    notices = st.session_state.setdefault(NOTICES, [])
    if message not in notices:
        notices.append(message)


def pop_notices() -> list[str]:
    return st.session_state.pop(NOTICES, [])
