from pathlib import Path

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.media_file_storage import MediaFileStorageError
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

from dashboard import downloads


@pytest.fixture
def manager(monkeypatch):
    monkeypatch.setattr(MediaFileManager, "execute_deferred", MediaFileManager.execute_deferred)
    monkeypatch.setattr(downloads, "_built_at", {})
    downloads.hold_generated_downloads()
    storage = MemoryMediaFileStorage("/media")
    return MediaFileManager(storage), storage


def _generate(mgr: MediaFileManager, body: bytes) -> str:
    placeholder = mgr.add_deferred(lambda: body, "text/csv", "1.2.3", "cases.csv")
    return mgr.execute_deferred(placeholder).rsplit("/", 1)[1].split(".")[0]


def test_a_generated_file_outlives_the_sweeps_of_other_sessions_runs(manager):
    mgr, storage = manager
    built = _generate(mgr, b"case_no\nC1\n")
    for _ in range(20):  # twenty script runs ending elsewhere before the browser asks
        mgr.remove_orphaned_files()
    assert storage.get_file(built).content == b"case_no\nC1\n"


def test_a_generated_file_is_released_once_its_hold_has_passed(manager, monkeypatch):
    mgr, storage = manager
    clock = [1000.0]
    monkeypatch.setattr(downloads.time, "monotonic", lambda: clock[0])
    first = _generate(mgr, b"first\n")
    clock[0] += downloads.HOLD_SECONDS + 1
    second = _generate(mgr, b"second\n")
    mgr.remove_orphaned_files()
    mgr.remove_orphaned_files()
    with pytest.raises(MediaFileStorageError):
        storage.get_file(first)
    assert storage.get_file(second).content == b"second\n"


def test_the_installed_streamlit_has_every_internal_the_hold_patches():
    assert downloads.missing_streamlit_internals() == []


def test_a_streamlit_without_them_is_refused_with_the_missing_internal_and_the_supported_range(monkeypatch):
    monkeypatch.delattr(MediaFileManager, "execute_deferred")
    with pytest.raises(RuntimeError, match=r"lacks MediaFileManager\.execute_deferred.*streamlit>=1\.67,<1\.68"):
        downloads.check_streamlit()


def test_requirements_pin_the_supported_streamlit():
    requirements = (Path(__file__).resolve().parent.parent / "requirements.txt").read_text().splitlines()
    assert f"streamlit{downloads.SUPPORTED_STREAMLIT}" in requirements
