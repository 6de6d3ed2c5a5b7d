"""Digests, briefings and alerts end to end, through the real channels: subscriptions made with the command line
(in a process of its own, as an operator runs it) or notify.manage, sent by run-due to an SMTP server (aiosmtpd)
and to an HTTP server playing the WeCom and DingTalk robots on loopback, and what arrives parsed: subjects, the
account's cases only, links to the public address, the briefing attached, signatures, no personal data; failures
retried with back-off, recorded, listed and shown on /admin; one audit row per attempt with no secret."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select, update

from data_access import schema, users
from data_access import subscriptions as subs
from sample_data import build_database
from tests.harness import BACKENDS, database_url, engine_for
from tests.notify_servers import (SMTP_PASSWORD, check_password, robot_server, server_context, smtp_server, trust,
                                  use_smtp)
from notify import cli, manage, runner

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "a long enough password"
SUPERVISOR, LEADER, ADMIN = "li.fubao", "zhao.leader", "wu.admin"
SUPERVISOR_MAIL, LEADER_MAIL = "li.fubao@ft.example.gov.cn", "zhao.leader@ft.example.gov.cn"
PUBLIC = "https://dashboard.ft.example.gov.cn"
WECOM_KEY = "693a91f6-7a3c-4bc4-97a0-0ec2f9a5a0e1"
DINGTALK_TOKEN = "5f0c3b6e9a2d4c1b8e7f6a5d4c3b2a1908f7e6d5c4b3a291"
DINGTALK_SECRET = "SEC4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b"
SECRETS = (SMTP_PASSWORD, WECOM_KEY, DINGTALK_TOKEN, DINGTALK_SECRET)
CASE_NO = re.compile(r"FT-\d{4}-\d{5}")
UTC = timezone.utc


@pytest.fixture(scope="module", params=BACKENDS)
def engine(request, tmp_path_factory):
    engine = engine_for(request.param, tmp_path_factory, "dashboard_test_notify_e2e")
    build_database(engine)
    users.add_user(engine, SUPERVISOR, "supervisor", PASSWORD, "fubao")
    users.add_user(engine, LEADER, "leader", PASSWORD)
    users.add_user(engine, ADMIN, "admin", PASSWORD)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("tls")
    subprocess.run([str(ROOT / "deploy" / "make-self-signed-cert"), "127.0.0.1", str(folder)], check=True,
                   capture_output=True, timeout=120)
    return folder


@pytest.fixture(autouse=True)
def settings(monkeypatch, engine):
    monkeypatch.setenv("DASHBOARD_PUBLIC_URL", PUBLIC + "/")
    monkeypatch.delenv("DASHBOARD_AS_OF", raising=False)
    yield
    with engine.begin() as conn:
        for table in (schema.alert_states, schema.deliveries, schema.subscriptions):
            conn.execute(delete(table))


@pytest.fixture
def mark(engine) -> int:
    """The newest audit entry before the test: the test reads the entries after it."""
    with engine.connect() as conn:
        return conn.execute(select(func.max(schema.audit_log.c.id))).scalar() or 0


def audit_rows(engine, mark: int, action: str = "notify") -> list[dict]:
    A = schema.audit_log
    with engine.connect() as conn:
        rows = conn.execute(select(A.c.target, A.c.detail).where(A.c.id > mark, A.c.action == action)
                            .order_by(A.c.id)).all()
    return [{"target": target, **json.loads(detail)} for target, detail in rows]


def all_audit_text(engine, mark: int) -> str:
    A = schema.audit_log
    with engine.connect() as conn:
        rows = conn.execute(select(A.c.username, A.c.target, A.c.detail).where(A.c.id > mark)).all()
    return "\n".join(" ".join(str(value) for value in row) for row in rows)


def personal_values(engine) -> set[str]:
    C = schema.children
    with engine.connect() as conn:
        rows = conn.execute(select(C.c.name, C.c.id_number, C.c.guardian_phone, C.c.address)).all()
    return {value for row in rows for value in row if value and len(value) >= 3}


def leaked(engine, text_: str) -> list[str]:
    return [value for value in personal_values(engine) | set(SECRETS) if value in text_]


def case_streets(engine) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(conn.execute(select(schema.cases.c.case_no, schema.cases.c.street_id)).all())


def shanghai(*args) -> datetime:
    """A moment given in Asia/Shanghai time, as the aware UTC moment the clock gives."""
    return (datetime(*args) - timedelta(hours=8)).replace(tzinfo=UTC)


def notify_command(engine, *args: str) -> subprocess.CompletedProcess:
    """``python -m notify --db URL ARGS`` in a process of its own, with this test's environment."""
    return subprocess.run([sys.executable, "-m", "notify", "--db", database_url(engine), *args], cwd=ROOT,
                          env=dict(os.environ), capture_output=True, text=True, timeout=300)


