"""Servers on loopback that play the bureau's mail server (aiosmtpd) and the WeCom and DingTalk robots (an HTTP
server), shared by the channel tests and the end-to-end tests of digests and alerts."""

from __future__ import annotations

import email
import email.policy
import json
import ssl
import threading
import time
import urllib.parse
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from deploy.loopback import free_port

SMTP_USER, SMTP_PASSWORD = "dashboard@ft.example.gov.cn", "Pa55-word-for-the-mail"
SENDER = "福田区未保看板 <dashboard@ft.example.gov.cn>"


# --- the mail server ---------------------------------------------------------------------------


def server_context(folder: Path) -> ssl.SSLContext:
    """The server side of TLS with the certificate deploy/make-self-signed-cert made in ``folder``."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(folder / "dashboard.crt", folder / "dashboard.key")
    return context


class Inbox:
    """What the mail server received; ``refuse`` holds recipients it answers 550 for."""

    def __init__(self):
        self.envelopes = []
        self.refuse = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 OK: queued"

    def messages(self) -> list[email.message.EmailMessage]:
        return [email.message_from_bytes(e.content, policy=email.policy.default) for e in self.envelopes]

    def only_message(self) -> email.message.EmailMessage:
        [message] = self.messages()
        return message


def check_password(server, session, envelope, mechanism, auth_data):
    right = (auth_data.login.decode(), auth_data.password.decode()) == (SMTP_USER, SMTP_PASSWORD)
    return AuthResult(success=right, handled=False)  # not handled: the server answers 535 itself


@contextmanager
def smtp_server(**smtp_options):
    """(inbox, port) of an SMTP server on 127.0.0.1 for the duration of the block."""
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **smtp_options)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def use_smtp(monkeypatch, port: int, security: str, user: str | None = SMTP_USER,
             password: str | None = SMTP_PASSWORD) -> None:
    """The DASHBOARD_SMTP_* settings for the server on ``port`` (subprocesses inherit them)."""
    monkeypatch.setenv("DASHBOARD_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("DASHBOARD_SMTP_PORT", str(port))
    monkeypatch.setenv("DASHBOARD_SMTP_SECURITY", security)
    monkeypatch.setenv("DASHBOARD_SMTP_FROM", SENDER)
    for name, value in (("DASHBOARD_SMTP_USER", user), ("DASHBOARD_SMTP_PASSWORD", password)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)


def trust(monkeypatch, folder: Path) -> None:
    """The client trusts the test certificate as it would the intranet CA in the system's store."""
    monkeypatch.setenv("SSL_CERT_FILE", str(folder / "dashboard.crt"))


# --- the chat robots ---------------------------------------------------------------------------


class Robot:
    """Records each request; answers with the next of ``replies`` (status, body, seconds to wait first), or
    with success once there are none left."""

    def __init__(self, port: int):
        self.port = port
        self.requests: list[dict] = []
        self.replies: list[tuple[int, bytes, float]] = []

    def answer(self, status: int = 200, body: bytes | dict = b'{"errcode":0,"errmsg":"ok"}', delay: float = 0):
        self.replies.append((status, json.dumps(body).encode() if isinstance(body, dict) else body, delay))

    def url(self, path_and_query: str) -> str:
        return f"http://127.0.0.1:{self.port}{path_and_query}"

    def payloads(self, path: str) -> list[dict]:
        """The JSON bodies posted to ``path``, in order."""
        return [json.loads(r["body"]) for r in self.requests if r["path"] == path]


@contextmanager
def robot_server():
    """A Robot listening on 127.0.0.1 for the duration of the block."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), None)
    state = Robot(server.server_address[1])

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            parts = urllib.parse.urlsplit(self.path)
            state.requests.append({"path": parts.path, "query": urllib.parse.parse_qs(parts.query),
                                   "content_type": self.headers["Content-Type"], "body": body})
            status, reply, delay = state.replies.pop(0) if state.replies else (200, b'{"errcode":0}', 0)
            time.sleep(delay)
            self.send_response(status)
            if 300 <= status < 400:
                self.send_header("Location", state.url("/elsewhere"))
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args):
            pass

    server.RequestHandlerClass = Handler
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
