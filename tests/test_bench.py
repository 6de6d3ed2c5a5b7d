"""The benchmark's command line and its figures (not the timings themselves)."""

from __future__ import annotations

import os

import pytest

from bench import __main__ as bench
from bench.browser import Load, _cpu_seconds, _memory_mb, _rotate


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
