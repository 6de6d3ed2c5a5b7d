"""The pages' script, served through asgi.py (`streamlit run asgi.py`). Page config, database check, sign-in, global
filters, navigation."""

import os

import streamlit as st
from sqlalchemy.exc import OperationalError

from catalogue.i18n import t
from dashboard import auth, context, data, downloads, layout, setup

st.set_page_config(page_title="未成年人保护数据看板", page_icon="🛡️", layout="wide")
downloads.hold_generated_downloads()
downloads.rerun_after_reconnect()

lang = context.language_selector()
st.sidebar.caption(t("app.title", lang))
setup.ensure_sample_database(lang)


@st.fragment(run_every=10)
def wait_for_database() -> None:
    """Check again every few seconds and reload the app once the database answers."""
    health = data.health()
    if health.ok:
        st.rerun(scope="app")
    layout.database_banner(health, lang)
    st.button(t("db.retry", lang))


health = data.health()
if not health.ok:
    wait_for_database()
    st.stop()
# The tab's title names the district the database was initialised for.
st.set_page_config(page_title=t("app.title", lang))

user = auth.signed_in_user(lang)
pages = [
    st.Page("views/overview.py", title=t("nav.overview", lang), icon=":material/dashboard:", default=True),
    st.Page("views/map.py", title=t("nav.map", lang), icon=":material/map:", url_path="map"),
    st.Page("views/cases.py", title=t("nav.cases", lang), icon=":material/emergency:", url_path="cases"),
    st.Page("views/subsidies.py", title=t("nav.subsidies", lang), icon=":material/payments:", url_path="subsidies"),
    st.Page("views/explore.py", title=t("nav.explore", lang), icon=":material/query_stats:", url_path="explore"),
    st.Page("views/data.py", title=t("nav.data", lang), icon=":material/database:", url_path="data"),
]
if os.environ.get("DASHBOARD_BENCH") == "1":
    # The benchmark's floor: an empty page behind the same sidebar, left out of the navigation.
    pages.append(st.Page("views/blank.py", title="·", url_path="bench-empty", visibility="hidden"))
# Registered for everyone, listed for admins only: a pasted /admin shows the sign-in form, or the page's refusal.
pages.append(st.Page("views/admin.py", title=t("nav.admin", lang), icon=":material/shield_person:", url_path="admin",
                     visibility="visible" if user and user.role == "admin" else "hidden"))
# Navigation comes before the sign-in form, so a deep link (say /cases) still opens after signing in.
page = st.navigation(pages, position="sidebar" if user else "hidden")
if user is None:
    auth.sign_in_screen(lang)
    st.stop()
try:
    context.global_filters(lang, user)
    page.run()
except OperationalError:
    st.cache_data.clear()
    data.recheck_health()
    wait_for_database()
