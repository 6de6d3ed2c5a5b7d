"""First run: build the bundled sample database, with visible progress."""

from __future__ import annotations

import threading
import time

import streamlit as st
from catalogue.i18n import t
from data_access import config
from data_access.engine import get_engine
from sample_data.build import build_database, holds_data

_lock = threading.Lock()


def ensure_sample_database(lang: str) -> None:
    """Build the sample database when the default SQLite file is missing or empty.

    Only the bundled default is ever built; a configured DATABASE_URL is never written to.
    """
    if config.database_url() != config.default_database_url():
        return
    with _lock:
        engine = get_engine(config.database_url())
        if config.default_sqlite_path().exists() and holds_data(engine):
            return
        started = time.perf_counter()
        with st.status(t("setup.building", lang), expanded=True) as status:
            bar = st.progress(0.0)

            def progress(fraction: float, message: str) -> None:
                bar.progress(min(fraction, 1.0), text=message)

            build_database(engine, progress=progress)
            status.update(label=t("setup.built", lang, seconds=time.perf_counter() - started), state="complete",
                          expanded=False)