def backdate(engine, sub_id: int) -> None:
    """Made long ago, so that the test's slots are not before the subscription."""
    with engine.begin() as conn:
        conn.execute(update(schema.subscriptions).where(schema.subscriptions.c.id == sub_id)
                     .values(created_at=datetime(2026, 12, 1)))


# --- the morning digest, through the command line -------------------------------------------------------


def test_a_supervisors_morning_digest_arrives_by_email_through_the_command_line(engine, monkeypatch, certificate,
                                                                                mark):
    monkeypatch.setenv("DASHBOARD_LANG", "en")  # the command line's refusals in English
    with smtp_server(tls_context=server_context(certificate), require_starttls=True, auth_required=True,
                     authenticator=check_password) as (inbox, port):
        use_smtp(monkeypatch, port, "starttls")
        trust(monkeypatch, certificate)
        added = notify_command(engine, "add", SUPERVISOR, "--what", "digest", "--schedule", "* * * * *",
                               "--channel", "email", "--address", SUPERVISOR_MAIL)
        assert added.returncode == 0, added.stderr
        sub_id = int(re.fullmatch(r"added subscription (\d+)\n", added.stdout).group(1))
        refused = notify_command(engine, "add", SUPERVISOR, "--what", "digest", "--schedule", "0 8 * * 1-5",
                                 "--channel", "email", "--address", f"{SUPERVISOR_MAIL},boss@ft.example.gov.cn")
        assert refused.returncode == 2 and "refused: invalid email address" in refused.stderr
        assert "one address per destination" in refused.stderr and not refused.stdout
        assert [sub.id for sub in subs.subscriptions(engine)] == [sub_id]
        ran = notify_command(engine, "run-due")
        assert ran.returncode == 0, ran.stderr
    assert f"sent subscription {sub_id} (digest)" in ran.stdout and f"to {SUPERVISOR_MAIL}" in ran.stdout
    assert "sent 1," in ran.stdout

    [envelope] = inbox.envelopes
    assert envelope.mail_from == "dashboard@ft.example.gov.cn" and envelope.rcpt_tos == [SUPERVISOR_MAIL]
    mail = inbox.only_message()
    [delivered] = audit_rows(engine, mark)
    counts = delivered["counts"]
    assert mail["To"] == SUPERVISOR_MAIL
    assert mail["Subject"] == (f"【每日待办】福保街道 2022-06-30：逾期 {counts['overdue']} 件，"
                               f"24小时内到期 {counts['due_24h']} 件")
    assert counts["overdue"] > 0 and not list(mail.iter_attachments())
    body = mail.get_body(("plain",)).get_content()
    for heading in ("已逾期", "24小时内到期", "自上次摘要以来新接报", "超过回访周期未联系"):
        assert heading in body
    mentioned = set(CASE_NO.findall(body))
    assert mentioned and {case_streets(engine)[case_no] for case_no in mentioned} == {"fubao"}
    for case_no in mentioned:
        assert f"{PUBLIC}/cases?case={case_no}" in body
    links = re.findall(r"https?://\S+", body)
    assert links and all(link.startswith(PUBLIC + "/cases?") for link in links)
    assert leaked(engine, mail.as_string() + body) == []

    listed = notify_command(engine, "list")
    assert listed.returncode == 0, listed.stderr
    assert SUPERVISOR in listed.stdout and "sent" in listed.stdout and SUPERVISOR_MAIL in listed.stdout
    assert delivered == {"target": f"subscription {sub_id}", "subscription": sub_id, "what": "digest",
                         "channel": "email", "recipient": SUPERVISOR_MAIL, "outcome": "sent",
                         "slot": delivered["slot"], "counts": counts}
    assert leaked(engine, all_audit_text(engine, mark)) == []


# --- the leaders' briefing --------------------------------------------------------------------------------


