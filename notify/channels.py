"""One message to one destination: e-mail through the bureau's mail server (SMTP), or a WeCom or DingTalk group
robot's webhook. A destination is checked when it is made (``target``); a send either reaches the channel and is
accepted by it, or raises ``DeliveryError`` whose text is safe to store and show: robot keys, access tokens,
signing secrets and the mail password never appear in it, in ``Target.redacted()`` or in the log."""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import logging
import re
import smtplib
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from catalogue.i18n import t
from data_access import config

log = logging.getLogger(__name__)

KINDS = ("email", "wecom", "dingtalk")
CHANNEL_NAMES = {"email": "e-mail", "wecom": "WeCom robot", "dingtalk": "DingTalk robot"}
# The query parameter that holds each robot's credential, and what a correct URL looks like.
WEBHOOK_KEYS = {"wecom": "key", "dingtalk": "access_token"}
WEBHOOK_EXAMPLES = {"wecom": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=KEY",
                    "dingtalk": "https://oapi.dingtalk.com/robot/send?access_token=TOKEN"}
# WeCom refuses a markdown message longer than 4096 bytes; DingTalk accepts far more, but not without end.
MARKDOWN_LIMITS = {"wecom": 4096, "dingtalk": 20000}
MAX_ADDRESS = 2000
MAX_REPLY = 65536
MAX_DETAIL = 200

_LOCAL_PART = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_DOMAIN = re.compile(rf"{_LABEL}(\.{_LABEL})*")
_CREDENTIAL = re.compile(r"[A-Za-z0-9._~-]+")
_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f]")


class ChannelError(ValueError):
    """A destination that cannot be used; the message says what is wrong and why."""


class DeliveryError(Exception):
    """A send that failed: unreachable, refused, or answered with an error. The text holds no secret."""


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mime_type: str


@dataclass(frozen=True)
class Message:
    subject: str
    text: str  # plain-text body (e-mail)
    markdown: str  # chat body (WeCom / DingTalk markdown); it carries its own heading
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True, repr=False)
class Target:
    """One destination. Made only valid: the checks run on creation and raise ``ChannelError``; an empty
    secret means none."""

    kind: str  # "email" | "wecom" | "dingtalk"
    address: str  # e-mail address or webhook URL
    secret: str | None = None  # DingTalk signing secret

    def __post_init__(self) -> None:
        if self.secret is not None and not str(self.secret).strip():
            object.__setattr__(self, "secret", None)
        _check(self)

    def redacted(self) -> str:
        """The address for screens and logs: a robot URL's query values masked (a long key shows its last 4)."""
        if self.kind == "email":
            return self.address
        parts = urllib.parse.urlsplit(self.address)
        query = "&".join(f"{name}={_mask(value)}" for name, value in urllib.parse.parse_qsl(parts.query,
                                                                                            keep_blank_values=True))
        return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))

    def __repr__(self) -> str:
        secret = ", signed" if self.secret else ""
        return f"Target({self.kind}, {self.redacted()}{secret})"


def target(kind: str, address: str, secret: str | None = None) -> Target:
    """A checked destination; ``ChannelError`` says what is wrong with it."""
    return Target(kind, address, secret)


def send(target: Target, message: Message, *, timeout: float = 10.0) -> None:
    """Deliver ``message`` to ``target``, or raise ``DeliveryError``. A robot that answers with an error code is a
    failure, not a success."""
    if not timeout > 0:
        raise ValueError(f"timeout must be more than 0 seconds, not {timeout!r}")
    if target.kind == "email":
        _send_email(target, message, timeout)
    elif target.kind == "wecom":
        payload = {"msgtype": "markdown", "markdown": {"content": fit_markdown(message.markdown, "wecom")}}
        _post_robot(target, target.address, payload, timeout)
    else:
        payload = {"msgtype": "markdown", "markdown": {"title": _one_line(message.subject),
                                                       "text": fit_markdown(message.markdown, "dingtalk")}}
        _post_robot(target, dingtalk_url(target), payload, timeout)
    log.info("sent a message to the %s %s", CHANNEL_NAMES[target.kind], target.redacted())


# --- checks ----------------------------------------------------------------------------------


