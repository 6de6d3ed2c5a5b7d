"""Sign-in, demo mode, role scopes, reveals and the audit trail, through the app (AppTest)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard.text import plain
from data_access import audit, users
from data_access.engine import make_engine
from data_access.users import User
from tests.conftest import serve_sample

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PASSWORD = "a long enough password"


@pytest.fixture
def sample_copy(sample_copy_url):
    """A private copy of the sample database, with one supervisor account."""
    users.add_user(make_engine(sample_copy_url), "li.fubao", "supervisor", PASSWORD, "fubao")
    return sample_copy_url


def start(monkeypatch, *, demo_url: str | None = None, database_url: str | None = None, state: dict | None = None,
          view: str | None = None, **params: str) -> AppTest:
    st.cache_data.clear()
    if demo_url:
        serve_sample(monkeypatch, demo_url)
    else:
        monkeypatch.setenv("DATABASE_URL", database_url)
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in (state or {}).items():
        at.session_state[key] = value
    at.query_params.update(params)
    at.run()
    if view:
        at.switch_page(view).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_demo_mode_on_the_bundled_sample(monkeypatch, sample_copy):
    at = start(monkeypatch, demo_url=sample_copy)
    assert any("演示模式" in m.value for m in at.sidebar.markdown)
    assert at.sidebar.selectbox(key="demo-role").value == "leader"
    assert metric(at, "街道未保工作站") == "10"


def test_demo_mode_is_off_for_any_other_database_url(monkeypatch, sample_copy):
    at = start(monkeypatch, database_url=sample_copy)
    assert not at.metric
    assert not any(s.key == "demo-role" for s in at.sidebar.selectbox)
    assert [b.label for b in at.button if b.label == "登录"] or at.get("form_submit_button")


def test_signing_in_with_a_wrong_password_says_so_and_shows_nothing(monkeypatch, sample_copy):
    at = start(monkeypatch, database_url=sample_copy, lang="en")
    at.text_input[0].input("li.fubao")
    at.text_input[1].input("not the password")
    at.get("form_submit_button")[0].click().run()
    assert any("not right" in e.value for e in at.error)
    assert not at.metric
    assert audit.search(make_engine(sample_copy), username="li.fubao").empty


def test_signing_in_opens_the_supervisors_street_only(monkeypatch, sample_copy):
    at = start(monkeypatch, database_url=sample_copy, lang="en")
    at.text_input[0].input("li.fubao")
    at.text_input[1].input(PASSWORD)
    at.get("form_submit_button")[0].click().run()
    assert not at.exception
    assert metric(at, "Street work stations") == "1"
    log = audit.search(make_engine(sample_copy), username="li.fubao")
    assert list(log["action"]) == ["sign_in"]
    assert PASSWORD not in " ".join(log["detail"].fillna(""))


@pytest.mark.parametrize("role, street, community", [("supervisor", "fubao", None), ("director", "fubao", "fubao-01")])
def test_a_street_role_cannot_widen_its_scope_through_the_url(monkeypatch, sample_copy, role, street, community):
    state = {"demo-role": role, "demo-street": street}
    if community:
        state["demo-community"] = community
    at = start(monkeypatch, demo_url=sample_copy, state=state, street="futian", lang="en")
    assert any("street=futian" in plain(w.value) for w in at.warning)
    assert "Scope: Fubao" in "\n".join(plain(m.value) for m in at.markdown)
    assert metric(at, "Street work stations") == "1"
    at.switch_page("views/cases.py").run()
    queue = at.dataframe[0].value
    assert set(queue["Street"]) <= {"Fubao"}
    if community:
        assert set(queue["Community"]) <= {"Fubao"}  # fubao-01 is the community 福保


def test_another_streets_case_number_gets_a_notice_not_data(monkeypatch, sample_copy):
    engine = make_engine(sample_copy)
    with engine.connect() as conn:
        from sqlalchemy import text

        futian_case = conn.execute(text("SELECT case_no FROM cases WHERE street_id = 'futian' LIMIT 1")).scalar_one()
    at = start(monkeypatch, demo_url=sample_copy, state={"demo-role": "supervisor", "demo-street": "fubao"},
               case=futian_case, lang="en", view="views/cases.py")
    assert any(futian_case in plain(w.value) and "outside" in w.value for w in at.warning)
    assert not any(plain(s.value).startswith("Case FT-") for s in at.subheader)
    assert audit.search(engine, action="case_view").empty


def test_viewing_a_case_is_audited_and_personal_data_stays_masked(monkeypatch, sample_copy):
    engine = make_engine(sample_copy)
    with engine.connect() as conn:
        from sqlalchemy import text

        fubao_case = conn.execute(text("SELECT case_no FROM cases WHERE street_id = 'fubao' AND closed_at IS NULL "
                                       "LIMIT 1")).scalar_one()
    at = start(monkeypatch, demo_url=sample_copy, state={"demo-role": "supervisor", "demo-street": "fubao"},
               case=fubao_case, lang="en", view="views/cases.py")
    assert any(plain(s.value) == f"Case {fubao_case}" for s in at.subheader)
    masked = next(plain(c.value) for c in at.caption if "****" in plain(c.value))
    assert "990304" not in masked and "示例路" not in masked
    assert any(b.label == "Show in full" for b in at.button)
    views = audit.search(engine, action="case_view")
    assert list(views["target"]) == [fubao_case] and list(views["username"]) == ["demo-supervisor"]


def test_a_leader_sees_no_reveal_button(monkeypatch, sample_copy):
    engine = make_engine(sample_copy)
    with engine.connect() as conn:
        from sqlalchemy import text

        case_no = conn.execute(text("SELECT case_no FROM cases LIMIT 1")).scalar_one()
    at = start(monkeypatch, demo_url=sample_copy, case=case_no, lang="en", view="views/cases.py")
    assert any(plain(s.value) == f"Case {case_no}" for s in at.subheader)
    assert not any(b.label == "Show in full" for b in at.button)


def test_idle_viewers_are_signed_out(monkeypatch, sample_copy):
    state = {"_user": User("li.fubao", "supervisor", "fubao"), "_last_active": datetime.now() - timedelta(minutes=16)}
    at = start(monkeypatch, database_url=sample_copy, state=state, lang="en")
    assert not at.metric
    assert any("without activity" in i.value for i in at.info)
    assert list(audit.search(make_engine(sample_copy), action="sign_out")["detail"]) == ['{"reason": "idle"}']


def test_the_admin_page_lists_accounts_and_the_audit_trail(monkeypatch, sample_copy):
    at = start(monkeypatch, demo_url=sample_copy, state={"demo-role": "admin"}, lang="en", view="views/admin.py")
    accounts = at.dataframe[0].value
    assert "li.fubao" in set(accounts["Username"])
    assert "argon2" not in accounts.to_string()
    trail = at.dataframe[1].value
    assert "li.fubao" in set(trail["Target"])


def test_the_admin_page_refuses_other_roles(monkeypatch, sample_copy):
    at = start(monkeypatch, demo_url=sample_copy, state={"demo-role": "analyst"}, lang="en", view="views/admin.py")
    assert [e.value for e in at.error] == ["Only administrators may see this page."]
    assert not at.dataframe and not at.text_input
