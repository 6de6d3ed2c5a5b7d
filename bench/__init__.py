"""The benchmark (``python -m bench``); see bench/__main__.py."""

import logging

from streamlit.runtime.caching import cache_data_api

# Outside a Streamlit server the data caches live in this process's memory, which Streamlit says once for every
# cached function; the benchmark knows.
logging.getLogger(cache_data_api.__name__).setLevel(logging.ERROR)