def _check(target: Target) -> None:
    kind, address, secret = target.kind, target.address, target.secret
    if kind not in KINDS:
        raise ChannelError(f"unknown channel {kind!r}: use one of {', '.join(KINDS)}")
    name = CHANNEL_NAMES[kind]
    if not isinstance(address, str) or not address.strip():
        wanted = "an e-mail address" if kind == "email" else f"the robot's webhook URL ({WEBHOOK_EXAMPLES[kind]})"
        raise ChannelError(f"the {name} destination is empty: give {wanted}")
    if len(address) > MAX_ADDRESS:
        raise ChannelError(f"the {name} destination is longer than {MAX_ADDRESS} characters")
    if _SPACE_OR_CONTROL.search(address):
        raise ChannelError(f"the {name} destination contains a space or a line break; "
                           "give exactly one address, without spaces")
    if secret is not None and kind != "dingtalk":
        raise ChannelError("only a DingTalk robot has a signing secret"
                           + ("; a WeCom robot's key is part of its URL" if kind == "wecom" else ""))
    if secret is not None:
        if not isinstance(secret, str) or _SPACE_OR_CONTROL.search(secret):
            raise ChannelError("the DingTalk signing secret contains a space or a line break; copy it again "
                               "from the robot's security settings (it begins with SEC)")
        if len(secret) > 200:
            raise ChannelError("the DingTalk signing secret is longer than 200 characters")
    problem = check_email_address(address) if kind == "email" else _check_webhook(kind, address)
    if problem:
        raise ChannelError(problem)


def check_email_address(address: str) -> str | None:
    """What is wrong with ``address`` as one plain e-mail address (name@host), or None."""
    if any(mark in address for mark in ",;"):
        return "the e-mail destination holds more than one address: give one address per destination"
    if address.count("@") != 1:
        return "this is not an e-mail address: it needs exactly one @, as in name@example.gov.cn"
    local, domain = address.split("@")
    if len(address) > 254:
        return "an e-mail address has at most 254 characters"
    if not local or not _LOCAL_PART.fullmatch(local) or len(local) > 64:
        return ("this is not an e-mail address: the part before @ must be letters, digits or . _ - + "
                "(no quotes, brackets or names, at most 64 characters)")
    if not domain or not _DOMAIN.fullmatch(domain):
        return "this is not an e-mail address: the part after @ is not a host name (letters, digits, - and .)"
    return None


def _check_webhook(kind: str, address: str) -> str | None:
    name, example, key = CHANNEL_NAMES[kind], WEBHOOK_EXAMPLES[kind], WEBHOOK_KEYS[kind]
    parts = urllib.parse.urlsplit(address)
    if parts.scheme.lower() not in ("http", "https"):
        scheme = f"{parts.scheme}://" if parts.scheme else "no scheme"
        return f"a {name} webhook URL must begin with https:// (or http:// on the intranet), not {scheme}; e.g. {example}"
    if "@" in parts.netloc:
        return f"a {name} webhook URL must not hold a user name or password before its host"
    if not parts.hostname:
        return f"the {name} webhook URL has no host name; e.g. {example}"
    try:
        parts.port
    except ValueError:
        return f"the {name} webhook URL has an invalid port"
    if parts.fragment or address.endswith("#"):
        return f"a {name} webhook URL has no #fragment"
    try:
        query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query))
    except ValueError:
        return f"the {name} webhook URL's query (after ?) is malformed; e.g. {example}"
    values = [value for field, value in query if field == key]
    if not values or not values[0]:
        return f"a {name} webhook URL needs its {key}=… in the query, as in {example}"
    if len(values) > 1:
        return f"the {name} webhook URL has {key}= more than once"
    if not _CREDENTIAL.fullmatch(values[0]):
        return f"the {key} in the {name} webhook URL has characters a {key} does not have; copy the URL again"
    if kind == "dingtalk" and any(field in ("timestamp", "sign") for field, _ in query):
        return "a DingTalk webhook URL must not carry timestamp= or sign=: they are added to each message"
    return None


def _mask(value: str) -> str:
    return f"****{value[-4:]}" if len(value) >= 16 else "****"


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


# --- chat robots -----------------------------------------------------------------------------


