"""Sign-in, demo mode, role scopes, reveals and the audit trail, through the app (AppTest)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import streamlit as st
from sqlalchemy import text, update
from streamlit.testing.v1 import AppTest

from dashboard import auth
from dashboard.text import plain
from data_access import audit, config, schema, sessions, users
from data_access.engine import make_engine
from data_access.users import User
from tests.harness import PASSWORD, app_test, metric, session_cookie, start


@pytest.fixture
def sample_copy(sample_copy_url):
    """A private copy of the sample database, with one supervisor account."""
    users.add_user(make_engine(sample_copy_url), "li.fubao", "supervisor", PASSWORD, "fubao")
    return sample_copy_url


def sign_in_form(at: AppTest) -> str:
    """The sign-in form's HTML, or "" when the page shows none."""
    return next((h.proto.body for h in at.get("html") if "<form" in h.proto.body), "")


def test_demo_mode_on_the_bundled_sample(monkeypatch, sample_copy_url):
    at = start(monkeypatch, demo_url=sample_copy_url)
    assert any("演示模式" in m.value for m in at.sidebar.markdown)
    assert at.sidebar.selectbox(key="demo-role").value == "leader"
    assert metric(at, "街道未保工作站") == "10"


def test_demo_mode_is_off_once_the_sample_has_an_account(monkeypatch, sample_copy):
    at = start(monkeypatch, database_url=sample_copy)
    assert not at.metric
    assert not any(s.key == "demo-role" for s in at.sidebar.selectbox)
    form = sign_in_form(at)
    assert 'action="/sign-in"' in form and 'method="post"' in form and "登录" in form


def test_the_form_posts_back_to_the_page_and_its_query(monkeypatch, sample_copy):
    at = start(monkeypatch, database_url=sample_copy, lang="en", street="fubao")
    form = sign_in_form(at)
    assert 'name="next" value="/?lang=en&amp;street=fubao"' in form
    assert "Username" in form and 'type="password"' in form


@pytest.mark.parametrize("outcome, message", [
    ("invalid", "The username or password is not right."),
    ("locked", "Too many failed sign-ins: the account is locked for 15 minutes."),
    ("disabled", "This account is disabled; ask an administrator."),
    ("unavailable", "The database cannot be reached just now; please try again shortly."),
])
def test_a_failed_sign_in_says_why_and_shows_nothing(monkeypatch, sample_copy, outcome, message):
    at = start(monkeypatch, database_url=sample_copy, lang="en", signin=outcome)
    assert [e.value for e in at.error] == [message]
    assert not at.metric and sign_in_form(at)
    assert "signin" not in at.query_params


def test_an_unknown_outcome_in_the_url_is_ignored(monkeypatch, sample_copy):
    at = start(monkeypatch, database_url=sample_copy, lang="en", signin="<b>boom</b>")
    assert not at.error and sign_in_form(at)


def test_a_session_cookie_opens_the_supervisors_street_only(monkeypatch, sample_copy):
    at = start(monkeypatch, database_url=sample_copy, lang="en", cookie=session_cookie(sample_copy))
    assert not sign_in_form(at)
    assert metric(at, "Street work stations") == "1"
    assert any("li.fubao" in plain(c.value) for c in at.sidebar.caption)


@pytest.mark.parametrize("cookie", ["", "garbage", "eyJ.forged.value", "x" * 5000])
def test_a_forged_cookie_gets_the_sign_in_screen_not_an_error(monkeypatch, sample_copy, cookie):
    at = start(monkeypatch, database_url=sample_copy, lang="en", cookie=cookie)
    assert not at.metric and sign_in_form(at) and not at.error and not at.info


def test_a_cookie_signed_with_another_installations_key_is_refused(monkeypatch, sample_copy):
    foreign = sessions.open_session(make_engine(sample_copy), User("li.fubao", "supervisor", "fubao"), "o" * 40,
                                    config.session_lifetime())
    at = start(monkeypatch, database_url=sample_copy, lang="en", cookie=foreign)
    assert not at.metric and sign_in_form(at)


