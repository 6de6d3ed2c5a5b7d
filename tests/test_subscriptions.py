"""Subscriptions: schedules in Asia/Shanghai, refusals at creation, one send per slot however runs overlap,
alerts that fire once, repeat after their interval and resolve, digests of the account's scope only with no
personal data, the command line. ``runner.deliver`` is replaced by a recorder here; tests/test_notify_end_to_end.py
sends through the real channels."""

from __future__ import annotations

import json
import re
import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, delete, func, select, text, update

from data_access import audit, schema, users
from data_access import subscriptions as subs
from data_access.subscriptions import SubscriptionError
from sample_data import build_database
from notify import channels, cli, content, manage, runner
from tests.harness import BACKENDS, engine_for

PASSWORD = "a long enough password"
UTC = timezone.utc
SUPERVISOR, DIRECTOR, LEADER = "sup_fubao", "dir_fubao", "leader_one"
EMAIL = "duty@bureau.example.cn"
WECOM = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=0123-secret-key"


@pytest.fixture(scope="module", params=BACKENDS)
def engine(request, tmp_path_factory):
    engine = engine_for(request.param, tmp_path_factory, "dashboard_test_notify")
    build_database(engine)
    users.add_user(engine, SUPERVISOR, "supervisor", PASSWORD, "fubao")
    with engine.connect() as conn:
        community = conn.execute(select(schema.communities.c.id).where(schema.communities.c.street_id == "fubao")
                                 .order_by(schema.communities.c.id)).scalars().first()
    users.add_user(engine, DIRECTOR, "director", PASSWORD, "fubao", community)
    users.add_user(engine, LEADER, "leader", PASSWORD)
    yield engine
    engine.dispose()


@pytest.fixture(autouse=True)
def clean(request):
    yield
    if "engine" in request.fixturenames:
        engine = request.getfixturevalue("engine")
        with engine.begin() as conn:
            for table in (schema.alert_states, schema.deliveries, schema.subscriptions):
                conn.execute(delete(table))


class Outbox:
    """Records every message instead of sending it; ``failures`` make the next sends raise DeliveryError."""

    def __init__(self):
        self.sent: list[tuple[channels.Target, channels.Message]] = []
        self.failures: list[str] = []

    def __call__(self, target: channels.Target, message: channels.Message) -> None:
        if self.failures:
            raise channels.DeliveryError(self.failures.pop(0))
        self.sent.append((target, message))


@pytest.fixture
def outbox(monkeypatch):
    box = Outbox()
    monkeypatch.setattr(runner, "deliver", box)
    return box


@pytest.fixture
def mark(engine) -> int:
    """The newest audit entry before the test: the test reads the entries after it."""
    with engine.connect() as conn:
        return conn.execute(select(func.max(schema.audit_log.c.id))).scalar() or 0


def sent_log(engine, mark: int) -> list[dict]:
    A = schema.audit_log
    with engine.connect() as conn:
        details = conn.execute(select(A.c.detail).where(A.c.id > mark, A.c.action == "notify").order_by(A.c.id))
        return [json.loads(d) for d in details.scalars()]


def shanghai(*args) -> datetime:
    """A moment given in Asia/Shanghai local time, as an aware UTC datetime (what the clock gives)."""
    return (datetime(*args) - timedelta(hours=8)).replace(tzinfo=UTC)


def count(engine, table) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


# --- schedules ----------------------------------------------------------------------------------------


def test_a_daily_slot_is_read_in_shanghai_time_across_the_day_boundary():
    # 23:59 UTC on 31 December is 07:59 on 1 January in Shanghai: the 08:00 slot has not come yet.
    assert subs.slot_at("0 8 * * *", datetime(2026, 12, 31, 23, 59, tzinfo=UTC)) == datetime(2026, 12, 31, 8, 0)
    assert subs.slot_at("0 8 * * *", datetime(2027, 1, 1, 0, 0, tzinfo=UTC)) == datetime(2027, 1, 1, 8, 0)
    # Midnight in Shanghai is 16:00 UTC the day before.
    assert subs.slot_at("0 0 * * *", datetime(2026, 12, 31, 16, 0, tzinfo=UTC)) == datetime(2027, 1, 1, 0, 0)
    assert subs.slot_at("0 0 * * *", datetime(2026, 12, 31, 15, 59, tzinfo=UTC)) == datetime(2026, 12, 31, 0, 0)
    assert subs.next_slot("0 8 * * 1-5", datetime(2027, 1, 1, 8, 0)) == datetime(2027, 1, 4, 8, 0)  # Fri → Mon