def fit_markdown(text: str, kind: str) -> str:
    """``text`` cut, at a line break where one is near, to what the robot accepts, with a note that it was cut."""
    limit = MARKDOWN_LIMITS[kind]
    if len(text.encode()) <= limit:
        return text
    note = f"\n\n{t('notify.truncated', 'zh')}\n{t('notify.truncated', 'en')}"
    room = limit - len(note.encode())
    kept = text.encode()[:room].decode(errors="ignore")
    line_end = kept.rfind("\n")
    if line_end > len(kept) // 2:
        kept = kept[:line_end]  # a whole last line: no link or emphasis left half open
    return kept.rstrip() + note


def dingtalk_url(target: Target, now_ms: int | None = None) -> str:
    """The URL a DingTalk message is posted to: with a signing secret, ``timestamp`` (ms) and ``sign`` added,
    sign = base64(HMAC-SHA256(secret, "timestamp\\nsecret")) as DingTalk's robot security settings ask."""
    if not target.secret:
        return target.address
    timestamp = str(now_ms if now_ms is not None else round(time.time() * 1000))
    digest = hmac.new(target.secret.encode(), f"{timestamp}\n{target.secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest).decode())
    return f"{target.address}&timestamp={timestamp}&sign={sign}"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A robot answers where it is asked; a redirect would carry the message (and key) elsewhere."""

    def redirect_request(self, *args, **kwargs):
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def _post_robot(target: Target, url: str, payload: dict, timeout: float) -> None:
    where = f"the {CHANNEL_NAMES[target.kind]} at {target.redacted()}"
    request = urllib.request.Request(url, data=json.dumps(payload, ensure_ascii=False).encode(), method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8"})
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            body = response.read(MAX_REPLY)
    except urllib.error.HTTPError as exc:
        exc.close()
        raise _failure(target, f"{where} answered HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise _failure(target, f"{where}: {_network_problem(exc.reason, timeout)}") from None
    except (OSError, http.client.HTTPException) as exc:
        raise _failure(target, f"{where}: {_network_problem(exc, timeout)}") from None
    try:
        reply = json.loads(body)
    except ValueError:
        reply = None
    if not isinstance(reply, dict):
        raise _failure(target, f"{where} answered with something other than a JSON object: {_snippet(body)}")
    code = reply.get("errcode")
    if type(code) is not int or code != 0:
        raise _failure(target, f"{where} refused the message: errcode {code}, errmsg {_snippet(reply.get('errmsg'))}")


def _network_problem(reason: object, timeout: float) -> str:
    if isinstance(reason, TimeoutError):
        return f"no answer within {timeout:g} s"
    if isinstance(reason, ssl.SSLCertVerificationError):
        return f"its certificate is not trusted ({reason.verify_message})"
    if isinstance(reason, http.client.HTTPException):
        return f"no valid HTTP answer ({type(reason).__name__})"
    if isinstance(reason, OSError):
        return f"cannot be reached ({reason.strerror or type(reason).__name__})"
    return f"cannot be reached ({reason})"


# --- e-mail ----------------------------------------------------------------------------------


def email_message(sender: str, recipient: str, message: Message) -> EmailMessage:
    """The MIME message: the plain text, then each attachment; non-ASCII subject and file names encoded."""
    mail = EmailMessage()
    mail["Subject"] = _one_line(message.subject)
    mail["From"] = sender
    mail["To"] = recipient
    mail["Date"] = formatdate(localtime=True)
    mail["Message-ID"] = make_msgid(domain=parseaddr(sender)[1].rpartition("@")[2] or None)
    mail.set_content(message.text)
    for attachment in message.attachments:
        maintype, _, subtype = attachment.mime_type.partition("/")
        if not (maintype and subtype) or _SPACE_OR_CONTROL.search(attachment.mime_type):
            maintype, subtype = "application", "octet-stream"
        mail.add_attachment(bytes(attachment.content), maintype=maintype, subtype=subtype,
                            filename=_one_line(attachment.filename) or "attachment")
    return mail


def _send_email(target: Target, message: Message, timeout: float) -> None:
    try:
        settings = config.smtp_settings()
    except ValueError as exc:
        raise DeliveryError(str(exc)) from None
    problem = check_email_address(parseaddr(settings.sender)[1] or settings.sender)
    if problem:
        raise DeliveryError(f"DASHBOARD_SMTP_FROM: {problem}")
    mail = email_message(settings.sender, target.address, message)
    where = f"the mail server {settings.host}:{settings.port}"
    hidden = (settings.password,)
    step = "connecting"
    try:
        if settings.security == "ssl":
            client = smtplib.SMTP_SSL(settings.host, settings.port, timeout=timeout,
                                      context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(settings.host, settings.port, timeout=timeout)
        with client:
            if settings.security == "starttls":
                step = "starting TLS"
                client.starttls(context=ssl.create_default_context())
            if settings.user:
                step = "signing in"
                client.login(settings.user, settings.password or "")
            step = "sending"
            refused = client.send_message(mail)
    except smtplib.SMTPAuthenticationError as exc:
        raise _failure(target, f"{where} refused the sign-in of {settings.user}: {_reply(exc)}", hidden) from None
    except smtplib.SMTPRecipientsRefused as exc:
        details = "; ".join(f"{who}: {_reply(answer)}" for who, answer in exc.recipients.items())
        raise _failure(target, f"{where} refused the recipient ({details})", hidden) from None
    except smtplib.SMTPSenderRefused as exc:
        raise _failure(target, f"{where} refused the sender {settings.sender}: {_reply(exc)}", hidden) from None
    except smtplib.SMTPResponseException as exc:
        raise _failure(target, f"{where} answered {_reply(exc)} while {step}", hidden) from None
    except smtplib.SMTPNotSupportedError:
        offer = "STARTTLS (set DASHBOARD_SMTP_SECURITY)" if step == "starting TLS" else "sign-in (AUTH)"
        raise _failure(target, f"{where} does not offer {offer}", hidden) from None
    except smtplib.SMTPServerDisconnected as exc:
        if isinstance(exc.__context__, TimeoutError):  # smtplib reports a reply that never came as a disconnection
            raise _failure(target, f"{where}: no answer within {timeout:g} s while {step}", hidden) from None
        raise _failure(target, f"{where} closed the connection while {step}", hidden) from None
    except smtplib.SMTPException as exc:
        raise _failure(target, f"{where}: {exc} while {step}", hidden) from None
    except ssl.SSLCertVerificationError as exc:
        raise _failure(target, f"{where}'s certificate is not trusted ({exc.verify_message}); "
                               "add the intranet CA to the system's trusted certificates", hidden) from None
    except ssl.SSLError as exc:
        raise _failure(target, f"TLS with {where} failed while {step} ({exc.reason or exc})", hidden) from None
    except OSError as exc:
        raise _failure(target, f"{where}: {_network_problem(exc, timeout)} while {step}", hidden) from None
    if refused:
        raise _failure(target, f"{where} refused the recipient {', '.join(refused)}", hidden)


def _reply(exc_or_answer: object) -> str:
    if isinstance(exc_or_answer, smtplib.SMTPResponseException):
        code, text = exc_or_answer.smtp_code, exc_or_answer.smtp_error
    else:
        code, text = exc_or_answer
    return f"{code} {_snippet(text)}"


# --- messages that are safe to keep ----------------------------------------------------------


def _snippet(value: object) -> str:
    if isinstance(value, bytes):
        value = value.decode(errors="replace")
    text = _one_line("" if value is None else value)
    return text if len(text) <= MAX_DETAIL else text[:MAX_DETAIL] + "…"


def _failure(target: Target, text: str, hidden: tuple[str | None, ...] = ()) -> DeliveryError:
    """A DeliveryError whose text has every credential of ``target`` (and ``hidden``) masked, in case a server
    echoed one back."""
    credentials = [target.secret, *hidden]
    if target.kind in WEBHOOK_KEYS:
        query = urllib.parse.urlsplit(target.address).query
        credentials += [value for name, value in urllib.parse.parse_qsl(query) if name == WEBHOOK_KEYS[target.kind]]
    for credential in credentials:
        if credential and len(credential) >= 4:
            text = text.replace(credential, "****")
    return DeliveryError(text)