def test_signing_out_ends_the_session_in_every_tab(monkeypatch, sample_copy):
    cookie = session_cookie(sample_copy)
    first = start(monkeypatch, database_url=sample_copy, lang="en", cookie=cookie)
    second = start(monkeypatch, database_url=sample_copy, lang="en", cookie=cookie)
    assert metric(second, "Street work stations") == "1"
    first.sidebar.button(key="sign-out").click().run()
    assert not first.metric and sign_in_form(first)
    assert [i.value for i in first.info] == ["You are signed out. Please sign in again."]
    second.run()  # the other tab's next interaction
    assert not second.metric and sign_in_form(second)
    log = audit.search(make_engine(sample_copy), username="li.fubao", action="sign_out")
    assert list(log["detail"]) == ['{"reason": "sign_out"}']


def test_disabling_the_account_ends_its_open_tab_within_the_recheck_bound(monkeypatch, sample_copy):
    now = [1000.0]
    monkeypatch.setattr(auth, "_clock", lambda: now[0])
    at = start(monkeypatch, database_url=sample_copy, lang="en", cookie=session_cookie(sample_copy))
    users.disable_user(make_engine(sample_copy), "li.fubao", by="admin")
    now[0] += auth.SESSION_RECHECK_SECONDS - 0.5
    at.run()  # answered from memory: the account as it was a moment ago
    assert metric(at, "Street work stations") == "1"
    now[0] += 0.5  # the bound has passed: the database is asked again
    at.run()
    assert not at.metric and sign_in_form(at)
    assert [i.value for i in at.info] == ["You are signed out. Please sign in again."]


def test_a_page_opened_after_the_account_is_disabled_asks_the_database_at_once(monkeypatch, sample_copy):
    now = [1000.0]
    monkeypatch.setattr(auth, "_clock", lambda: now[0])
    cookie = session_cookie(sample_copy)
    open_tab = start(monkeypatch, database_url=sample_copy, lang="en", cookie=cookie)
    users.disable_user(make_engine(sample_copy), "li.fubao", by="admin")
    now[0] += 0.5
    opened = start(monkeypatch, database_url=sample_copy, lang="en", cookie=cookie)  # a reload: a new session
    assert not opened.metric and sign_in_form(opened)
    open_tab.run()  # the tab already open finds the account disabled too: its check was forgotten
    assert not open_tab.metric and sign_in_form(open_tab)


def test_a_changed_role_applies_within_the_recheck_bound(monkeypatch, sample_copy):
    now = [1000.0]
    monkeypatch.setattr(auth, "_clock", lambda: now[0])
    at = start(monkeypatch, database_url=sample_copy, lang="en", cookie=session_cookie(sample_copy))
    with make_engine(sample_copy).begin() as conn:
        conn.execute(update(schema.users).where(schema.users.c.username == "li.fubao").values(role="leader",
                                                                                           street_id=None))
    now[0] += auth.SESSION_RECHECK_SECONDS - 0.5
    at.run()
    assert at.session_state[auth.USER_KEY].role == "supervisor"
    now[0] += 0.5
    at.run()
    assert at.session_state[auth.USER_KEY].role == "leader"


@pytest.mark.parametrize("role, street, community", [("supervisor", "fubao", None), ("director", "fubao", "fubao-01")])
def test_a_street_role_cannot_widen_its_scope_through_the_url(monkeypatch, sample_copy_url, role, street, community):
    state = {"demo-role": role, "demo-street": street}
    if community:
        state["demo-community"] = community
    at = start(monkeypatch, demo_url=sample_copy_url, state=state, street="futian", lang="en")
    assert any("street=futian" in plain(w.value) for w in at.warning)
    header = "\n".join(plain(m.value) for m in at.markdown)
    assert ("Scope: Fubao Street · Fubao" in header) == bool(community) and "Scope: Fubao Street" in header
    assert metric(at, "Street work stations") == "1"
    at.switch_page("views/cases.py").run()
    queue = at.dataframe[0].value
    assert set(queue["Street"]) <= {"Fubao"}
    if community:
        assert set(queue["Community"]) <= {"Fubao"}  # fubao-01 is the community 福保