def test_a_monthly_slot_at_the_month_end():
    # The last day of February 2027 (not a leap year), 23:30 in Shanghai.
    assert subs.next_slot("30 23 L * *", datetime(2027, 2, 1)) == datetime(2027, 2, 28, 23, 30)
    assert subs.slot_at("30 23 L * *", shanghai(2027, 3, 1, 0, 5)) == datetime(2027, 2, 28, 23, 30)
    assert subs.slot_at("30 23 L * *", shanghai(2027, 2, 28, 23, 29)) == datetime(2027, 1, 31, 23, 30)
    # The first of the month at 09:00, just after a month of 30 days ends.
    assert subs.slot_at("0 9 1 * *", shanghai(2027, 5, 1, 9, 0)) == datetime(2027, 5, 1, 9, 0)
    assert subs.slot_at("0 9 1 * *", shanghai(2027, 5, 1, 8, 59)) == datetime(2027, 4, 1, 9, 0)


def test_a_slot_is_due_at_its_minute_and_not_before():
    assert subs.slot_at("*/5 * * * *", shanghai(2027, 1, 1, 10, 4, 59)) == datetime(2027, 1, 1, 10, 0)
    assert subs.slot_at("*/5 * * * *", shanghai(2027, 1, 1, 10, 5, 0)) == datetime(2027, 1, 1, 10, 5)


@pytest.mark.parametrize("schedule, words", [
    ("", "5 fields"), ("0 8 * *", "5 fields"), ("0 0 8 * * *", "5 fields"), ("61 8 * * *", "invalid schedule"),
    ("0 25 * * *", "invalid schedule"), ("0 8 * * mon-xyz", "invalid schedule"), ("every morning", "5 fields"),
])
def test_an_invalid_schedule_is_refused_with_what_a_schedule_is(schedule, words):
    with pytest.raises(SubscriptionError) as error:
        subs.check_schedule(schedule)
    assert words in manage.error_text(error.value, "en") and "e.g." in manage.error_text(error.value, "en")
    assert "日程" in manage.error_text(error.value, "zh") and "例如" in manage.error_text(error.value, "zh")


# --- creation -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("change, words", [
    ({"schedule": "0 8 * *"}, "5 fields"),
    ({"username": "nobody"}, "unknown account 'nobody'"),
    ({"address": "not-an-address"}, "invalid email address"),
    ({"channel": "wecom", "address": "ftp://robot"}, "invalid wecom address"),
    ({"channel": "fax"}, "unknown channel"),
    ({"what": "poem"}, "unknown subscription"),
    ({"what": "alert"}, "an alert needs a rule"),
    ({"what": "alert", "params": {"rule": "critical_overdue", "repeat_minutes": 0}}, "repeat_minutes"),
    ({"what": "briefing", "params": {"period": "week"}}, "a briefing covers"),
    ({"what": "briefing", "params": {"street": "futian"}}, "outside the scope"),
    ({"params": {"lang": "fr"}}, "unknown language"),
    ({"params": {"colour": "red"}}, "unknown setting"),
])
def test_bad_input_is_refused_with_a_clear_message_and_nothing_written(engine, change, words):
    values = dict(username=SUPERVISOR, what="digest", schedule="0 8 * * 1-5", channel="email", address=EMAIL)
    values.update(change)
    audited = count(engine, schema.audit_log)
    with pytest.raises(SubscriptionError) as error:
        manage.add(engine, **values)
    assert words in manage.error_text(error.value, "en")
    assert not re.search(r"[a-z]{4} [a-z]{4}", manage.error_text(error.value, "zh").split("：")[0])  # Chinese
    assert count(engine, schema.subscriptions) == 0
    assert count(engine, schema.audit_log) == audited


def test_a_disabled_account_cannot_subscribe(engine):
    users.add_user(engine, "gone_user", "leader", PASSWORD)
    users.disable_user(engine, "gone_user")
    with pytest.raises(SubscriptionError) as error:
        manage.add(engine, "gone_user", "digest", "0 8 * * *", "email", EMAIL)
    assert manage.error_text(error.value, "en") == "the account 'gone_user' is disabled"
    assert manage.error_text(error.value, "zh") == "账号“gone_user”已停用"


def test_the_listing_never_shows_a_key_or_secret(engine):
    manage.add(engine, LEADER, "alert", "*/5 * * * *", "wecom", WECOM, params={"rule": "no_holder"})
    manage.add(engine, LEADER, "digest", "0 8 * * *", "dingtalk",
               "https://oapi.dingtalk.com/robot/send?access_token=tok-9876", secret="SECabcdef")
    shown = manage.listing(engine, "en").to_string()
    for secret in ("0123-secret-key", "tok-9876", "SECabcdef"):
        assert secret not in shown
    assert "qyapi.weixin.qq.com" in shown
    entries = audit.search(engine, action="subscription")
    assert not any(s in entries.to_string() for s in ("0123-secret-key", "tok-9876", "SECabcdef"))


# --- sending once per slot --------------------------------------------------------------------------------


def add_digest(engine, who=SUPERVISOR, schedule="0 8 * * *", created=datetime(2026, 12, 1)) -> int:
    new_id = manage.add(engine, who, "digest", schedule, "email", EMAIL)
    with engine.begin() as conn:
        conn.execute(update(schema.subscriptions).where(schema.subscriptions.c.id == new_id).values(created_at=created))
    return new_id


