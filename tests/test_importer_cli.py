"""`python -m data_access.importer` as a user runs it: report, summary, rejects file and exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
from sqlalchemy import func, select

from data_access import audit, schema
from data_access.engine import make_engine
from tests.files import CHILD_HEADER, child, children_file, fake_id

ROOT = Path(__file__).resolve().parent.parent


def cli(*args: str, lang: str = "zh") -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DASHBOARD_") and k != "DATABASE_URL"}
    env |= {"DASHBOARD_LANG": lang, "DASHBOARD_AS_OF": "2022-06-30"}
    return subprocess.run([sys.executable, "-m", "data_access.importer", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def children_count(url: str) -> int:
    with make_engine(url).connect() as conn:
        return conn.execute(select(func.count()).select_from(schema.children)).scalar()


def test_a_good_file_is_written_and_audited_with_the_os_user(real_copy_url, tmp_path):
    path = tmp_path / "children.csv"
    path.write_bytes(children_file(child()))
    before = children_count(real_copy_url)

    done = cli("children", str(path), "--db", real_copy_url, lang="en")

    assert done.returncode == 0, done.stderr
    assert "Read 1 rows: 1 inserted, 0 updated, 0 unchanged, 0 rejected" in done.stdout
    assert children_count(real_copy_url) == before + 1
    entry = audit.search(make_engine(real_copy_url), action="import").iloc[0]
    assert entry["target"] == "children.csv" and entry["username"]

    again = cli("children", str(path), "--db", real_copy_url, lang="en")
    assert again.returncode == 0 and "0 inserted, 0 updated, 1 unchanged" in again.stdout


def test_errors_are_reported_in_chinese_and_nothing_is_written(real_copy_url, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(children_file(child(), child("FT90000002", 身份证号="990304201001010012")))
    before = children_count(real_copy_url)

    done = cli("children", str(path), "--db", real_copy_url)

    assert done.returncode == 1
    assert "bad.csv 第 3 行，列“身份证号”：身份证号校验位错误（按 GB 11643 应为 9）" in done.stdout
    assert "有错误，未写入任何数据" in done.stdout
    assert children_count(real_copy_url) == before


def test_skip_bad_writes_the_good_rows_and_a_rejects_file_excel_can_open(real_copy_url, tmp_path):
    path, rejects = tmp_path / "mixed.csv", tmp_path / "rejects.csv"
    bad = child("FT90000002", 身份证号=fake_id("2010-01-01", "002"), 性别="未知")
    path.write_bytes(children_file(child(), bad))

    done = cli("children", str(path), "--db", real_copy_url, "--mode", "skip-bad", "--rejects", str(rejects),
               lang="en")

    assert done.returncode == 0, done.stdout
    assert "1 inserted, 0 updated, 0 unchanged, 1 rejected" in done.stdout
    assert rejects.read_bytes().startswith(b"\xef\xbb\xbf")
    frame = pd.read_csv(rejects, dtype=str, encoding="utf-8-sig")
    assert list(frame.columns) == [*CHILD_HEADER, "reject reason"]
    assert frame["档案编号"].tolist() == ["FT90000002"] and "未知" in frame["reject reason"][0]


def test_a_dry_run_writes_nothing(real_copy_url, tmp_path):
    path = tmp_path / "children.csv"
    path.write_bytes(children_file(child()))
    before = children_count(real_copy_url)
    done = cli("children", str(path), "--db", real_copy_url, "--dry-run")
    assert done.returncode == 0 and "新增 1" in done.stdout and "试运行" in done.stdout
    assert children_count(real_copy_url) == before
    assert audit.search(make_engine(real_copy_url), action="import").empty


def test_unreadable_files_and_unknown_kinds_exit_non_zero(real_copy_url, tmp_path):
    missing = cli("children", str(tmp_path / "nowhere.csv"), "--db", real_copy_url, lang="en")
    assert missing.returncode == 2 and "nowhere.csv" in missing.stderr and "Cannot read the file" in missing.stderr

    unknown = cli("pets", str(tmp_path / "x.csv"), "--db", real_copy_url)
    assert unknown.returncode == 2 and "invalid choice: 'pets'" in unknown.stderr

    binary = tmp_path / "photo.csv"
    binary.write_bytes(bytes(range(256)) * 4)
    garbled = cli("children", str(binary), "--db", real_copy_url, lang="en")
    assert garbled.returncode == 1 and "photo.csv: Unrecognised encoding" in garbled.stdout