def test_the_leaders_briefing_arrives_by_email_with_the_html_attached(engine, monkeypatch, mark):
    import streamlit as st

    monkeypatch.setenv("DATABASE_URL", database_url(engine))  # the briefing reads the configured database
    st.cache_data.clear()
    sub_id = manage.add(engine, LEADER, "briefing", "0 9 1 * *", "email", LEADER_MAIL, params={"period": "quarter"})
    backdate(engine, sub_id)
    with smtp_server() as (inbox, port):
        use_smtp(monkeypatch, port, "none", user=None, password=None)
        summary = runner.run_due(engine, shanghai(2027, 1, 1, 9, 0))
    st.cache_data.clear()
    assert (summary.sent, summary.failed, summary.retrying) == (1, 0, 0)
    mail = inbox.only_message()
    assert mail["To"] == LEADER_MAIL and mail["Subject"].startswith("【简报】")
    assert "2022" in mail["Subject"]
    body = mail.get_body(("plain",)).get_content()
    assert f"{PUBLIC}/?period=2022Q2" in body
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_content_type() == "text/html"
    assert re.fullmatch(r"briefing-2022Q2-district-zh\.html", attachment.get_filename())
    html = attachment.get_payload(decode=True).decode("utf-8")
    assert html.lstrip().lower().startswith("<!doctype html") and "</html>" in html
    assert leaked(engine, body + html + mail["Subject"]) == []
    [delivered] = audit_rows(engine, mark)
    assert delivered["outcome"] == "sent" and delivered["what"] == "briefing"
    assert delivered["counts"]["period"] == "2022Q2"


# --- alerts to the chat robots ----------------------------------------------------------------------------


def test_a_critical_overdue_alert_reaches_wecom_repeats_after_its_interval_and_resolves(engine, mark):
    with robot_server() as robot:
        address = robot.url(f"/cgi-bin/webhook/send?key={WECOM_KEY}")
        sub_id = manage.add(engine, SUPERVISOR, "alert", "*/5 * * * *", "wecom", address,
                            params={"rule": "critical_overdue", "repeat_minutes": 30, "lang": "en"})
        backdate(engine, sub_id)
        for minute in range(0, 35, 5):
            runner.run_due(engine, shanghai(2027, 1, 1, 10, minute))
        assert len(robot.requests) == 2  # fired at 10:00, repeated at 10:30, quiet between
        K = schema.cases
        with engine.connect() as conn:
            before = conn.execute(select(K.c.id, K.c.first_response_at, K.c.last_contact_at)
                                  .where(K.c.risk_level == "critical")).all()
        try:  # every critical case gets its answer: the next evaluation resolves the alert
            with engine.begin() as conn:
                conn.execute(update(K).where(K.c.risk_level == "critical")
                             .values(first_response_at=K.c.reported_at, last_contact_at=datetime(2022, 6, 30, 12)))
            runner.run_due(engine, shanghai(2027, 1, 1, 10, 35))
            runner.run_due(engine, shanghai(2027, 1, 1, 10, 40))
        finally:
            with engine.begin() as conn:
                for case_id, responded, contact in before:
                    conn.execute(update(K).where(K.c.id == case_id).values(first_response_at=responded,
                                                                           last_contact_at=contact))
    assert len(robot.requests) == 3
    for request in robot.requests:
        assert request["path"] == "/cgi-bin/webhook/send" and request["query"] == {"key": [WECOM_KEY]}
        assert request["content_type"] == "application/json; charset=utf-8"
    fired, repeated, resolved = robot.payloads("/cgi-bin/webhook/send")
    assert fired["msgtype"] == "markdown" and set(fired) == {"msgtype", "markdown"}
    first = fired["markdown"]["content"]
    # brackets in the heading are escaped, so that no robot reads them as a link
    assert first.startswith("### Alert · Critical case overdue · Fubao street: ")
    assert repeated["markdown"]["content"].startswith("### Alert still open · Critical case overdue")
    last = resolved["markdown"]["content"]
    assert last.startswith("### Resolved · Critical case overdue") and "Resolved at" in last
    mentioned = set(CASE_NO.findall(first))
    assert mentioned and {case_streets(engine)[c] for c in mentioned} == {"fubao"}
    for case_no in mentioned:
        assert f"]({PUBLIC}/cases?lang=en&case={case_no})" in first
    assert leaked(engine, first + repeated["markdown"]["content"] + last) == []
    logged = audit_rows(engine, mark)
    assert [row["counts"]["event"] for row in logged] == ["fire", "repeat", "resolve"]
    assert all(row["recipient"].endswith("key=****a0e1") for row in logged)
    assert leaked(engine, all_audit_text(engine, mark)) == []
    assert not subs.alert_state(engine, sub_id).firing


def check_signature(request: dict) -> None:
    [timestamp], [sign] = request["query"]["timestamp"], request["query"]["sign"]
    expected = hmac.new(DINGTALK_SECRET.encode(), f"{timestamp}\n{DINGTALK_SECRET}".encode(), hashlib.sha256)
    assert sign == base64.b64encode(expected.digest()).decode()
    assert request["query"]["access_token"] == [DINGTALK_TOKEN]


def admin_table(monkeypatch, engine):
    from tests.harness import session_cookie, start

    url = database_url(engine)
    at = start(monkeypatch, database_url=url, cookie=session_cookie(url, ADMIN, "admin", None), lang="en",
               view="views/admin.py")
    return next(d.value for d in at.dataframe if "Recipient" in d.value.columns), at