def test_each_slot_is_sent_once_and_the_next_slot_again(engine, outbox, mark):
    sub_id = add_digest(engine)
    assert runner.run_due(engine, shanghai(2027, 1, 1, 7, 59)).sent == 0  # the slot before lies past its grace
    assert runner.run_due(engine, shanghai(2027, 1, 1, 8, 0)).sent == 1
    assert runner.run_due(engine, shanghai(2027, 1, 1, 8, 1)).sent == 0
    assert runner.run_due(engine, shanghai(2027, 1, 2, 8, 3)).sent == 1
    assert len(outbox.sent) == 2
    rows = subs.deliveries(engine, sub_id)
    assert list(rows["slot"]) == [datetime(2027, 1, 1, 8), datetime(2027, 1, 2, 8)]
    assert set(rows["status"]) == {"sent"}
    logged = sent_log(engine, mark)
    assert len(logged) == 2
    detail = logged[0]
    assert detail["recipient"] == EMAIL and detail["outcome"] == "sent" and detail["what"] == "digest"
    assert set(detail["counts"]) == {"overdue", "due_24h", "new", "no_contact"}


def test_a_slot_before_the_subscription_was_made_is_not_sent(engine, outbox):
    add_digest(engine, created=datetime(2027, 1, 1, 8, 30))
    assert runner.run_due(engine, shanghai(2027, 1, 1, 8, 31)).sent == 0


def _connect_args(engine) -> dict:
    if engine.dialect.name == "sqlite":
        return {"timeout": 30}
    with engine.connect() as conn:
        schema_name = conn.execute(text("SELECT current_schema()")).scalar_one()
    return {"options": f"-csearch_path={schema_name}"}


def test_two_overlapping_runs_send_each_slot_once(engine, outbox):
    ids = [add_digest(engine, who) for who in (SUPERVISOR, DIRECTOR, LEADER)]
    engines = [create_engine(engine.url, connect_args=_connect_args(engine)) for _ in range(2)]
    barrier = threading.Barrier(2)
    summaries, errors = [], []

    def run(own):
        try:
            barrier.wait()
            summaries.append(runner.run_due(own, shanghai(2027, 1, 1, 8, 0)))
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(own,)) for own in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for own in engines:
        own.dispose()
    assert not errors
    assert len(outbox.sent) == 3
    assert sum(s.sent for s in summaries) == 3
    assert sum(s.sent + s.taken_elsewhere for s in summaries) in (3, 4, 5, 6)
    for sub_id in ids:
        assert len(subs.deliveries(engine, sub_id)) == 1


def test_a_failed_send_is_retried_with_back_off_and_recorded(engine, outbox, mark):
    sub_id = add_digest(engine)
    outbox.failures = ["SMTP refused: 550 mailbox unavailable", "HTTP 500"]
    first = runner.run_due(engine, shanghai(2027, 1, 1, 8, 0))
    assert (first.sent, first.retrying) == (0, 1)
    row = subs.deliveries(engine, sub_id).iloc[0]
    assert (row["status"], row["attempts"], row["last_error"]) == ("retry", 1, "SMTP refused: 550 mailbox unavailable")
    assert row["next_attempt_at"] == datetime(2027, 1, 1, 8, 1)
    assert runner.run_due(engine, shanghai(2027, 1, 1, 8, 0, 30)).retrying == 0  # not yet
    assert runner.run_due(engine, shanghai(2027, 1, 1, 8, 1)).retrying == 1
    row = subs.deliveries(engine, sub_id).iloc[0]
    assert (row["attempts"], row["next_attempt_at"]) == (2, datetime(2027, 1, 1, 8, 6))
    assert runner.run_due(engine, shanghai(2027, 1, 1, 8, 6)).sent == 1
    row = subs.deliveries(engine, sub_id).iloc[0]
    assert (row["status"], row["attempts"]) == ("sent", 3)
    assert len(outbox.sent) == 1
    logged = sent_log(engine, mark)
    assert [d["outcome"] for d in logged] == ["retry", "retry", "sent"]
    assert logged[0]["error"] == "SMTP refused: 550 mailbox unavailable"
    listed = manage.listing(engine, "en").iloc[0]
    assert listed["last_status"] == "sent" and listed["last_error"] == "HTTP 500"


def test_a_send_that_keeps_failing_ends_as_failed(engine, outbox):
    sub_id = add_digest(engine)
    outbox.failures = ["down"] * subs.MAX_ATTEMPTS
    moment = shanghai(2027, 1, 1, 8, 0)
    for _ in range(subs.MAX_ATTEMPTS):
        runner.run_due(engine, moment)
        moment += timedelta(minutes=61)
    row = subs.deliveries(engine, sub_id).iloc[0]
    assert (row["status"], row["attempts"]) == ("failed", subs.MAX_ATTEMPTS)
    assert not outbox.sent


# --- alerts ----------------------------------------------------------------------------------------------------


