"""No file leaves the app except through its own export buttons (audited, formula-safe).

Streamlit's tables carry a toolbar whose "Download as CSV" writes cells raw and audits nothing, and
read-only tables copy to the clipboard. Streamlit has one switch for both, ``client.disableDataExport``;
this test finds every place the app draws a table and checks that the switch the app runs with is on.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from streamlit import config

ROOT = Path(__file__).resolve().parent.parent
TABLE_CALLS = {"dataframe", "data_editor", "table"}


def table_call_sites() -> list[str]:
    sites = []
    for path in sorted([ROOT / "app.py", *(ROOT / "views").glob("*.py"), *(ROOT / "dashboard").glob("*.py")]):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in TABLE_CALLS:
                sites.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.func.attr}")
    return sites


@pytest.fixture
def app_config(monkeypatch):
    """Streamlit's options as `streamlit run app.py` reads them in the project directory."""
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("STREAMLIT_CLIENT_DISABLE_DATA_EXPORT", raising=False)
    config.get_config_options(force_reparse=True)
    yield config
    config.get_config_options(force_reparse=True)


def test_the_app_draws_tables_in_many_places():
    sites = table_call_sites()
    assert len(sites) >= 15, sites
    assert any(site.startswith("views/cases.py") for site in sites)


@pytest.mark.parametrize("site", table_call_sites())
def test_no_table_offers_the_toolbar_download(app_config, site):
    assert app_config.get_option("client.disableDataExport") is True, \
        f"{site}: the table toolbar would offer an unaudited CSV download"
