"""Configuration from the environment. Every setting has a default that works on a fresh machine."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("zh", "en")
# A date given without a time means the end of that working day.
END_OF_DAY = time(18, 0)
# Every timestamp in the database is naive local time in this zone.
LOCAL_ZONE = ZoneInfo("Asia/Shanghai")


def database_url() -> str:
    """``DATABASE_URL``, or the bundled SQLite file under var/."""
    return os.environ.get("DATABASE_URL") or default_database_url()


def data_dir() -> Path:
    """``DASHBOARD_DATA_DIR``: where the bundled sample database lives (default var/)."""
    return Path(os.environ.get("DASHBOARD_DATA_DIR") or PROJECT_ROOT / "var")


def default_sqlite_path() -> Path:
    return data_dir() / "dashboard.db"


def default_database_url() -> str:
    return f"sqlite:///{default_sqlite_path()}"


def to_local(moment: datetime) -> datetime:
    """A moment as naive local time, the way the database stores it."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(LOCAL_ZONE).replace(tzinfo=None)


def parse_as_of(text: str) -> datetime:
    """Read an ISO date or date-time; a bare date means 18:00 that day, an offset is converted."""
    text = text.strip()
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), END_OF_DAY)
        return to_local(datetime.fromisoformat(text))
    except ValueError as exc:
        raise ValueError(f"not an ISO date or date-time: {text!r} (expected e.g. 2022-06-30)") from exc


def as_of_override() -> datetime | None:
    """``DASHBOARD_AS_OF``: the moment the dashboard treats as now (for reviews and tests)."""
    text = os.environ.get("DASHBOARD_AS_OF")
    try:
        return parse_as_of(text) if text else None
    except ValueError as exc:
        raise ValueError(f"DASHBOARD_AS_OF: {exc}") from exc


def default_language() -> str:
    lang = os.environ.get("DASHBOARD_LANG", "zh").lower()
    return lang if lang in LANGUAGES else "zh"


def rules_file() -> Path | None:
    """``CASE_RULES_FILE``: the case rules (default data_access/case_rules.toml)."""
    text = os.environ.get("CASE_RULES_FILE")
    if text and not Path(text).is_file():
        raise ValueError(f"CASE_RULES_FILE names no file: {text!r}")
    return Path(text) if text else None


# --- the coverage map ------------------------------------------------------------------------

# Tile hosts whose maps are drawn in GCJ-02 or BD-09 rather than WGS84.
BASEMAP_HOST_CRS = (
    ("autonavi.com", "GCJ02"), ("amap.com", "GCJ02"), ("map.qq.com", "GCJ02"), ("gtimg.com", "GCJ02"),
    ("baidu.com", "BD09"), ("bdimg.com", "BD09"),
)


def basemap() -> str | None:
    """``DASHBOARD_BASEMAP``: a map style URL, or none (the default: no basemap, nothing fetched)."""
    text = (os.environ.get("DASHBOARD_BASEMAP") or "").strip()
    return None if text.lower() in ("", "none") else text


def basemap_crs() -> str:
    """``DASHBOARD_BASEMAP_CRS`` as written (checked by the page); else guessed from the basemap's host."""
    text = (os.environ.get("DASHBOARD_BASEMAP_CRS") or "").strip()
    if text:
        return text
    url = (basemap() or "").lower()
    return next((crs for host, crs in BASEMAP_HOST_CRS if host in url), "WGS84")


def boundary_file() -> Path | None:
    """``DASHBOARD_BOUNDARY_FILE``: an official GeoJSON file of the street boundaries."""
    text = (os.environ.get("DASHBOARD_BOUNDARY_FILE") or "").strip()
    return Path(text) if text else None


def boundary_crs() -> str:
    """``DASHBOARD_BOUNDARY_CRS`` as written (WGS84, GCJ02 or BD09; checked when the file is read)."""
    return (os.environ.get("DASHBOARD_BOUNDARY_CRS") or "WGS84").strip()


def _number(name: str, default: str, unit: str) -> float:
    text = os.environ.get(name, default)
    try:
        return float(text)
    except ValueError as exc:
        raise ValueError(f"{name} must be a number of {unit}, not {text!r}") from exc


def idle_timeout() -> timedelta:
    """``DASHBOARD_IDLE_MINUTES``: sign a viewer out after this long without activity (default 15)."""
    return timedelta(minutes=max(_number("DASHBOARD_IDLE_MINUTES", "15", "minutes"), 0.1))


def session_lifetime() -> timedelta:
    """``DASHBOARD_SESSION_HOURS``: a sign-in ends this long after it began, active or not (default 12)."""
    hours = _number("DASHBOARD_SESSION_HOURS", "12", "hours")
    if not 0 < hours <= 24 * 30:
        raise ValueError(f"DASHBOARD_SESSION_HOURS must be more than 0 and at most 720, not {hours:g}")
    return timedelta(hours=hours)



# --- outgoing mail ---------------------------------------------------------------------------

SMTP_SECURITY_PORTS = {"starttls": 587, "ssl": 465, "none": 25}


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str  # starttls, ssl or none
    user: str | None
    password: str | None = field(repr=False)
    sender: str