def test_an_alert_fires_once_repeats_after_its_interval_and_resolves(engine, outbox):
    sub_id = manage.add(engine, SUPERVISOR, "alert", "*/5 * * * *", "wecom", WECOM,
                        params={"rule": "critical_overdue", "repeat_minutes": 30})
    with engine.begin() as conn:
        conn.execute(update(schema.subscriptions).values(created_at=datetime(2026, 12, 1)))
    start = datetime(2027, 1, 1, 10, 0)
    sent_at = []
    for minutes in range(0, 65, 5):
        before = len(outbox.sent)
        runner.run_due(engine, shanghai(*(start + timedelta(minutes=minutes)).timetuple()[:5]))
        if len(outbox.sent) > before:
            sent_at.append(minutes)
    # The sample holds overdue critical cases in Fubao at its as-of: fired at 10:00, repeated every 30 minutes.
    assert sent_at == [0, 30, 60]
    subjects = [message.subject for _, message in outbox.sent]
    assert subjects[0].startswith("【预警】") and subjects[1].startswith("【预警·仍未解除】")
    assert "FT-" in outbox.sent[0][1].markdown and "/cases?case=FT-" in outbox.sent[0][1].text
    # The cases get answered: the next evaluation resolves the alert, once.
    K = schema.cases
    with engine.connect() as conn:
        before = conn.execute(select(K.c.id, K.c.first_response_at, K.c.last_contact_at)
                              .where(K.c.risk_level == "critical")).all()
    with engine.begin() as conn:
        conn.execute(update(K).where(K.c.risk_level == "critical")
                     .values(first_response_at=K.c.reported_at, last_contact_at=datetime(2022, 6, 30, 12)))
    try:
        runner.run_due(engine, shanghai(2027, 1, 1, 11, 5))
        runner.run_due(engine, shanghai(2027, 1, 1, 11, 10))
    finally:
        with engine.begin() as conn:
            for case_id, responded, contact in before:
                conn.execute(update(K).where(K.c.id == case_id).values(first_response_at=responded,
                                                                       last_contact_at=contact))
    assert len(outbox.sent) == 4
    assert outbox.sent[3][1].subject.startswith("【预警解除】")
    state = subs.alert_state(engine, sub_id)
    assert not state.firing and state.resolved_at == datetime(2027, 1, 1, 11, 5)
    statuses = subs.deliveries(engine, sub_id)["status"].value_counts().to_dict()
    assert statuses["sent"] == 4


def test_the_alert_event_rules():
    now = datetime(2027, 1, 1, 10, 0)
    quiet, firing = subs.AlertState(), subs.AlertState(True, now, now, None, 3)
    hour = timedelta(hours=1)
    assert subs.alert_event(quiet, 0, now, hour) is None
    assert subs.alert_event(quiet, 2, now, hour) == "fire"
    assert subs.alert_event(firing, 2, now + timedelta(minutes=59), hour) is None
    assert subs.alert_event(firing, 2, now + hour, hour) == "repeat"
    assert subs.alert_event(firing, 0, now + timedelta(minutes=1), hour) == "resolve"


# --- content -------------------------------------------------------------------------------------------------


def personal_values(engine) -> set[str]:
    C = schema.children
    with engine.connect() as conn:
        rows = conn.execute(select(C.c.name, C.c.id_number, C.c.guardian_phone, C.c.address)).all()
    return {value for row in rows for value in row if value and len(value) >= 3}


def test_a_supervisors_digest_holds_their_streets_cases_only_and_no_personal_data(engine, rules, as_of):
    sub = subs.get_subscription(engine, add_digest(engine))
    built = content.digest(engine, sub, as_of, as_of - timedelta(days=3), rules)
    message = built.message
    with engine.connect() as conn:
        streets = dict(conn.execute(select(schema.cases.c.case_no, schema.cases.c.street_id)).all())
    mentioned = set(re.findall(r"FT-\d{4}-\d{5}", message.text + message.markdown))
    assert mentioned, "the sample has open cases in Fubao"
    assert {streets[case_no] for case_no in mentioned} == {"fubao"}
    assert built.counts["overdue"] > 0
    assert "福保" in message.subject and "逾期" in message.subject
    assert f"http://localhost:8501/cases?case={sorted(mentioned)[0]}" in message.text
    everything = message.subject + message.text + message.markdown
    leaked = [value for value in personal_values(engine) if value in everything]
    assert leaked == []


def test_a_directors_digest_holds_their_communitys_cases_only(engine, rules, as_of):
    sub = subs.get_subscription(engine, add_digest(engine, DIRECTOR))
    built = content.digest(engine, sub, as_of, as_of - timedelta(days=30), rules)
    with engine.connect() as conn:
        community = conn.execute(select(schema.users.c.community_id).where(schema.users.c.username == DIRECTOR)).scalar()
        own = set(conn.execute(select(schema.cases.c.case_no).where(schema.cases.c.community_id == community)).scalars())
    mentioned = set(re.findall(r"FT-\d{4}-\d{5}", built.message.text))
    assert mentioned <= own


