"""Who is looking: sign-in (local accounts or single sign-on), demo mode, idle timeout, audit."""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from dashboard import data
from dashboard.i18n import label, t
from data_access import audit, config, users
from data_access.users import User

USER_KEY = "_user"
ACTIVE_KEY = "_last_active"


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


def sign_out(reason: str = "user") -> None:
    """Forget everything of the session but its language, so the next viewer starts clean."""
    user = st.session_state.get(USER_KEY)
    for key in list(st.session_state):
        if key not in ("lang", "_url_lang"):
            del st.session_state[key]
    if user and not demo_mode():
        audit.record(data.engine(), user.username, "sign_out", user.username, {"reason": reason})
    if single_sign_on() and getattr(st.user, "is_logged_in", False):
        st.logout()


def signed_in_user(lang: str) -> User | None:
    """The viewer, or None until someone has signed in (then show sign_in_screen)."""
    now = datetime.now()
    user: User | None = st.session_state.get(USER_KEY)
    last = st.session_state.get(ACTIVE_KEY)
    if user and last and now - last > config.idle_timeout() and not demo_mode():
        sign_out("idle")
        st.session_state["_signed_out_idle"] = True
        user = None
    st.session_state[ACTIVE_KEY] = now
    if demo_mode():
        return _demo_user(lang)
    if user:
        # A disabled account or a changed role takes effect at the next interaction.
        user = users.find_user(data.engine(), user.username)
        if user is None:
            sign_out("account disabled")
            st.rerun()
        st.session_state[USER_KEY] = user
        _sign_out_button(user, lang)
        return user
    return None


def sign_in_screen(lang: str) -> None:
    if single_sign_on():
        _single_sign_on(lang)
    else:
        _sign_in_form(lang)


def _sign_out_button(user: User, lang: str) -> None:
    st.sidebar.caption(t("auth.signed_in_as", lang, user=user.username, role=label("role", user.role, lang)))
    st.sidebar.button(t("auth.sign_out", lang), on_click=sign_out, key="sign-out")


def _sign_in_form(lang: str) -> None:
    st.title(t("app.title", lang))
    if st.session_state.pop("_signed_out_idle", False):
        st.info(t("auth.idle", lang, minutes=int(config.idle_timeout().total_seconds() // 60)))
    with st.form("sign-in", border=True, clear_on_submit=True):
        st.subheader(t("auth.sign_in", lang))
        username = st.text_input(t("auth.username", lang))
        password = st.text_input(t("auth.password", lang), type="password")
        submitted = st.form_submit_button(t("auth.sign_in", lang), type="primary")
    if not submitted:
        return
    try:
        user = users.authenticate(data.engine(), username.strip(), password)
    except users.SignInError as exc:
        st.error(t(f"auth.error.{exc.reason}", lang, minutes=int(users.FAILURE_WINDOW.total_seconds() // 60)))
        return
    st.session_state[USER_KEY] = user
    st.rerun()


def _single_sign_on(lang: str) -> None:
    st.title(t("app.title", lang))
    if not st.user.is_logged_in:
        st.button(t("auth.sso", lang), on_click=st.login, type="primary")
        return
    identity = st.user.get("email") or st.user.get("preferred_username") or ""
    user = users.find_user(data.engine(), identity)
    if user is None:
        st.error(t("auth.sso_unknown", lang, identity=identity))
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