def test_another_streets_case_number_gets_a_notice_not_data(monkeypatch, sample_copy_url):
    engine = make_engine(sample_copy_url)
    with engine.connect() as conn:
        from sqlalchemy import text

        futian_case = conn.execute(text("SELECT case_no FROM cases WHERE street_id = 'futian' LIMIT 1")).scalar_one()
    at = start(monkeypatch, demo_url=sample_copy_url, state={"demo-role": "supervisor", "demo-street": "fubao"},
               case=futian_case, lang="en", view="views/cases.py")
    assert any(futian_case in plain(w.value) and "outside" in w.value for w in at.warning)
    assert not any(plain(s.value).startswith("Case FT-") for s in at.subheader)
    assert audit.search(engine, action="case_view").empty


def test_viewing_a_case_is_audited_and_personal_data_stays_masked(monkeypatch, sample_copy_url):
    engine = make_engine(sample_copy_url)
    with engine.connect() as conn:
        from sqlalchemy import text

        fubao_case = conn.execute(text("SELECT case_no FROM cases WHERE street_id = 'fubao' AND closed_at IS NULL "
                                       "LIMIT 1")).scalar_one()
    at = start(monkeypatch, demo_url=sample_copy_url, state={"demo-role": "supervisor", "demo-street": "fubao"},
               case=fubao_case, lang="en", view="views/cases.py")
    assert any(plain(s.value) == f"Case {fubao_case}" for s in at.subheader)
    masked = next(plain(c.value) for c in at.caption if "****" in plain(c.value))
    assert "990304" not in masked and "示例路" not in masked
    assert any(b.label == "Show in full" for b in at.button)
    views = audit.search(engine, action="case_view")
    assert list(views["target"]) == [fubao_case] and list(views["username"]) == ["demo-supervisor"]


def follow_link(at: AppTest, view: str, **params: str) -> AppTest:
    """What a click on a link does: the URL holds only the link's parameters."""
    at.query_params.clear()
    at.query_params.update(params)
    at.switch_page(view).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_a_link_without_a_case_closes_the_open_case_and_its_reveal(monkeypatch, sample_copy_url):
    engine = make_engine(sample_copy_url)
    with engine.connect() as conn:
        case_no = conn.execute(text("SELECT case_no FROM cases WHERE street_id = 'fubao' AND closed_at IS NULL "
                                    "LIMIT 1")).scalar_one()
    at = start(monkeypatch, demo_url=sample_copy_url, state={"demo-role": "supervisor", "demo-street": "fubao"},
               case=case_no, lang="en", view="views/cases.py")
    next(b for b in at.button if b.label == "Show in full").click().run()
    assert not any(b.label == "Show in full" for b in at.button)  # shown in full
    follow_link(at, "views/overview.py", lang="en")
    follow_link(at, "views/cases.py", lang="en")
    assert not any(plain(s.value) == f"Case {case_no}" for s in at.subheader)
    assert "case" not in at.query_params
    follow_link(at, "views/cases.py", lang="en", case=case_no)
    assert any(plain(s.value) == f"Case {case_no}" for s in at.subheader)
    assert any(b.label == "Show in full" for b in at.button)  # masked again: a new reveal, a new audit entry
    assert len(audit.search(engine, action="reveal")) == 1


def test_another_case_number_in_a_link_drops_the_reveal(monkeypatch, sample_copy_url):
    engine = make_engine(sample_copy_url)
    with engine.connect() as conn:
        first, second = conn.execute(text("SELECT case_no FROM cases WHERE street_id = 'fubao' AND closed_at IS NULL "
                                          "ORDER BY case_no LIMIT 2")).scalars()
    at = start(monkeypatch, demo_url=sample_copy_url, state={"demo-role": "supervisor", "demo-street": "fubao"},
               case=first, lang="en", view="views/cases.py")
    next(b for b in at.button if b.label == "Show in full").click().run()
    follow_link(at, "views/cases.py", lang="en", case=second)
    follow_link(at, "views/cases.py", lang="en", case=first)
    assert any(plain(s.value) == f"Case {first}" for s in at.subheader)
    assert any(b.label == "Show in full" for b in at.button)


