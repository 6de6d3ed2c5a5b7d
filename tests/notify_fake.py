"""A stand-in for notify.channels with the same interface, used when the real module is not installed,
and a recorder that tests put in place of notify.runner.deliver."""

from __future__ import annotations

import importlib
import re
import sys
import types
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mime_type: str


@dataclass(frozen=True)
class Message:
    subject: str
    text: str
    markdown: str
    attachments: tuple = ()


@dataclass(frozen=True)
class Target:
    kind: str
    address: str
    secret: str | None = None

    def redacted(self) -> str:
        if self.kind == "email":
            return self.address
        parts = urlsplit(self.address)
        query = urlencode([(k, "***") for k, _ in parse_qsl(parts.query)])
        return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


class ChannelError(ValueError):
    pass


class DeliveryError(Exception):
    pass


def target(kind: str, address: str, secret: str | None = None) -> Target:
    if kind not in ("email", "wecom", "dingtalk"):
        raise ChannelError(f"unknown channel {kind!r}")
    if kind == "email":
        if not EMAIL.match(address or ""):
            raise ChannelError(f"{address!r} is not an e-mail address")
    elif not (address or "").startswith(("https://", "http://")) or not urlsplit(address).netloc:
        raise ChannelError(f"{address!r} is not a webhook URL (https://...)")
    return Target(kind, address, secret)


def send(target: Target, message: Message, *, timeout: float = 10.0) -> None:
    raise DeliveryError("the stand-in channel module sends nothing")


def install() -> types.ModuleType:
    """notify.channels: the real module when there is one, else this stand-in."""
    try:
        return importlib.import_module("notify.channels")
    except ModuleNotFoundError:
        module = sys.modules[__name__]
        sys.modules["notify.channels"] = module
        import notify

        notify.channels = module
        return module


class Outbox:
    """Records every message instead of sending it; ``fail`` makes the next sends raise DeliveryError."""

    def __init__(self, channels):
        self.channels = channels
        self.sent: list[tuple] = []
        self.failures: list[str] = []

    def __call__(self, target, message) -> None:
        if self.failures:
            raise self.channels.DeliveryError(self.failures.pop(0))
        self.sent.append((target, message))
