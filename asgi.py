"""The served app: `streamlit run asgi.py` (what `make run` does) or `uvicorn asgi:app`.

Streamlit's own server with the app's routes beside it (sign-in, /healthz); the pages are app.py.
"""

import streamlit as st

from dashboard import routes
from data_access import config

# A misconfigured key or lifetime stops the server at start, with its message, not at the first sign-in.
config.secret_key()
config.session_lifetime()

app = st.App("app.py", routes=routes.routes(), middleware=routes.middleware())