def test_the_digest_in_english_links_with_the_language_and_the_public_address(engine, rules, as_of, monkeypatch):
    monkeypatch.setenv("DASHBOARD_PUBLIC_URL", "https://dashboard.bureau.example/")
    new_id = manage.add(engine, SUPERVISOR, "digest", "0 8 * * *", "email", EMAIL, params={"lang": "en"})
    built = content.digest(engine, subs.get_subscription(engine, new_id), as_of, as_of - timedelta(days=1), rules)
    assert built.message.subject.startswith("Morning digest · Fubao street 2022-06-30: ")
    # Fixed words are not escaped in the chat heading: only names from the database would be.
    assert built.message.markdown.startswith("### Morning digest · Fubao street 2022-06-30: ")
    assert "https://dashboard.bureau.example/cases?lang=en&case=FT-" in built.message.text


def test_markdown_from_the_database_stays_literal():
    assert content.md_escape("[x](http://evil)") == r"\[x\](http://evil)"
    assert content.md_escape("<b>*x*</b>") == r"\<b\>\*x\*\</b\>"
    assert content.md_escape("FT-2022-00001 2022-06-30 10:28") == "FT-2022-00001 2022-06-30 10:28"


# --- the command line ----------------------------------------------------------------------------------------


def database_url(engine) -> str:
    """The URL of the test database, with the PostgreSQL schema it lives in."""
    options = _connect_args(engine).get("options")
    url = engine.url.update_query_dict({"options": options}) if options else engine.url
    return url.render_as_string(hide_password=False)


def test_the_command_line_round_trip(engine, outbox, capsys, monkeypatch):
    monkeypatch.setenv("DASHBOARD_LANG", "en")
    url = database_url(engine)
    assert cli.main(["--db", url, "add", SUPERVISOR, "--what", "digest", "--schedule", "0 8 * * 1-5",
                     "--channel", "wecom", "--address", WECOM]) == 0
    sub_id = int(capsys.readouterr().out.split()[-1])
    assert cli.main(["--db", url, "add", SUPERVISOR, "--what", "digest", "--schedule", "8 o'clock",
                     "--channel", "email", "--address", EMAIL]) == 2
    assert "refused: invalid schedule" in capsys.readouterr().err
    assert cli.main(["--db", url, "list"]) == 0
    listed = capsys.readouterr().out
    assert "qyapi.weixin.qq.com" in listed and "0123-secret-key" not in listed
    assert cli.main(["--db", url, "test", str(sub_id)]) == 0
    assert "test message sent" in capsys.readouterr().out and len(outbox.sent) == 1
    assert cli.main(["--db", url, "run-due"]) == 0
    capsys.readouterr()
    assert cli.main(["--db", url, "disable", str(sub_id)]) == 0
    assert not subs.get_subscription(engine, sub_id).enabled
    assert cli.main(["--db", url, "disable", "999"]) == 2


def test_a_leaders_briefing_attaches_the_html_for_email_and_links_for_chat(engine, monkeypatch, as_of):
    import streamlit as st

    monkeypatch.setenv("DATABASE_URL", database_url(engine))
    st.cache_data.clear()
    new_id = manage.add(engine, LEADER, "briefing", "0 9 1 * *", "email", EMAIL, params={"period": "quarter"})
    built = content.briefing(engine, subs.get_subscription(engine, new_id), as_of)
    message = built.message
    assert message.subject.startswith("【简报】")
    (attachment,) = message.attachments
    assert attachment.mime_type == "text/html" and attachment.filename.endswith(".html")
    html = attachment.content.decode("utf-8")
    assert "<html" in html and "2022" in html
    assert "http://localhost:8501/?period=2022Q2" in message.text
    assert "](http://localhost:8501/?period=2022Q2" in message.markdown
    everything = message.text + message.markdown + html
    assert [value for value in personal_values(engine) if value in everything] == []
    st.cache_data.clear()


RUN_DUE_PROCESS = """
import sys
from datetime import datetime, timezone
from sqlalchemy import create_engine
from notify import runner
url, options, log = sys.argv[1], sys.argv[2], sys.argv[3]
engine = create_engine(url, connect_args={"options": options} if options else {"timeout": 30})

def deliver(target, message):
    with open(log, "a") as out:
        out.write(message.subject.split()[0] + "\\n")

runner.deliver = deliver
summary = runner.run_due(engine, datetime(2027, 1, 1, 0, 0, tzinfo=timezone.utc))
print(summary.sent, summary.taken_elsewhere)
"""


