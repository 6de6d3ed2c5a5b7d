"""The benchmark's command line and its figures (not the timings themselves)."""

from __future__ import annotations

import os

import pytest

from bench import __main__ as bench
from bench import load
from bench.browser import Load, _cpu_seconds, _memory_mb, _rotate
from deploy import loopback


def test_an_unknown_section_is_refused_by_name(capsys):
    with pytest.raises(SystemExit) as exit_:
        bench.main(["--sections", "calls,speed"])
    assert exit_.value.code == 2
    assert "unknown section speed" in capsys.readouterr().err


def test_postgresql_without_a_database_url_is_refused(monkeypatch, capsys):
    monkeypatch.delenv("TEST_DATABASE_URL", raising=False)
    with pytest.raises(SystemExit) as exit_:
        bench.main(["--backends", "postgresql", "--sections", "calls"])
    assert exit_.value.code == 2
    assert "TEST_DATABASE_URL" in capsys.readouterr().err


def test_the_95th_percentile_of_step_times():
    load = Load(sessions=1, steps=[("step", float(ms)) for ms in range(1, 101)])
    assert load.percentile(0.95) == 95.0
    assert load.percentile(0.5) == 51.0
    assert Load(sessions=1).percentile(0.95) is None


def test_sessions_start_on_different_matrix_cells():
    cells = ["a", "b", "c"]
    assert _rotate(cells, 0) == ["a", "b", "c"]
    assert _rotate(cells, 4) == ["b", "c", "a"]


def test_a_processs_cpu_time_and_memory_are_read_from_proc():
    before = _cpu_seconds(os.getpid())
    sum(i * i for i in range(2_000_000))
    assert _cpu_seconds(os.getpid()) > before
    rss, peak = _memory_mb(os.getpid())
    assert 10 < rss <= peak


def _sample_file(sqlite_sample_url: str):
    from pathlib import Path

    return Path(sqlite_sample_url.removeprefix("sqlite:///"))


@pytest.mark.skipif(not loopback.NGINX.exists(), reason="nginx is not installed")
def test_the_websocket_client_signs_in_and_times_a_page_warm_and_cold(sqlite_sample_url, tmp_path):
    found = load.measure(_sample_file(sqlite_sample_url), tmp_path, [1], [1], pages=["cases"], repeat=1)
    assert [(r.sessions, r.warm, r.errors) for r in found.rounds] == [(1, True, []), (1, False, [])]
    for r in found.rounds:
        assert len(r.times) == 1 and r.times[0] > 0
        assert r.received[0] > 10_000  # the case queue's table and charts, not a sign-in form
        assert r.cpu_seconds[0] > 0
    cpu, wall, received = found.warm_runs["cases"]
    assert wall > 0 and received > 10_000
    lines = load.report(found, 1)
    assert any("| 1 | /cases | cold | 1 | 1 of 1 |" in line for line in lines)


@pytest.mark.skipif(not loopback.NGINX.exists(), reason="nginx is not installed")
def test_the_websocket_client_reports_a_viewer_who_is_not_signed_in(sqlite_sample_url, tmp_path):
    url = load.prepare(_sample_file(sqlite_sample_url), tmp_path)
    with loopback.serving(tmp_path, url, 1, load.settings(tmp_path)) as proxy:
        async def open_without_cookie():
            viewer = load.Viewer(proxy.base, {})
            await viewer.connect()
            try:
                await viewer.open("cases")
            finally:
                await viewer.close()

        with pytest.raises(load.LoadError, match="sign-in form"):
            load.run_in_own_loop(open_without_cookie())
