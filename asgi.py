"""The served app: `streamlit run asgi.py` (what `make run` does) or `uvicorn asgi:app`.

Streamlit's own server with the app's routes beside it (sign-in, /healthz); the pages are app.py.
"""

import streamlit as st

from dashboard import downloads, routes
from data_access import config

# A bad setting or a Streamlit without the internals the download hold patches stops the server at start,
# with a message naming it, not at the first page that needs it.
config.check_settings()
config.secret_key()
downloads.check_streamlit()

app = st.App("app.py", routes=routes.routes(), middleware=routes.middleware())