def test_two_overlapping_run_due_processes_send_each_slot_once(engine, tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    for who in (SUPERVISOR, DIRECTOR, LEADER):
        add_digest(engine, who)
    options = _connect_args(engine).get("options", "")
    log = tmp_path / "sent.log"
    root = Path(__file__).resolve().parent.parent
    url = engine.url.render_as_string(hide_password=False)
    processes = [subprocess.Popen([sys.executable, "-c", RUN_DUE_PROCESS, url, options, str(log)], cwd=root,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [process.communicate(timeout=300) for process in processes]
    assert all(process.returncode == 0 for process in processes), [err for _, err in outputs]
    assert len(log.read_text().splitlines()) == 3
    sent = [int(out.split()[0]) for out, _ in outputs]
    assert sum(sent) == 3
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(schema.deliveries)).scalar_one() == 3


def test_a_send_cut_off_mid_way_is_marked_failed_and_not_sent_again(engine, outbox):
    sub_id = add_digest(engine)
    subs.claim(engine, sub_id, datetime(2027, 1, 1, 8), datetime(2027, 1, 1, 8))
    assert runner.run_due(engine, shanghai(2027, 1, 1, 8, 20)).failed == 0  # may still be sending
    assert runner.run_due(engine, shanghai(2027, 1, 1, 8, 31)).failed == 1
    row = subs.deliveries(engine, sub_id).iloc[0]
    assert row["status"] == "failed" and row["last_error"].startswith("interrupted")
    assert not outbox.sent


@pytest.mark.parametrize("value", ["dashboard.bureau.example", "ftp://dashboard", "https://"])
def test_a_public_address_that_is_not_a_web_address_is_refused(monkeypatch, value):
    from data_access import config

    monkeypatch.setenv("DASHBOARD_PUBLIC_URL", value)
    with pytest.raises(ValueError, match="DASHBOARD_PUBLIC_URL must start with http:// or https://"):
        config.public_url()


def test_content_that_cannot_be_built_is_recorded_and_retried(engine, outbox, monkeypatch):
    sub_id = add_digest(engine)
    monkeypatch.setenv("DASHBOARD_PUBLIC_URL", "dashboard.bureau.example")
    assert runner.run_due(engine, shanghai(2027, 1, 1, 8, 0)).retrying == 1
    row = subs.deliveries(engine, sub_id).iloc[0]
    assert row["status"] == "retry" and "DASHBOARD_PUBLIC_URL" in row["last_error"]
    monkeypatch.delenv("DASHBOARD_PUBLIC_URL")
    assert runner.run_due(engine, shanghai(2027, 1, 1, 8, 1)).sent == 1
    assert len(outbox.sent) == 1


def add_alert(engine, rule="critical_overdue", repeat=30) -> int:
    sub_id = manage.add(engine, SUPERVISOR, "alert", "*/5 * * * *", "wecom", WECOM,
                        params={"rule": rule, "repeat_minutes": repeat})
    with engine.begin() as conn:
        conn.execute(update(schema.subscriptions).where(schema.subscriptions.c.id == sub_id)
                     .values(created_at=datetime(2026, 12, 1)))
    return sub_id


def test_an_alert_whose_send_fails_is_retried_and_its_firing_sent_once(engine, outbox):
    sub_id = add_alert(engine)
    outbox.failures = ["errcode 93000: invalid webhook url"]
    assert runner.run_due(engine, shanghai(2027, 1, 1, 10, 0)).retrying == 1
    assert not subs.alert_state(engine, sub_id).firing  # given back: the firing has not been sent
    assert runner.run_due(engine, shanghai(2027, 1, 1, 10, 1)).sent == 1
    assert runner.run_due(engine, shanghai(2027, 1, 1, 10, 5)).sent == 0
    assert [m.subject[:4] for _, m in outbox.sent] == ["【预警】"]
    assert subs.alert_state(engine, sub_id).fired_at == datetime(2027, 1, 1, 10, 1)


def test_two_runs_moving_one_alert_at_once_move_it_once(engine):
    sub_id = add_alert(engine, "no_holder")
    quiet = subs.AlertState()
    fired = subs.next_alert_state(quiet, "fire", 3, datetime(2027, 1, 1, 10, 0))
    assert subs.transition_alert(engine, sub_id, quiet, fired)
    assert not subs.transition_alert(engine, sub_id, quiet, fired)
    repeated = subs.next_alert_state(fired, "repeat", 3, datetime(2027, 1, 1, 11, 0))
    assert subs.transition_alert(engine, sub_id, fired, repeated)
    assert not subs.transition_alert(engine, sub_id, fired, repeated)
    assert subs.alert_state(engine, sub_id).last_sent_at == datetime(2027, 1, 1, 11, 0)


@pytest.mark.parametrize("moment, expected", [
    (datetime(2022, 6, 10, 9, 0), 0),  # May is over, but its payments may still come until the 10th
    (datetime(2022, 6, 11, 9, 0), 1),  # after the 10th of June: May, a month that is over
    (datetime(2022, 5, 20, 9, 0), 0),  # the running month is never reconciled (April is all paid)
])
def test_unpaid_eligible_children_alert_only_after_the_10th_for_the_month_that_is_over(engine, rules, moment,
                                                                                       expected):
    # The sample leaves one eligible child unpaid for May 2022.
    new_id = manage.add(engine, LEADER, "alert", "*/5 * * * *", "email", EMAIL,
                        params={"rule": "unpaid_after_10th", "lang": "en"})
    sub = subs.get_subscription(engine, new_id)
    finding = content.evaluate(engine, sub, moment, rules)
    assert finding.count == expected
    if expected:
        message = content.alert_message(engine, sub, "fire", finding, moment, moment).message
        assert message.subject == "Alert · Eligible children unpaid after the 10th · the district: 1"
        assert "May 2022: 1 eligible children unpaid" in message.text
        assert "http://localhost:8501/subsidies?lang=en&period=2022-05" in message.text
        assert [value for value in personal_values(engine) if value in message.text + message.markdown] == []


# --- review fixes: filters, links, counts, the briefing's engine, headings, pruning ----------------------------


def test_case_filters_refuse_a_plain_string_for_due():
    from data_access.cases import CaseFilters

    with pytest.raises(TypeError, match=r"tuple of due buckets, e.g. \('overdue',\)"):
        CaseFilters(due="overdue")
    assert CaseFilters(due=("overdue",)).due == ("overdue",)


def test_the_critical_overdue_alert_evaluates(engine, rules, as_of):
    sub = subs.get_subscription(engine, add_alert(engine))
    finding = content.evaluate(engine, sub, as_of, rules)
    assert finding.count > 0 and finding.lines
    assert "risk=critical" in finding.more_link and "due=overdue" in finding.more_link


def test_the_digest_links_each_section_to_what_the_case_page_shows(engine, rules, as_of, monkeypatch):
    monkeypatch.setattr(content, "LINES_PER_SECTION", 0)  # every section ends with its link to the queue
    sub = subs.get_subscription(engine, add_digest(engine))
    text = content.digest(engine, sub, as_of, datetime(2022, 6, 1), rules).message.text
    assert "/cases?no_contact=cadence" in text
    assert "/cases?from=2022-06-01&to=2022-06-30&stage=reported%2Cverifying" in text  # closed since, too
    assert text.count("/cases?due=overdue") == 1  # the overdue section's link, not the no-contact one's


def test_the_digest_counts_every_case_not_a_capped_list(engine, rules, as_of, monkeypatch):
    from data_access import cases as case_data, quality

    sub = subs.get_subscription(engine, add_digest(engine, LEADER))
    since = datetime(2015, 1, 1)
    built = content.digest(engine, sub, as_of, since, rules)
    K = schema.cases
    with engine.connect() as conn:
        reported = conn.execute(select(func.count()).select_from(K).where(K.c.reported_at > since,
                                                                          K.c.reported_at <= as_of)).scalar_one()
    assert reported > 500  # more than the page the digest used to read and filter
    assert built.counts["new"] == reported
    counts = quality.quality_counts(engine, content.scope_of(sub), content.Filters(), as_of, rules)
    assert built.counts["no_contact"] == counts.no_contact
    # A list capped at 3 rows does not cap the counts.
    monkeypatch.setattr(content, "LINES_PER_SECTION", 3)
    capped = content.digest(engine, sub, as_of, since, rules)
    assert capped.counts == built.counts
    alert = subs.get_subscription(engine, add_alert(engine, rule="no_holder"))
    original = quality.cases_without_holder
    monkeypatch.setattr(quality, "cases_without_holder",
                        lambda *args, **kwargs: original(*args, **{**kwargs, "limit": 1}))
    assert content.evaluate(engine, alert, as_of, rules).count == counts.no_holder
    assert case_data.CaseFilters(reported_after=since).reported_after == since


def test_the_briefing_reads_the_runners_engine_and_names_the_street_as_a_street(engine, monkeypatch, as_of):
    import streamlit as st
    from dashboard import data

    monkeypatch.setenv("DATABASE_URL", database_url(engine))
    st.cache_data.clear()

    def cached(*args, **kwargs):
        raise AssertionError("the briefing's figures come from the engine it is given, not DATABASE_URL")

    monkeypatch.setattr(data, "key_figures", cached)
    monkeypatch.setattr(data, "street_pressure", cached)
    street = subs.get_subscription(engine, manage.add(engine, SUPERVISOR, "briefing", "0 9 1 * *", "email", EMAIL))
    message = content.briefing(engine, street, as_of).message
    assert message.subject.startswith("【简报】福保街道 ") and "street=fubao" in message.text
    director = subs.get_subscription(engine, manage.add(engine, DIRECTOR, "briefing", "0 9 1 * *", "email", EMAIL))
    with engine.connect() as conn:
        community = conn.execute(select(schema.communities.c.name_zh).join(
            schema.users, schema.users.c.community_id == schema.communities.c.id)
            .where(schema.users.c.username == DIRECTOR)).scalar_one()
    assert content.briefing(engine, director, as_of).message.subject.startswith(f"【简报】福保街道 · {community} ")
    district = subs.get_subscription(engine, manage.add(engine, LEADER, "briefing", "0 9 1 * *", "email", EMAIL))
    built = content.briefing(engine, district, as_of).message
    assert "street=" not in built.text + built.markdown
    st.cache_data.clear()


def test_an_english_chat_heading_escapes_only_names_from_the_database(engine, rules, as_of):
    sub = subs.get_subscription(engine, add_alert(engine))
    sub = subs.Subscription(**{**sub.__dict__, "params": {**sub.params, "lang": "en"}})
    finding = content.evaluate(engine, sub, as_of, rules)
    markdown = content.alert_message(engine, sub, "fire", finding, as_of, as_of).message.markdown
    assert markdown.startswith("### Alert · Critical case overdue · Fubao street: ")
    assert "\\[" not in markdown.splitlines()[0]
    _, heading = content.subject_line("notify.alert.subject.fire", "en", rule="x", scope="[a](b)", count=1)
    assert heading == r"### Alert · x · \[a\](b): 1"


def test_skipped_slots_are_pruned_after_a_day_and_do_not_hide_the_latest_send(engine, outbox):
    sub_id = add_alert(engine)
    now = datetime(2027, 1, 2, 12, 0)
    with engine.begin() as conn:
        for hours, status in ((30, "sent"), (26, "skipped"), (25, "skipped"), (2, "skipped")):
            slot = now - timedelta(hours=hours)
            conn.execute(schema.deliveries.insert().values(subscription_id=sub_id, slot=slot, status=status,
                                                           claimed_at=slot, attempts=1))
    subs.close_interrupted(engine, now)
    left = subs.deliveries(engine, sub_id)
    assert list(zip(left["status"], left["slot"])) == [("sent", now - timedelta(hours=30)),
                                                       ("skipped", now - timedelta(hours=2))]
    listed = subs.list_subscriptions(engine).set_index("id")
    assert listed.at[sub_id, "last_status"] == "sent"
    assert listed.at[sub_id, "last_slot"] == now - timedelta(hours=30)


def test_a_subscription_never_shows_its_address_or_secret_in_its_repr(engine):
    new_id = manage.add(engine, SUPERVISOR, "alert", "*/5 * * * *", "wecom", WECOM, params={"rule": "no_holder"})
    shown = repr(subs.get_subscription(engine, new_id))
    assert "0123-secret-key" not in shown and "qyapi" not in shown and "address" not in shown


def test_the_command_line_reads_the_address_from_standard_input_and_refuses_in_the_chosen_language(
        engine, capsys, monkeypatch):
    import io

    url = database_url(engine)
    dingtalk = "https://oapi.dingtalk.com/robot/send?access_token=abc123token"
    monkeypatch.setattr("sys.stdin", io.StringIO(dingtalk + "\nSEC" + "0" * 20 + "\n"))
    assert cli.main(["--db", url, "add", SUPERVISOR, "--what", "alert", "--rule", "no_holder", "--schedule",
                     "*/5 * * * *", "--channel", "dingtalk", "--address-stdin", "--secret-stdin"]) == 0
    sub = subs.get_subscription(engine, int(capsys.readouterr().out.split()[-1]))
    assert (sub.address, sub.secret) == (dingtalk, "SEC" + "0" * 20)
    monkeypatch.setenv("DASHBOARD_LANG", "zh")
    assert cli.main(["--db", url, "disable", "999"]) == 2
    assert capsys.readouterr().err.strip() == "已拒绝：没有编号为 999 的订阅"
    monkeypatch.setenv("DASHBOARD_LANG", "en")
    assert cli.main(["--db", url, "disable", "999"]) == 2
    assert capsys.readouterr().err.strip() == "refused: no subscription 999"
    with pytest.raises(SystemExit):  # an address is given one way only
        cli.main(["--db", url, "add", SUPERVISOR, "--what", "digest", "--schedule", "0 8 * * *", "--channel",
                  "email", "--address", EMAIL, "--address-stdin"])


def test_an_invalid_stored_address_is_shown_in_the_listing_language(engine):
    new_id = manage.add(engine, SUPERVISOR, "digest", "0 8 * * *", "email", EMAIL)
    with engine.begin() as conn:
        conn.execute(update(schema.subscriptions).where(schema.subscriptions.c.id == new_id).values(address="x"))
    assert manage.listing(engine, "zh").set_index("id").at[new_id, "recipient"] == "（地址无效）"
    assert manage.listing(engine, "en").set_index("id").at[new_id, "recipient"] == "(invalid address)"


def test_the_command_line_reads_the_given_database_everywhere_and_restores_the_environment(engine, monkeypatch):
    import os

    seen = []
    monkeypatch.setenv("DATABASE_URL", "sqlite:////nowhere/else.db")
    monkeypatch.setattr(runner, "run_due", lambda *args: seen.append(os.environ["DATABASE_URL"]) or runner.RunSummary())
    assert cli.main(["--db", database_url(engine), "run-due"]) == 0
    assert seen == [database_url(engine)] and os.environ["DATABASE_URL"] == "sqlite:////nowhere/else.db"
