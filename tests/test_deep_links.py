"""A link to a page the viewer may not open: before sign-in the sign-in form, after it the page's refusal,
never Streamlit's "page not found"."""

from __future__ import annotations

import pytest
import streamlit as st

from data_access import users
from data_access.engine import make_engine
from tests.harness import app_test, sign_in_as

PASSWORD = "a long enough password"
VIEWS = ["views/admin.py", "views/cases.py", "views/data.py"]


@pytest.fixture
def signed_out(monkeypatch, sample_copy_url):
    users.add_user(make_engine(sample_copy_url), "li.fubao", "supervisor", PASSWORD, "fubao")
    monkeypatch.setenv("DATABASE_URL", sample_copy_url)
    st.cache_data.clear()
    return app_test(lang="en").run()


@pytest.mark.parametrize("view", VIEWS)
def test_a_deep_link_before_sign_in_shows_the_sign_in_form(signed_out, view):
    at = signed_out.switch_page(view).run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Futian District Minor Protection Dashboard"]
    form = next(h.proto.body for h in at.get("html") if "<form" in h.proto.body)
    assert 'action="/sign-in"' in form and 'type="password"' in form
    assert not at.dataframe and not at.metric


def test_signing_in_on_the_admin_link_as_a_supervisor_gets_the_refusal(monkeypatch, signed_out, sample_copy_url):
    sign_in_as(monkeypatch, sample_copy_url, users.User("li.fubao", "supervisor", "fubao"))
    at = signed_out.run().switch_page("views/admin.py").run()
    assert not at.exception
    assert [e.value for e in at.error] == ["Only administrators may see this page."]
    assert not at.dataframe
