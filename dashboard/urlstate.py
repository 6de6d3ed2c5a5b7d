"""Values that live in the URL, so a link shows exactly what its sender saw.

Every page reads and writes its URL values here, by three rules:

- Namespaced keys: a value is kept in session state under the URL name, or under ``<namespace>_<name>`` for a
  page whose URL names mean something else on other pages (a shared key would carry one page's value into
  another).
- Notice and default: a value in the URL that is invalid, or that the viewer may not use, falls back to the
  default and leaves a notice for the page to show (``layout.show_notices``); it is never dropped silently.
- Blanking: moving to another page clears the URL, and Streamlit drops the state of widgets a run does not
  draw, so a link (``dashboard.links``) names only the values it wants and every other filter of its target
  page falls back to its default. A value no widget holds and that must not outlive its link (an open case)
  is synced with ``sticky=False``, which resets it once the URL no longer holds it.

The URL wins when it changed since the app last wrote it (a pasted or clicked link); otherwise the value in
session state (usually a widget's) wins and is written back to the URL. Lists are written comma-separated.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

import streamlit as st

NOTICES = "_url_notices"


def session_key(name: str, namespace: str = "") -> str:
    """The session key that holds the URL value ``name``."""
    return f"{namespace}_{name}" if namespace else name


def _written_key(key: str) -> str:
    return f"_url_{key}"


def written(name: str, namespace: str = ""):
    """What the app last wrote to the URL for ``name`` (None before it wrote anything)."""
    return st.session_state.get(_written_key(session_key(name, namespace)))


def sync_from_url(name: str, default, parse: Callable[[str], object | None], on_invalid: Callable[[str], str],
                  sticky: bool = True, namespace: str = "") -> str:
    """Before the widget of the URL value ``name`` is drawn: make its session value agree with the URL.

    Moving to another page clears the URL, so a missing parameter keeps the session value. A value
    that must not outlive its link (``sticky=False``, an open case, say) is reset instead once the
    URL no longer holds what the app wrote. Returns the session key (see ``session_key``).
    """
    key = session_key(name, namespace)
    raw = st.query_params.get(name)
    last = st.session_state.get(_written_key(key))
    unchanged = (raw or "") == (last or "") if not sticky else raw in (None, last)
    if key in st.session_state and unchanged:
        return key
    if raw is None or raw == "":
        st.session_state[key] = default
        return key
    value = parse(raw)
    if value is None:
        add_notice(on_invalid(raw))
        value = default
    st.session_state[key] = value
    return key


def sync_list_from_url(name: str, allowed: Iterable[str], on_invalid: Callable[[str], str]) -> None:
    """Like sync_from_url for a list, comma-separated or repeated (``?due=a&due=b``); unknown items are dropped
    with a notice."""
    allowed = list(allowed)
    repeated = st.query_params.get_all(name)
    if len(repeated) > 1:
        st.query_params[name] = ",".join(repeated)

    def parse(raw: str) -> list[str]:
        items = [item.strip() for item in raw.split(",") if item.strip()]
        bad = [item for item in items if item not in allowed]
        if bad:
            add_notice(on_invalid(",".join(bad)))
        return [item for item in allowed if item in items]

    sync_from_url(name, [], parse, on_invalid)


def sync_dates_from_url(key: str, names: tuple[str, str], latest: date, on_invalid: Callable[[str], str],
                        on_reversed: Callable[[date, date], str]) -> None:
    """Before the date-range widget ``key`` is drawn: its (first, last) from two URL values (``?from=&to=``).

    Both must be ISO dates in order; the last is cut to ``latest``. Anything else leaves a notice and no
    range. An empty value that the URL names (``?from=``) clears the range.
    """
    raw = tuple(st.query_params.get(name, "") for name in names)
    named = any(name in st.query_params for name in names)
    if key in st.session_state and (raw == st.session_state.get(_written_key(key)) or not named):
        return
    st.session_state[key] = ()
    if raw == ("", ""):
        return
    try:
        first, last = (date.fromisoformat(value) for value in raw)
    except ValueError:
        add_notice(on_invalid("/".join(raw)))
        return
    if first > last:
        add_notice(on_reversed(first, last))
        return
    st.session_state[key] = (first, min(last, latest))


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


def write_to_url(name: str, namespace: str = "") -> None:
    """After the widget of the URL value ``name`` is drawn: put its value in the URL (an empty value removes it)."""
    key = session_key(name, namespace)
    value = encode(st.session_state.get(key))
    st.session_state[_written_key(key)] = value
    set_param(name, value)


def write_dates_to_url(key: str, names: tuple[str, str]) -> tuple:
    """After the date-range widget ``key`` is drawn: put its first and last day in the URL; returns the range
    (empty while only one day is chosen)."""
    dates = tuple(st.session_state.get(key) or ())
    pair = (dates[0].isoformat(), dates[1].isoformat()) if len(dates) == 2 else ("", "")
    st.session_state[_written_key(key)] = pair
    for name, value in zip(names, pair):
        set_param(name, value)
    return dates


def drop_param(name: str, on_unused: Callable[[str], str], namespace: str = "") -> None:
    """Take ``name`` out of the URL on a page where it does not apply now; a value the app did not write there
    itself (a link's, not one left from an earlier choice) leaves the notice ``on_unused`` gives it."""
    raw = st.query_params.get(name)
    if raw is None:
        return
    if raw not in ("", written(name, namespace)):
        add_notice(on_unused(raw))
    del st.query_params[name]


def set_param(name: str, value: str) -> None:
    """Put ``value`` in the URL under ``name``, or take ``name`` out of it when the value is empty."""
    if value:
        if st.query_params.get(name) != value:
            st.query_params[name] = value
    elif name in st.query_params:
        del st.query_params[name]


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
