"""Who is looking: sign-in (local accounts or single sign-on), demo mode, idle timeout, audit.

A local account signs in through the form that dashboard.routes answers; the browser then holds a
session cookie that every script run checks against the server-side session (data_access.sessions).
"""

from __future__ import annotations

import html
import threading
import time
from datetime import datetime
from urllib.parse import urlencode, urlsplit

import streamlit as st

from catalogue.i18n import label, t
from dashboard import data, routes
from dashboard.text import md
from data_access import audit, config, sessions, users
from data_access.users import User

USER_KEY = "_user"
ACTIVE_KEY = "_last_active"
ENDED_KEY = "_session_ended"
FAILURES = ("invalid", "locked", "disabled", "unavailable")
# A signed-in session, once checked against the database, is believed for this long without asking again, so an
# interaction costs no database round trip. A disabled account, a new password, a changed role or a sign-out in
# another app process therefore takes effect within this many seconds; a sign-out in this process at once.
SESSION_RECHECK_SECONDS = 5.0
_checked: dict[str, tuple[float, sessions.SessionCheck]] = {}  # cookie -> (when checked, the signed-in check)
_checked_lock = threading.Lock()
_clock = time.monotonic
# A plain form: its POST answer sets the HttpOnly session cookie (see dashboard.routes).
SIGN_IN_FORM = """
<style>
.signin {{ max-width: 26rem; border: 1px solid rgba(128, 128, 128, 0.35); border-radius: 0.5rem; padding: 1.25rem; }}
.signin h3 {{ margin: 0 0 0.75rem; font-size: 1.25rem; font-weight: 600; }}
.signin label {{ display: block; font-size: 0.875rem; margin: 0.75rem 0 0.25rem; }}
.signin input {{ width: 100%; box-sizing: border-box; padding: 0.5rem 0.75rem; font: inherit; color: inherit;
  border-radius: 0.5rem; border: 1px solid rgba(128, 128, 128, 0.35); background: rgba(128, 128, 128, 0.12); }}
.signin button {{ margin-top: 1rem; padding: 0.4rem 0.9rem; font: inherit; color: #fff; background: #ff4b4b;
  border: 1px solid #ff4b4b; border-radius: 0.5rem; cursor: pointer; }}
</style>
<form class="signin" method="post" action="{action}">
<h3>{sign_in}</h3>
<input type="hidden" name="next" value="{next}">
<label for="signin-username">{username}</label>
<input id="signin-username" name="username" autocomplete="username" required maxlength="60">
<label for="signin-password">{password}</label>
<input id="signin-password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">{sign_in}</button>
</form>
"""


def demo_mode() -> bool:
    """Only a database of synthetic sample data and no accounts runs without sign-in, wherever it lives."""
    info = data.dataset_info()
    return info.synthetic and not info.accounts


def single_sign_on() -> bool:
    """True when an [auth] section is configured in .streamlit/secrets.toml."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def username() -> str | None:
    user = st.session_state.get(USER_KEY)
    return user.username if user else None


def log(action: str, target: str | None = None, detail: dict | None = None, who: str | None = None) -> None:
    """Audit an action of the viewer (or of ``who``, for callbacks that run outside the session)."""
    audit.record(data.engine(), who or username(), action, target, detail)


def browser_cookie() -> str | None:
    """The session cookie the browser sent when this tab opened (HttpOnly: scripts in the page never see it)."""
    return st.context.cookies.get(routes.COOKIE)


def sign_out(reason: str = "user") -> None:
    """End the session (in every tab of the browser: they share its cookie) and forget everything of this
    one but its language, so the next viewer starts clean."""
    user = st.session_state.get(USER_KEY)
    _forget_viewer()
    if single_sign_on():
        st.session_state[ENDED_KEY] = "idle" if reason == "idle" else "sign_out"
        if user and not demo_mode():
            audit.record(data.engine(), user.username, "sign_out", user.username, {"reason": reason})
        if getattr(st.user, "is_logged_in", False):
            st.logout()
        return
    cookie = browser_cookie()
    with _checked_lock:
        _checked.pop(cookie, None)
    sessions.end_session(data.engine(), cookie, config.secret_key(), config.session_lifetime())


def _forget_viewer() -> None:
    for key in list(st.session_state):
        if key not in ("lang", "_url_lang"):
            del st.session_state[key]


def signed_in_user(lang: str) -> User | None:
    """The viewer, or None until someone has signed in (then show sign_in_screen)."""
    if demo_mode():
        return _demo_user(lang)
    user = _single_sign_on_user() if single_sign_on() else _session_user()
    if user:
        _sign_out_button(user, lang)
    return user


def _session_user() -> User | None:
    """The local account whose session cookie this tab carries; the account as it is at most
    SESSION_RECHECK_SECONDS ago."""
    # A page opened (a new Streamlit session) always asks the database; only its later reruns are answered from memory.
    check = _check_session(browser_cookie(), fresh=USER_KEY not in st.session_state)
    if check.user is None:
        if USER_KEY in st.session_state:  # signed out elsewhere, idle or expired: nothing of theirs stays
            _forget_viewer()
        st.session_state[ENDED_KEY] = check.ended
        return None
    st.session_state[USER_KEY] = check.user
    return check.user


def _check_session(cookie: str | None, fresh: bool = False) -> sessions.SessionCheck:
    """sessions.check_session, answered from memory for SESSION_RECHECK_SECONDS after a check that found the
    viewer signed in, unless ``fresh`` (a session that is not open is asked about every time, so signing in shows
    at once)."""
    now = _clock()
    with _checked_lock:
        found = _checked.get(cookie) if cookie and not fresh else None
    if found and now - found[0] < SESSION_RECHECK_SECONDS:
        return found[1]
    check = sessions.check_session(data.engine(), cookie, config.secret_key(), config.idle_timeout(),
                                   config.session_lifetime())
    with _checked_lock:
        if len(_checked) > 10_000:  # forget what has gone stale, so the memory stays bounded
            for stale in [k for k, (at, _) in _checked.items() if now - at >= SESSION_RECHECK_SECONDS]:
                del _checked[stale]
        if check.user is not None and cookie:
            _checked[cookie] = (now, check)
        else:
            _checked.pop(cookie, None)
    return check


def _single_sign_on_user() -> User | None:
    """Single sign-on keeps the viewer in Streamlit's session; idle time is counted there."""
    now = datetime.now()
    user: User | None = st.session_state.get(USER_KEY)
    last = st.session_state.get(ACTIVE_KEY)
    if user and last and now - last > config.idle_timeout():
        sign_out("idle")
        user = None
    st.session_state[ACTIVE_KEY] = now
    if user:
        # A disabled account or a changed role takes effect at the next interaction.
        user = users.find_user(data.engine(), user.username)
        if user is None:
            sign_out("account disabled")
            st.rerun()
        st.session_state[USER_KEY] = user
    return user