def test_a_signed_dingtalk_alert_refused_then_failing_is_retried_recorded_and_shown(engine, monkeypatch, capsys,
                                                                                    mark):
    with robot_server() as robot:
        robot.answer(body={"errcode": 310000, "errmsg": "sign not match, more: [https://ding-doc.dingtalk.com]"})
        robot.answer(500, b'{"errcode":-1,"errmsg":"system busy"}')
        address = robot.url(f"/robot/send?access_token={DINGTALK_TOKEN}")
        sub_id = manage.add(engine, SUPERVISOR, "alert", "*/5 * * * *", "dingtalk", address, DINGTALK_SECRET,
                            params={"rule": "critical_overdue"})
        backdate(engine, sub_id)

        first = runner.run_due(engine, shanghai(2027, 1, 1, 10, 0))
        assert (first.sent, first.retrying) == (0, 1)
        [row] = subs.deliveries(engine, sub_id).to_dict("records")
        assert (row["status"], row["attempts"], row["next_attempt_at"]) == ("retry", 1, datetime(2027, 1, 1, 10, 1))
        assert "refused the message: errcode 310000, errmsg sign not match" in row["last_error"]
        assert not subs.alert_state(engine, sub_id).firing  # given back until the firing is sent
        assert cli.main(["--db", database_url(engine), "list"]) == 0
        assert "errcode 310000" in capsys.readouterr().out

        assert runner.run_due(engine, shanghai(2027, 1, 1, 10, 0, 40)).retrying == 0  # its back-off has not passed
        second = runner.run_due(engine, shanghai(2027, 1, 1, 10, 1))
        assert (second.sent, second.retrying) == (0, 1)
        [row] = subs.deliveries(engine, sub_id).to_dict("records")
        assert (row["status"], row["attempts"], row["next_attempt_at"]) == ("retry", 2, datetime(2027, 1, 1, 10, 6))
        assert "answered HTTP 500" in row["last_error"]
        listed = notify_command(engine, "list")
        assert listed.returncode == 0 and "retry" in listed.stdout and "answered HTTP 500" in listed.stdout
        assert DINGTALK_TOKEN not in listed.stdout and DINGTALK_SECRET not in listed.stdout
        table, at = admin_table(monkeypatch, engine)
        shown = table[table["Channel"] == "DingTalk robot"].iloc[0]
        assert shown["Status"] == "to retry" and "answered HTTP 500" in shown["Last error"]
        assert not leaked(engine, table.to_string() + str([m.value for m in at.markdown]))

        assert runner.run_due(engine, shanghai(2027, 1, 1, 10, 5)).sent == 0  # the pending retry holds the alert
        assert len(robot.requests) == 2
        # a later slot with nothing to send does not hide the failing delivery from the listing and /admin
        listed = manage.listing(engine, "en").set_index("id").loc[sub_id]
        assert listed["last_status"] == "retry" and "answered HTTP 500" in listed["last_error"]
        third = runner.run_due(engine, shanghai(2027, 1, 1, 10, 6))
        assert (third.sent, third.retrying, third.failed) == (1, 0, 0)

    assert len(robot.requests) == 3
    for request in robot.requests:
        assert request["path"] == "/robot/send"
        assert set(request["query"]) == {"access_token", "timestamp", "sign"}
        check_signature(request)
    payload = robot.payloads("/robot/send")[-1]
    assert payload["msgtype"] == "markdown" and payload["markdown"]["title"].startswith("【预警】一级（红色）个案超时")
    assert payload["markdown"]["text"].startswith("### 【预警】") and f"]({PUBLIC}/cases?case=FT-" in payload["markdown"]["text"]
    state = subs.alert_state(engine, sub_id)
    assert state.firing and state.fired_at == datetime(2027, 1, 1, 10, 6)
    rows = subs.deliveries(engine, sub_id).to_dict("records")
    assert [(r["slot"], r["status"], r["attempts"]) for r in rows] == [
        (datetime(2027, 1, 1, 10, 0), "sent", 3), (datetime(2027, 1, 1, 10, 5), "skipped", 0)]

    logged = audit_rows(engine, mark)  # one row per attempt
    assert [row["outcome"] for row in logged] == ["retry", "retry", "sent"]
    assert "errcode 310000" in logged[0]["error"] and "HTTP 500" in logged[1]["error"]
    assert all(row["recipient"] == f"http://127.0.0.1:{robot.port}/robot/send?access_token=****a291"
               for row in logged)
    assert leaked(engine, all_audit_text(engine, mark)) == []
