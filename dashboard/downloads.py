"""Generated downloads stay on the server until the browser has had time to fetch them, and the page's
download buttons work again after its websocket reconnects to another process.

A download button given a function builds its file on the click, and Streamlit keeps that file
under no session: the sweep that follows every script run, in any session, marks it and the next
one deletes it. With a few people at work those two sweeps can come before the browser asks for
the file, and the download fails ("canceled" in Chromium). Each generated file is therefore held
for HOLD_SECONDS from when it was built (released by the next download after that), then left to
the sweeps as before.
"""

from __future__ import annotations

import inspect
import time
from pathlib import PurePosixPath
from urllib.parse import urlparse

import streamlit as st
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

# The Streamlit releases the hold and the reconnect timer were tested on; requirements.txt pins the same.
SUPPORTED_STREAMLIT = ">=1.67,<1.68"
HOLD_SECONDS = 60.0
# Any interval will do (see rerun_after_reconnect); a long one costs nothing.
RECONNECT_TIMER_SECONDS = 3600
HOLDER = "generated-downloads"  # the files' stand-in session among the manager's sessions

_built_at: dict[str, float] = {}  # generated file id -> when it was built
_build = None  # Streamlit's own execute_deferred, once the hold is installed


def _execute_deferred(manager: MediaFileManager, file_id: str) -> str:
    url = _build(manager, file_id)
    built = PurePosixPath(urlparse(url).path).stem
    now = time.monotonic()
    with manager._lock:
        _built_at[built] = now
        for old in [name for name, at in _built_at.items() if now - at > HOLD_SECONDS]:
            del _built_at[old]
        manager._files_by_session_and_coord[HOLDER] = {name: name for name in _built_at}
    return url


def missing_streamlit_internals() -> list[str]:
    """The Streamlit internals this module relies on that the installed Streamlit lacks."""
    manager = MediaFileManager(MemoryMediaFileStorage("/media"))
    present = {
        "MediaFileManager.execute_deferred": callable(getattr(MediaFileManager, "execute_deferred", None)),
        "MediaFileManager.remove_orphaned_files": callable(getattr(MediaFileManager, "remove_orphaned_files", None)),
        "MediaFileManager._lock": hasattr(manager, "_lock"),
        "MediaFileManager._files_by_session_and_coord":
            isinstance(getattr(manager, "_files_by_session_and_coord", None), dict),
        "st.fragment(run_every=...)": "run_every" in inspect.signature(st.fragment).parameters,
    }
    return [name for name, found in present.items() if not found]


def check_streamlit() -> None:
    """Stop, naming what is missing, when the installed Streamlit lacks an internal the hold patches."""
    missing = missing_streamlit_internals()
    if missing:
        raise RuntimeError(f"Streamlit {st.__version__} lacks {', '.join(missing)}, which dashboard/downloads.py "
                           f"relies on; install a supported release: pip install 'streamlit{SUPPORTED_STREAMLIT}'")


def hold_generated_downloads() -> None:
    """Install the hold (once per process; calling again changes nothing)."""
    global _build
    if MediaFileManager.execute_deferred is not _execute_deferred:
        check_streamlit()
        _build = MediaFileManager.execute_deferred
        MediaFileManager.execute_deferred = _execute_deferred


@st.fragment(run_every=RECONNECT_TIMER_SECONDS)
def rerun_after_reconnect() -> None:
    """A timed fragment that shows nothing, on every page: its only effect is that Streamlit's page asks for a
    fresh script run whenever its websocket reconnects.

    Without one, after a reconnect the page (Streamlit 1.67's App.handleConnectionStateChanged) asks for a run
    only if a run was under way or it has a timed fragment; otherwise it expects to resume its session on the
    same server. When nginx sends the reconnect to another process (the first one died or restarted), that
    process opens a new, empty session and nothing runs: the page keeps showing buttons whose files
    (st.download_button given a function) were registered in the dead process, and a click on them is refused
    by the new one ("Failed to generate file for download") until the viewer does anything that reruns the
    page. With this timer the new process runs the page at once, as the viewer left it (same URL and widget
    values), and registers its buttons anew."""