def smtp_settings() -> SmtpSettings:
    """The mail server digests and alerts are sent through: ``DASHBOARD_SMTP_HOST``, ``_PORT`` (default by
    security: 587, 465 or 25), ``_SECURITY`` (starttls, the default; ssl; none), ``_USER``, ``_PASSWORD`` and
    ``_FROM`` (default the user, when it is an address)."""
    host = (os.environ.get("DASHBOARD_SMTP_HOST") or "").strip()
    if not host:
        raise ValueError("DASHBOARD_SMTP_HOST is not set: there is no mail server to send e-mail through")
    security = (os.environ.get("DASHBOARD_SMTP_SECURITY") or "starttls").strip().lower()
    if security not in SMTP_SECURITY_PORTS:
        raise ValueError(f"DASHBOARD_SMTP_SECURITY must be starttls, ssl or none, not {security!r}")
    port_text = (os.environ.get("DASHBOARD_SMTP_PORT") or "").strip() or str(SMTP_SECURITY_PORTS[security])
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ValueError(f"DASHBOARD_SMTP_PORT must be a port number from 1 to 65535, not {port_text!r}")
    user = (os.environ.get("DASHBOARD_SMTP_USER") or "").strip() or None
    password = os.environ.get("DASHBOARD_SMTP_PASSWORD") or None
    if password and not user:
        raise ValueError("DASHBOARD_SMTP_PASSWORD is set without DASHBOARD_SMTP_USER")
    if user and security == "none":
        raise ValueError("DASHBOARD_SMTP_SECURITY=none would send the mail password unencrypted; "
                         "use starttls or ssl, or a relay that needs no sign-in")
    sender = (os.environ.get("DASHBOARD_SMTP_FROM") or "").strip() or (user if user and "@" in user else "")
    if not sender:
        raise ValueError("DASHBOARD_SMTP_FROM is not set: the address the messages come from")
    return SmtpSettings(host, int(port_text), security, user, password, sender)


MIN_SECRET_KEY = 32


def secret_key() -> str:
    """``DASHBOARD_SECRET_KEY`` signs the sign-in cookie; every process of one installation needs the same.

    Without it, a random key is made once and kept in ``secret_key`` under the data directory (readable
    by its owner only), which every process sharing that directory then uses.
    """
    text = _given_secret_key()
    if text:
        return text
    path = data_dir() / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".secret_key.{os.getpid()}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
        try:
            os.link(draft, path)  # atomic: when processes race, the first key stays and all read it
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    key = path.read_text().strip()
    if len(key) < MIN_SECRET_KEY:
        raise ValueError(f"{path} holds no usable key; delete it to have a new one made (everyone signs in again)")
    return key


def _given_secret_key() -> str:
    """``DASHBOARD_SECRET_KEY`` when it is set (checked), else ""."""
    text = os.environ.get("DASHBOARD_SECRET_KEY", "").strip()
    if text and len(text) < MIN_SECRET_KEY:
        raise ValueError(f"DASHBOARD_SECRET_KEY must have at least {MIN_SECRET_KEY} characters "
                         f"(e.g. the output of: python -c 'import secrets; print(secrets.token_hex(32))')")
    return text


def app_role() -> str | None:
    """``DASHBOARD_APP_ROLE``: the PostgreSQL role the app signs in as; migrations grant it what the app needs
    and nothing more. Unset: no grants (SQLite, or a database the app owns)."""
    return (os.environ.get("DASHBOARD_APP_ROLE") or "").strip() or None


DEFAULT_PUBLIC_URL = "http://localhost:8501"


def public_url() -> str:
    """``DASHBOARD_PUBLIC_URL``: the address people open the dashboard at (e.g. https://dashboard.bureau.example),
    used for the links in digests and alerts; default http://localhost:8501."""
    text = (os.environ.get("DASHBOARD_PUBLIC_URL") or DEFAULT_PUBLIC_URL).strip().rstrip("/")
    if not text.startswith(("http://", "https://")) or not text.split("//", 1)[1]:
        raise ValueError(f"DASHBOARD_PUBLIC_URL must start with http:// or https://, not {text!r}")
    return text


def check_settings() -> None:
    """Read every setting that can be wrong, so that a bad one stops a start (of the app or of a command) with a
    message naming it, not a page or a run later. The mail settings are checked once a mail server is named. Not
    checked: an unknown DASHBOARD_LANG means Chinese, and the map's coordinate systems fall back with a notice."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from data_access.rules import RulesError, load_rules

    try:
        make_url(database_url())
    except ArgumentError as exc:
        raise ValueError(f"DATABASE_URL is not a database URL: {exc}") from exc
    as_of_override()
    try:
        load_rules(rules_file())
    except RulesError as exc:
        raise ValueError(f"CASE_RULES_FILE: {exc}") from exc
    idle_timeout()
    session_lifetime()
    _given_secret_key()
    public_url()
    if (os.environ.get("DASHBOARD_SMTP_HOST") or "").strip():
        smtp_settings()


def exit_on_bad_settings() -> None:
    """check_settings at the start of a command: a bad setting ends it with its message."""
    try:
        check_settings()
    except ValueError as exc:
        raise SystemExit(f"error: {exc}") from None
