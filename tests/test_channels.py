"""Delivery channels against real servers on loopback: an SMTP server (aiosmtpd, with STARTTLS, implicit TLS and
sign-in) and an HTTP server playing the WeCom and DingTalk robots."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import socket
import subprocess
import threading
import time
import urllib.parse
from pathlib import Path

import pytest

from deploy.loopback import free_port
from notify.channels import (Attachment, ChannelError, DeliveryError, Message, Target, dingtalk_url, fit_markdown,
                             send, target)
from tests.notify_servers import (SMTP_PASSWORD, SMTP_USER, Inbox, Robot, check_password, robot_server,
                                  server_context, smtp_server, trust, use_smtp)

ROOT = Path(__file__).resolve().parent.parent
WECOM_KEY = "693a91f6-7a3c-4bc4-97a0-0ec2f9a5a0e1"
DINGTALK_TOKEN = "5f0c3b6e9a2d4c1b8e7f6a5d4c3b2a1908f7e6d5c4b3a291"
DINGTALK_SECRET = "SEC4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b"
SECRETS = (SMTP_PASSWORD, WECOM_KEY, DINGTALK_TOKEN, DINGTALK_SECRET)

SUBJECT = "福田区未成年人保护晨报：3 宗个案已超时"
BODY = "逾期个案：\nFT-2022-0042 https://dashboard.example/cases?case=FT-2022-0042\n"
REPORT = "<!doctype html><html><body><h1>福田区周报</h1><p>示例</p></body></html>".encode()
MESSAGE = Message(SUBJECT, BODY, "### 晨报\n- [FT-2022-0042](https://dashboard.example/cases?case=FT-2022-0042)",
                  (Attachment("福田区周报.html", REPORT, "text/html"),))


# --- an SMTP server --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> Path:
    """A self-signed certificate for 127.0.0.1 made by deploy/make-self-signed-cert; returns its directory."""
    folder = tmp_path_factory.mktemp("tls")
    subprocess.run([str(ROOT / "deploy" / "make-self-signed-cert"), "127.0.0.1", str(folder)], check=True,
                   capture_output=True, timeout=120)
    return folder


def check_received(inbox: Inbox, recipient: str) -> None:
    [envelope] = inbox.envelopes
    assert envelope.mail_from == "dashboard@ft.example.gov.cn" and envelope.rcpt_tos == [recipient]
    raw_headers = envelope.content.split(b"\r\n\r\n", 1)[0]
    assert raw_headers.isascii() and b"=?utf-8?" in raw_headers  # the Chinese subject is encoded, not raw
    mail = inbox.only_message()
    assert mail["Subject"] == SUBJECT and mail["To"] == recipient
    assert mail["From"].addresses[0].display_name == "福田区未保看板"
    assert mail["Message-ID"].endswith("@ft.example.gov.cn>") and mail["Date"]
    assert mail.get_body(("plain",)).get_content().replace("\r\n", "\n") == BODY
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_filename() == "福田区周报.html" and attachment.get_content_type() == "text/html"
    assert attachment.get_payload(decode=True) == REPORT


def test_email_over_starttls_with_sign_in(monkeypatch, certificate):
    with smtp_server(tls_context=server_context(certificate), require_starttls=True, auth_required=True,
                     authenticator=check_password) as (inbox, port):
        use_smtp(monkeypatch, port, "starttls")
        trust(monkeypatch, certificate)
        send(target("email", "zhang.san@ft.example.gov.cn"), MESSAGE)
    check_received(inbox, "zhang.san@ft.example.gov.cn")


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_email_over_implicit_tls(monkeypatch, certificate):
    # aiosmtpd counts only STARTTLS as TLS, so it is told that sign-in on this TLS connection is fine
    with smtp_server(ssl_context=server_context(certificate), auth_required=True, auth_require_tls=False,
                     authenticator=check_password) as (inbox, port):
        use_smtp(monkeypatch, port, "ssl")
        trust(monkeypatch, certificate)
        send(target("email", "li.si@ft.example.gov.cn"), MESSAGE)
    check_received(inbox, "li.si@ft.example.gov.cn")


def test_email_through_a_relay_without_tls_or_sign_in(monkeypatch):
    with smtp_server() as (inbox, port):
        use_smtp(monkeypatch, port, "none", user=None, password=None)
        send(target("email", "wang.wu@ft.example.gov.cn"), MESSAGE)
    check_received(inbox, "wang.wu@ft.example.gov.cn")


def test_a_wrong_mail_password_is_a_delivery_error_without_the_password(monkeypatch, certificate):
    with smtp_server(tls_context=server_context(certificate), require_starttls=True, auth_required=True,
                     authenticator=check_password) as (inbox, port):
        use_smtp(monkeypatch, port, "starttls", password="not-the-password")
        trust(monkeypatch, certificate)
        with pytest.raises(DeliveryError, match=r"refused the sign-in of dashboard@ft\.example\.gov\.cn: 535") as caught:
            send(target("email", "zhang.san@ft.example.gov.cn"), MESSAGE)
    assert "not-the-password" not in str(caught.value) and not inbox.envelopes


def test_an_untrusted_certificate_is_a_delivery_error(monkeypatch, certificate, tmp_path):
    other = tmp_path / "other"
    subprocess.run([str(ROOT / "deploy" / "make-self-signed-cert"), "127.0.0.1", str(other)], check=True,
                   capture_output=True, timeout=120)
    with smtp_server(tls_context=server_context(certificate), require_starttls=True) as (inbox, port):
        use_smtp(monkeypatch, port, "starttls")
        trust(monkeypatch, other)  # trusts a different certificate than the server's
        with pytest.raises(DeliveryError, match="certificate is not trusted"):
            send(target("email", "zhang.san@ft.example.gov.cn"), MESSAGE)
    assert not inbox.envelopes


def test_a_server_without_starttls_is_a_delivery_error(monkeypatch):
    with smtp_server() as (inbox, port):
        use_smtp(monkeypatch, port, "starttls")
        with pytest.raises(DeliveryError, match="does not offer STARTTLS"):
            send(target("email", "zhang.san@ft.example.gov.cn"), MESSAGE)


def test_a_refused_recipient_is_a_delivery_error(monkeypatch):
    with smtp_server() as (inbox, port):
        inbox.refuse.add("gone@ft.example.gov.cn")
        use_smtp(monkeypatch, port, "none", user=None, password=None)
        with pytest.raises(DeliveryError, match=r"refused the recipient.*gone@ft\.example\.gov\.cn: 550"):
            send(target("email", "gone@ft.example.gov.cn"), MESSAGE)
    assert not inbox.envelopes


def test_no_mail_server_listening_is_a_delivery_error(monkeypatch):
    use_smtp(monkeypatch, free_port(), "none", user=None, password=None)
    with pytest.raises(DeliveryError, match=r"the mail server 127\.0\.0\.1:\d+: cannot be reached .* while connecting"):
        send(target("email", "zhang.san@ft.example.gov.cn"), MESSAGE)


def test_a_mail_server_that_never_greets_is_a_delivery_error(monkeypatch):
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts connections, never says a word
        use_smtp(monkeypatch, silent.getsockname()[1], "none", user=None, password=None)
        started = time.monotonic()
        with pytest.raises(DeliveryError, match=r"no answer within 0\.5 s while connecting"):
            send(target("email", "zhang.san@ft.example.gov.cn"), MESSAGE, timeout=0.5)
        assert time.monotonic() - started < 3


def test_a_mail_server_that_hangs_up_is_a_delivery_error(monkeypatch):
    with socket.create_server(("127.0.0.1", 0)) as rude:
        def hang_up():
            connection, _ = rude.accept()
            connection.close()
        threading.Thread(target=hang_up, daemon=True).start()
        use_smtp(monkeypatch, rude.getsockname()[1], "none", user=None, password=None)
        with pytest.raises(DeliveryError, match="closed the connection while connecting"):
            send(target("email", "zhang.san@ft.example.gov.cn"), MESSAGE, timeout=5)


def test_a_subject_with_a_line_break_stays_one_header(monkeypatch):
    with smtp_server() as (inbox, port):
        use_smtp(monkeypatch, port, "none", user=None, password=None)
        send(target("email", "zhang.san@ft.example.gov.cn"),
             Message("晨报\r\nBcc: everyone@example.com", "正文", "正文"))
    mail = inbox.only_message()
    assert mail["Subject"] == "晨报 Bcc: everyone@example.com" and mail["Bcc"] is None
    assert inbox.envelopes[0].rcpt_tos == ["zhang.san@ft.example.gov.cn"]


@pytest.mark.parametrize("settings, problem", [
    ({"DASHBOARD_SMTP_HOST": ""}, "DASHBOARD_SMTP_HOST is not set"),
    ({"DASHBOARD_SMTP_SECURITY": "tls"}, "must be starttls, ssl or none, not 'tls'"),
    ({"DASHBOARD_SMTP_PORT": "smtp"}, "DASHBOARD_SMTP_PORT must be a port number from 1 to 65535, not 'smtp'"),
    ({"DASHBOARD_SMTP_PORT": "70000"}, "DASHBOARD_SMTP_PORT must be a port number"),
    ({"DASHBOARD_SMTP_USER": ""}, "DASHBOARD_SMTP_PASSWORD is set without DASHBOARD_SMTP_USER"),
    ({"DASHBOARD_SMTP_SECURITY": "none"}, "would send the mail password unencrypted"),
    ({"DASHBOARD_SMTP_FROM": "", "DASHBOARD_SMTP_USER": "dashboard"}, "DASHBOARD_SMTP_FROM is not set"),
    ({"DASHBOARD_SMTP_FROM": "dashboard at ft"}, "DASHBOARD_SMTP_FROM: .* is not an e-mail address"),
])
def test_mail_settings_that_cannot_work_are_delivery_errors(monkeypatch, settings, problem):
    use_smtp(monkeypatch, free_port(), "starttls")
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(DeliveryError, match=problem) as caught:
        send(target("email", "zhang.san@ft.example.gov.cn"), MESSAGE)
    assert SMTP_PASSWORD not in str(caught.value)


def test_default_ports_follow_the_security(monkeypatch):
    from data_access import config
    monkeypatch.setenv("DASHBOARD_SMTP_HOST", "mail.ft.example.gov.cn")
    monkeypatch.setenv("DASHBOARD_SMTP_FROM", "dashboard@ft.example.gov.cn")
    monkeypatch.delenv("DASHBOARD_SMTP_PORT", raising=False)
    for name in ("DASHBOARD_SMTP_USER", "DASHBOARD_SMTP_PASSWORD", "DASHBOARD_SMTP_SECURITY"):
        monkeypatch.delenv(name, raising=False)
    assert (config.smtp_settings().security, config.smtp_settings().port) == ("starttls", 587)
    for security, port in (("ssl", 465), ("none", 25), ("SSL", 465)):
        monkeypatch.setenv("DASHBOARD_SMTP_SECURITY", security)
        assert config.smtp_settings().port == port
    monkeypatch.setenv("DASHBOARD_SMTP_PASSWORD", SMTP_PASSWORD)
    monkeypatch.setenv("DASHBOARD_SMTP_USER", SMTP_USER)
    monkeypatch.setenv("DASHBOARD_SMTP_SECURITY", "ssl")
    assert SMTP_PASSWORD not in repr(config.smtp_settings())


# --- an HTTP server playing the robots -------------------------------------------------------


@pytest.fixture
def robot():
    with robot_server() as state:
        yield state


def wecom(robot: Robot) -> Target:
    return target("wecom", robot.url(f"/cgi-bin/webhook/send?key={WECOM_KEY}"))


def dingtalk(robot: Robot, secret: str | None = DINGTALK_SECRET) -> Target:
    return target("dingtalk", robot.url(f"/robot/send?access_token={DINGTALK_TOKEN}"), secret)


def test_wecom_gets_the_markdown_message(robot):
    robot.answer()
    send(wecom(robot), MESSAGE)
    [request] = robot.requests
    assert request["path"] == "/cgi-bin/webhook/send" and request["query"] == {"key": [WECOM_KEY]}
    assert request["content_type"] == "application/json; charset=utf-8"
    assert json.loads(request["body"]) == {"msgtype": "markdown", "markdown": {"content": MESSAGE.markdown}}


def test_dingtalk_gets_the_markdown_message_signed(robot):
    robot.answer()
    before = time.time() * 1000
    send(dingtalk(robot), MESSAGE)
    [request] = robot.requests
    assert request["path"] == "/robot/send"
    assert json.loads(request["body"]) == {"msgtype": "markdown",
                                           "markdown": {"title": SUBJECT, "text": MESSAGE.markdown}}
    query = request["query"]
    assert query["access_token"] == [DINGTALK_TOKEN] and set(query) == {"access_token", "timestamp", "sign"}
    [timestamp], [sign] = query["timestamp"], query["sign"]
    assert before - 1 <= int(timestamp) <= time.time() * 1000 + 1
    expected = hmac.new(DINGTALK_SECRET.encode(), f"{timestamp}\n{DINGTALK_SECRET}".encode(), hashlib.sha256).digest()
    assert sign == base64.b64encode(expected).decode()


def test_dingtalk_signature_is_url_encoded():
    signed = dingtalk_url(target("dingtalk", f"https://oapi.dingtalk.com/robot/send?access_token={DINGTALK_TOKEN}",
                                 DINGTALK_SECRET), now_ms=1700000000000)
    sign = signed.split("&sign=")[1]
    assert signed.count("&timestamp=1700000000000&sign=") == 1 and not set(sign) & set("+/=")
    expected = hmac.new(DINGTALK_SECRET.encode(), f"1700000000000\n{DINGTALK_SECRET}".encode(), hashlib.sha256)
    assert urllib.parse.unquote_plus(sign) == base64.b64encode(expected.digest()).decode()


def test_dingtalk_without_a_secret_is_sent_unsigned(robot):
    robot.answer()
    send(dingtalk(robot, secret=""), MESSAGE)
    assert robot.requests[0]["query"] == {"access_token": [DINGTALK_TOKEN]}


def test_a_long_wecom_message_is_cut_at_a_line_with_a_note(robot):
    lines = [f"- [FT-2022-{n:04d}](https://dashboard.example/cases?case=FT-2022-{n:04d}) 高风险 已超时" for n in range(200)]
    robot.answer()
    send(wecom(robot), Message(SUBJECT, BODY, "\n".join(lines)))
    content = json.loads(robot.requests[0]["body"])["markdown"]["content"]
    assert 3500 < len(content.encode()) <= 4096
    kept, note = content.split("\n\n")
    assert kept.splitlines() == lines[:len(kept.splitlines())]  # whole lines only
    assert note.startswith("……（消息过长") and "the rest is in the dashboard" in note
    short = "### 晨报\n- 无逾期个案"
    assert fit_markdown(short, "wecom") == short
    assert len(fit_markdown("字" * 3000, "wecom").encode()) <= 4096  # one long line: cut inside it


def leaks(text: str) -> list[str]:
    return [secret for secret in SECRETS if secret in text]


@pytest.mark.parametrize("make", [wecom, dingtalk])
def test_an_errcode_reply_is_a_delivery_error_without_the_key(robot, make):
    robot.answer(body={"errcode": 93000, "errmsg": "invalid webhook url, hint: [1700000000_1]"})
    with pytest.raises(DeliveryError, match=r"refused the message: errcode 93000, errmsg invalid webhook url") as caught:
        send(make(robot), MESSAGE)
    assert not leaks(str(caught.value)) and "****" in str(caught.value)


@pytest.mark.parametrize("make", [wecom, dingtalk])
def test_an_http_500_is_a_delivery_error_without_the_key(robot, make):
    robot.answer(500, b'{"errcode":-1,"errmsg":"system busy"}')
    with pytest.raises(DeliveryError, match="answered HTTP 500") as caught:
        send(make(robot), MESSAGE)
    assert not leaks(str(caught.value))


@pytest.mark.parametrize("status, body, problem", [
    (200, b"<html>proxy error</html>", "something other than a JSON object: <html>proxy error</html>"),
    (200, b"[0]", "something other than a JSON object"),
    (200, b'{"ok":true}', "errcode None"),
    (200, b'{"errcode":"0"}', "errcode 0"),
    (404, b"not found", "answered HTTP 404"),
    (302, b"", "answered HTTP 302"),
])
def test_answers_that_are_not_a_success_are_delivery_errors(robot, status, body, problem):
    robot.answer(status, body)
    with pytest.raises(DeliveryError, match=problem) as caught:
        send(wecom(robot), MESSAGE)
    assert not leaks(str(caught.value)) and len(robot.requests) == 1  # a redirect is not followed


def test_a_robot_that_does_not_answer_in_time_is_a_delivery_error(robot):
    robot.answer(delay=3)
    started = time.monotonic()
    with pytest.raises(DeliveryError, match=r"no answer within 0\.5 s") as caught:
        send(dingtalk(robot), MESSAGE, timeout=0.5)
    assert time.monotonic() - started < 2.5 and not leaks(str(caught.value))


def test_a_robot_that_cannot_be_reached_is_a_delivery_error():
    where = target("wecom", f"http://127.0.0.1:{free_port()}/cgi-bin/webhook/send?key={WECOM_KEY}")
    with pytest.raises(DeliveryError, match="cannot be reached") as caught:
        send(where, MESSAGE, timeout=2)
    assert not leaks(str(caught.value))


def test_logs_hold_no_key_secret_or_password(robot, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    robot.answer()
    robot.answer()
    robot.answer(500, b"{}")
    send(wecom(robot), MESSAGE)
    send(dingtalk(robot), MESSAGE)
    with pytest.raises(DeliveryError):
        send(dingtalk(robot), MESSAGE)
    use_smtp(monkeypatch, free_port(), "starttls")
    with pytest.raises(DeliveryError):
        send(target("email", "zhang.san@ft.example.gov.cn"), MESSAGE)
    assert "sent a message to the WeCom robot" in caplog.text and not leaks(caplog.text)


# --- destinations ----------------------------------------------------------------------------


def test_redacted_and_repr_mask_keys_and_secrets():
    where = target("wecom", f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={WECOM_KEY}")
    assert where.redacted() == "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=****a0e1"
    signed = target("dingtalk", f"http://10.8.0.5:8080/ding/robot/send?access_token={DINGTALK_TOKEN}&x=1",
                    DINGTALK_SECRET)
    assert signed.redacted() == "http://10.8.0.5:8080/ding/robot/send?access_token=****a291&x=****"
    assert not leaks(repr(signed) + repr(where) + str(signed)) and "signed" in repr(signed)
    assert target("email", "zhang.san@ft.example.gov.cn").redacted() == "zhang.san@ft.example.gov.cn"


@pytest.mark.parametrize("kind, address", [
    ("email", "zhang.san@ft.example.gov.cn"),
    ("email", "ops+alerts@mail"),
    ("wecom", f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={WECOM_KEY}"),
    ("wecom", f"HTTP://wecom-proxy.ft.local:8443/cgi-bin/webhook/send?key={WECOM_KEY}&debug=1"),
    ("dingtalk", f"https://oapi.dingtalk.com/robot/send?access_token={DINGTALK_TOKEN}"),
    ("dingtalk", f"http://[fd00::5]/robot/send?access_token={DINGTALK_TOKEN}"),
])
def test_good_destinations_are_accepted(kind, address):
    assert target(kind, address) == Target(kind, address)


@pytest.mark.parametrize("address, problem", [
    ("", "destination is empty: give an e-mail address"),
    ("   ", "destination is empty"),
    ("zhang.san.ft.example.gov.cn", "needs exactly one @"),
    ("zhang@san@ft.example.gov.cn", "needs exactly one @"),
    ("zhang.san@ft.example.gov.cn\nBcc: everyone@example.com", "space or a line break"),
    ("zhang.san@ft.example.gov.cn\r\n", "space or a line break"),
    ("zhang san@ft.example.gov.cn", "space or a line break"),
    (" zhang.san@ft.example.gov.cn", "space or a line break"),
    ("a@ft.example.gov.cn,b@ft.example.gov.cn", "one address per destination"),
    ("a@ft.example.gov.cn;b@ft.example.gov.cn", "one address per destination"),
    ("@ft.example.gov.cn", "the part before @"),
    ("zhang.san@", "the part after @ is not a host name"),
    ("张三@ft.example.gov.cn", "the part before @"),
    ("\"Zhang\"<zhang@ft.example.gov.cn>", "the part before @"),
    ("zhang..san@ft.example.gov.cn", "the part before @"),
    ("zhang.san@ft..gov.cn", "is not a host name"),
    ("zhang.san@-ft.gov.cn", "is not a host name"),
    ("zhang.san@ft_example.gov.cn", "is not a host name"),
    ("x" * 65 + "@ft.example.gov.cn", "the part before @"),
    ("x@" + "a." * 130 + "cn", "at most 254 characters"),
])
def test_bad_email_addresses_are_refused(address, problem):
    with pytest.raises(ChannelError, match=problem):
        target("email", address)


@pytest.mark.parametrize("kind, address, problem", [
    ("wecom", "", r"destination is empty: give the robot's webhook URL \(https://qyapi"),
    ("wecom", f"ftp://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={WECOM_KEY}", "not ftp://"),
    ("wecom", f"qyapi.weixin.qq.com/cgi-bin/webhook/send?key={WECOM_KEY}", "not no scheme"),
    ("wecom", f"javascript:alert(1)//?key={WECOM_KEY}", "not javascript://"),
    ("wecom", f"https:///cgi-bin/webhook/send?key={WECOM_KEY}", "has no host name"),
    ("wecom", f"https://user:pw@qyapi.weixin.qq.com/cgi-bin/webhook/send?key={WECOM_KEY}", "user name or password"),
    ("wecom", f"https://qyapi.weixin.qq.com:99999/cgi-bin/webhook/send?key={WECOM_KEY}", "invalid port"),
    ("wecom", f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={WECOM_KEY}#top", "no #fragment"),
    ("wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send", r"needs its key=… in the query"),
    ("wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=", r"needs its key=…"),
    ("wecom", f"https://oapi.dingtalk.com/robot/send?access_token={DINGTALK_TOKEN}", r"needs its key=…"),
    ("wecom", f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={WECOM_KEY}&key=other", "key= more than once"),
    ("wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=a%22b", "has characters a key does not have"),
    ("wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=a b", "space or a line break"),
    ("wecom", f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={WECOM_KEY}\r\nX-Evil: 1", "space or a line break"),
    ("wecom", f" https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={WECOM_KEY}", "space or a line break"),
    ("wecom", "https://qyapi.weixin.qq.com/send?key=" + "k" * 2000, "longer than 2000 characters"),
    ("dingtalk", "https://oapi.dingtalk.com/robot/send", r"needs its access_token=… in the query"),
    ("dingtalk", f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={WECOM_KEY}", r"needs its access_token=…"),
    ("dingtalk", f"https://oapi.dingtalk.com/robot/send?access_token={DINGTALK_TOKEN}&timestamp=1&sign=x",
     "must not carry timestamp= or sign="),
    ("dingtalk", f"https://oapi.dingtalk.com/robot/send?access_token={DINGTALK_TOKEN}&&", "query .* is malformed"),
    ("sms", "13800138000", "unknown channel 'sms': use one of email, wecom, dingtalk"),
    ("email", f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={WECOM_KEY}", "not an e-mail address"),
])
def test_bad_webhooks_are_refused(kind, address, problem):
    with pytest.raises(ChannelError, match=problem) as caught:
        target(kind, address)
    assert WECOM_KEY not in str(caught.value) and DINGTALK_TOKEN not in str(caught.value)


@pytest.mark.parametrize("kind, address, secret, problem", [
    ("wecom", f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={WECOM_KEY}", "SECabc",
     "only a DingTalk robot has a signing secret; a WeCom robot's key is part of its URL"),
    ("email", "zhang.san@ft.example.gov.cn", "SECabc", "only a DingTalk robot has a signing secret"),
    ("dingtalk", f"https://oapi.dingtalk.com/robot/send?access_token={DINGTALK_TOKEN}", "SEC abc",
     "signing secret contains a space"),
    ("dingtalk", f"https://oapi.dingtalk.com/robot/send?access_token={DINGTALK_TOKEN}", "SECabc\n",
     "signing secret contains a space or a line break"),
    ("dingtalk", f"https://oapi.dingtalk.com/robot/send?access_token={DINGTALK_TOKEN}", "S" * 201,
     "longer than 200 characters"),
])
def test_bad_secrets_are_refused(kind, address, secret, problem):
    with pytest.raises(ChannelError, match=problem) as caught:
        target(kind, address, secret)
    assert secret not in str(caught.value)


def test_a_target_cannot_be_made_invalid_by_building_it_directly():
    with pytest.raises(ChannelError, match="needs exactly one @"):
        Target("email", "nobody")
    assert Target("dingtalk", f"https://oapi.dingtalk.com/robot/send?access_token={DINGTALK_TOKEN}", "  ").secret is None


@pytest.mark.parametrize("timeout", [0, -1, float("nan")])
def test_a_timeout_must_be_positive(timeout):
    with pytest.raises(ValueError, match="timeout must be more than 0 seconds"):
        send(target("email", "zhang.san@ft.example.gov.cn"), MESSAGE, timeout=timeout)
