"""An empty page, registered only when DASHBOARD_BENCH=1: the floor the benchmark measures every page against."""

import streamlit as st

st.caption("·")