def sign_in_screen(lang: str) -> None:
    if single_sign_on():
        _single_sign_on(lang)
    else:
        _sign_in_form(lang)


def _sign_out_button(user: User, lang: str) -> None:
    st.sidebar.caption(md("auth.signed_in_as", lang, user=user.username, role=label("role", user.role, lang)))
    st.sidebar.button(t("auth.sign_out", lang), on_click=sign_out, key="sign-out")


def _ended_notice(lang: str) -> None:
    """Why the viewer sees the sign-in screen: a failed attempt, or how the last session ended."""
    outcome = st.query_params.get(routes.OUTCOME_PARAM)
    if outcome is not None:
        del st.query_params[routes.OUTCOME_PARAM]
    lock_minutes = int(users.FAILURE_WINDOW.total_seconds() // 60)
    if outcome in FAILURES:
        st.error(t(f"auth.error.{outcome}", lang, minutes=lock_minutes))
        return
    ended = st.session_state.get(ENDED_KEY)
    if ended == "idle":
        st.info(t("auth.idle", lang, minutes=f"{config.idle_timeout().total_seconds() / 60:g}"))
    elif ended == "expired":
        st.info(t("auth.expired", lang, hours=f"{config.session_lifetime().total_seconds() / 3600:g}"))
    elif ended in ("sign_out", "disabled", "password"):
        st.info(t("auth.ended", lang))


def _return_path() -> str:
    """This page's path and query, where the sign-in form sends the viewer back."""
    path = urlsplit(st.context.url or "").path or "/"
    query = {k: v for k, v in st.query_params.to_dict().items() if k != routes.OUTCOME_PARAM}
    return routes.safe_next(path + ("?" + urlencode(query) if query else ""))


def _sign_in_form(lang: str) -> None:
    st.title(t("app.title", lang))
    _ended_notice(lang)
    fields = {name: html.escape(t(f"auth.{name}", lang)) for name in ("sign_in", "username", "password")}
    st.html(SIGN_IN_FORM.format(action=routes.SIGN_IN_PATH, next=html.escape(_return_path()), **fields))


def _single_sign_on(lang: str) -> None:
    st.title(t("app.title", lang))
    _ended_notice(lang)
    if not st.user.is_logged_in:
        st.button(t("auth.sso", lang), on_click=st.login, type="primary")
        return
    identity = st.user.get("email") or st.user.get("preferred_username") or ""
    user = users.find_user(data.engine(), identity)
    if user is None:
        st.error(md("auth.sso_unknown", lang, identity=identity))
        st.button(t("auth.sign_out", lang), on_click=st.logout)
        return
    audit.record(data.engine(), user.username, "sign_in", user.username, {"via": "single sign-on"})
    st.session_state[USER_KEY] = user
    st.rerun()


def _demo_user(lang: str) -> User:
    """A role picker in place of the sign-in form, marked as a demo."""
    box = st.sidebar.container(border=True)
    box.markdown(f":orange-badge[{t('auth.demo', lang)}]")
    role = box.selectbox(t("auth.demo_role", lang), users.ROLES, key="demo-role",
                         format_func=lambda r: label("role", r, lang))
    street = community = None
    if role in ("supervisor", "director"):
        streets = data.streets(users.scope_for("leader"))
        names = dict(zip(streets["id"], streets["name_en" if lang == "en" else "name_zh"]))
        street = box.selectbox(t("filter.street", lang), list(names), key="demo-street", format_func=names.get)
    if role == "director":
        communities = data.communities(users.scope_for("supervisor", street), None)
        names = dict(zip(communities["id"], communities["name_en" if lang == "en" else "name_zh"]))
        community = box.selectbox(t("col.community", lang), list(names), key="demo-community", format_func=names.get)
    user = User(f"demo-{role}", role, street, community)
    st.session_state[USER_KEY] = user
    return user