def test_a_leader_sees_no_reveal_button(monkeypatch, sample_copy_url):
    engine = make_engine(sample_copy_url)
    with engine.connect() as conn:
        from sqlalchemy import text

        case_no = conn.execute(text("SELECT case_no FROM cases LIMIT 1")).scalar_one()
    at = start(monkeypatch, demo_url=sample_copy_url, case=case_no, lang="en", view="views/cases.py")
    assert any(plain(s.value) == f"Case {case_no}" for s in at.subheader)
    assert not any(b.label == "Show in full" for b in at.button)


def test_idle_viewers_are_signed_out(monkeypatch, sample_copy):
    cookie = session_cookie(sample_copy)
    engine = make_engine(sample_copy)
    with engine.begin() as conn:
        conn.execute(update(schema.user_sessions).values(last_seen_at=datetime.now() - timedelta(minutes=16)))
    at = start(monkeypatch, database_url=sample_copy, cookie=cookie, lang="en")
    assert not at.metric and sign_in_form(at)
    assert [i.value for i in at.info] == [
        "You were signed out after 15 minutes without activity. Please sign in again."]
    assert list(audit.search(engine, action="sign_out")["detail"]) == ['{"reason": "idle"}']


def test_the_admin_page_lists_accounts_and_the_audit_trail(monkeypatch, sample_copy):
    users.add_user(make_engine(sample_copy), "wu.admin", "admin", PASSWORD)
    at = start(monkeypatch, database_url=sample_copy, cookie=session_cookie(sample_copy, "wu.admin", "admin", None),
               lang="en", view="views/admin.py")
    accounts = at.dataframe[0].value
    assert "li.fubao" in set(accounts["Username"])
    assert "argon2" not in accounts.to_string()
    trail = at.dataframe[1].value
    assert "li.fubao" in set(trail["Target"])


def test_the_admin_page_refuses_other_roles(monkeypatch, sample_copy_url):
    at = start(monkeypatch, demo_url=sample_copy_url, state={"demo-role": "analyst"}, lang="en", view="views/admin.py")
    assert [e.value for e in at.error] == ["Only administrators may see this page."]
    assert not at.dataframe and not at.text_input


def test_single_sign_on_still_maps_the_identity_to_an_account_and_idles_out(monkeypatch, sample_copy):
    engine = make_engine(sample_copy)
    users.add_user(engine, "li@futian.example", "supervisor", PASSWORD, "fubao")
    st.cache_data.clear()
    monkeypatch.setenv("DATABASE_URL", sample_copy)
    monkeypatch.setattr(auth, "browser_cookie", lambda: None)
    at = app_test()
    at.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "s" * 32}
    at.user = {"is_logged_in": True, "email": "li@futian.example"}
    at.query_params["lang"] = "en"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert metric(at, "Street work stations") == "1"
    assert list(audit.search(engine, username="li@futian.example")["detail"]) == ['{"via": "single sign-on"}']
    at.session_state["_last_active"] = datetime.now() - timedelta(minutes=16)
    at.run()
    assert not at.metric
    assert [i.value for i in at.info] == [
        "You were signed out after 15 minutes without activity. Please sign in again."]
    assert any(b.label == "Sign in with single sign-on" for b in at.button)


def test_the_admin_page_says_whether_the_audit_chain_verifies(monkeypatch, sample_copy):
    engine = make_engine(sample_copy)
    users.add_user(engine, "wu.admin", "admin", PASSWORD)
    at = start(monkeypatch, database_url=sample_copy, cookie=session_cookie(sample_copy, "wu.admin", "admin", None),
               lang="en", view="views/admin.py")
    rows = audit.verify(engine).rows
    assert [s.value for s in at.success] == [
        f"The audit trail's hash chain verifies: none of the newest {rows} entries altered or removed "
        "(the nightly restore drill and python -m data_access.audit verify check them all)."]
    with engine.begin() as conn:
        conn.execute(text("DROP TRIGGER audit_log_no_update"))
        conn.execute(text("UPDATE audit_log SET target = 'someone else' WHERE id = (SELECT max(id) FROM audit_log)"))
    at.run()
    assert not at.success and f"breaks at entry {rows}" in at.error[0].value
