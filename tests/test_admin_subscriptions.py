"""The subscriptions section of /admin: listed with their last delivery and no secret, added and disabled
through its forms, bad input refused with the reason (AppTest)."""

from __future__ import annotations

from datetime import datetime

from data_access import users
from data_access import subscriptions as subs
from data_access.engine import make_engine
from notify import manage
from tests.harness import PASSWORD, session_cookie, start

WECOM = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=0123-secret-key"


def admin_page(monkeypatch, url: str, lang: str = "en"):
    return start(monkeypatch, database_url=url, cookie=session_cookie(url, "wu.admin", "admin", None), lang=lang,
                 view="views/admin.py")


def subscription_table(at):
    return next(d.value for d in at.dataframe if "Recipient" in d.value.columns or "接收方" in d.value.columns)


def test_the_section_lists_subscriptions_with_their_last_delivery_and_no_secret(monkeypatch, sample_copy_url):
    engine = make_engine(sample_copy_url)
    users.add_user(engine, "wu.admin", "admin", PASSWORD)
    users.add_user(engine, "li.fubao", "supervisor", PASSWORD, "fubao")
    sub_id = manage.add(engine, "li.fubao", "alert", "*/5 * * * *", "wecom", WECOM, params={"rule": "no_holder"})
    delivery = subs.claim(engine, sub_id, datetime(2027, 1, 1, 10, 0), datetime(2027, 1, 1, 10, 0))
    subs.record_failure(engine, delivery, datetime(2027, 1, 1, 10, 0), "HTTP 500 from the robot", {})
    at = admin_page(monkeypatch, sample_copy_url)
    table = subscription_table(at)
    row = table.iloc[0]
    assert row["Account"] == "li.fubao"
    assert row["Content"] == "Alert · Open case has no holder"
    assert row["Channel"] == "WeCom robot"
    assert row["Status"] == "to retry" and row["Last error"] == "HTTP 500 from the robot"
    assert row["Last slot"].startswith("2027-01-01 10:00")
    assert "0123-secret-key" not in table.to_string()
    assert "qyapi.weixin.qq.com" in row["Recipient"]


def test_an_admin_adds_and_disables_a_subscription_and_bad_input_is_refused(monkeypatch, sample_copy_url):
    engine = make_engine(sample_copy_url)
    users.add_user(engine, "wu.admin", "admin", PASSWORD)
    users.add_user(engine, "li.fubao", "supervisor", PASSWORD, "fubao")
    at = admin_page(monkeypatch, sample_copy_url, lang="zh")
    assert "还没有订阅。" in [i.value for i in at.info]

    account = next(b for b in at.selectbox if b.label == "账户")
    account.set_value("li.fubao")
    next(t for t in at.text_input if t.label == "计划（cron，北京时间）").input("0 8 * *")
    next(t for t in at.text_input if t.label == "邮箱地址或机器人 Webhook 地址").input("duty@bureau.example.cn")
    next(b for b in at.button if b.label == "新增订阅").click().run()
    assert any("无效：日程有 5 个字段" in e.value for e in at.error)  # in the page's language
    assert subs.subscriptions(engine) == []

    account = next(b for b in at.selectbox if b.label == "账户")
    account.set_value("li.fubao")
    next(t for t in at.text_input if t.label == "计划（cron，北京时间）").input("0 8 * * 1-5")
    next(t for t in at.text_input if t.label == "邮箱地址或机器人 Webhook 地址").input("duty@bureau.example.cn")
    next(b for b in at.button if b.label == "新增订阅").click().run()
    assert not at.exception and "已保存。" in [s.value for s in at.success]
    (added,) = subs.subscriptions(engine)
    assert (added.username, added.what, added.schedule, added.channel) == ("li.fubao", "digest", "0 8 * * 1-5", "email")
    at.run()
    table = subscription_table(at)
    assert list(table["账户"]) == ["li.fubao"] and list(table["内容"]) == ["每日待办摘要"]

    next(b for b in at.selectbox if b.label == "编号").set_value(added.id)
    next(b for b in at.button if b.label == "停用").click().run()
    assert not at.exception
    assert not subs.get_subscription(engine, added.id).enabled
