"""The app's own HTTP routes beside Streamlit's: the sign-in endpoint and /healthz.

Signing in is a plain HTML form that the sign-in screen posts here. The answer sets the session cookie
and sends the browser back to the page it came from, whose new page load opens a Streamlit session
that carries the cookie: an HttpOnly cookie can only be set by an HTTP response, never by a script
run over Streamlit's websocket.
"""

from __future__ import annotations

import os
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from data_access import config, dataset, sessions, users
from data_access.engine import get_engine

COOKIE = "dashboard_session"
SIGN_IN_PATH = "/sign-in"
# The query parameter that tells the sign-in screen why the last attempt failed.
OUTCOME_PARAM = "signin"
MAX_FORM_BYTES = 16_384


def safe_next(raw: object) -> str:
    """A path on this site to return to; anything else (another host, a scheme, garbage) is the root."""
    text = raw if isinstance(raw, str) else ""
    parts = urlsplit(text)
    if (not text.startswith("/") or text.startswith("//") or "\\" in text or parts.scheme or parts.netloc
            or any(ord(c) < 0x20 for c in text)):
        return "/"
    return urlunsplit(("", "", parts.path, parts.query, ""))


def with_outcome(path: str, outcome: str) -> str:
    parts = urlsplit(path)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != OUTCOME_PARAM]
    return urlunsplit(("", "", parts.path, urlencode([*query, (OUTCOME_PARAM, outcome)]), ""))


def same_origin(request: Request) -> bool:
    """The rule Streamlit's websocket applies: no Origin header, or one naming the Host it was sent to."""
    origin = request.headers.get("origin")
    return origin is None or urlsplit(origin).netloc == request.headers.get("host")


def _open_session(username: str, password: str) -> str:
    engine = get_engine(config.database_url())
    user = users.authenticate(engine, username, password)
    return sessions.open_session(engine, user, config.secret_key(), config.session_lifetime())


async def sign_in(request: Request) -> Response:
    if request.method != "POST":
        return RedirectResponse("/", status_code=303)
    if not same_origin(request):
        return PlainTextResponse("sign-in refused: the form was sent from another site", status_code=403)
    try:
        too_big = int(request.headers.get("content-length") or 0) > MAX_FORM_BYTES
    except ValueError:
        too_big = True
    if too_big:
        return PlainTextResponse("sign-in refused: the form is too large", status_code=413)
    form = await request.form(max_files=0, max_fields=10)
    username, password = str(form.get("username") or "").strip(), str(form.get("password") or "")
    back = safe_next(form.get("next"))
    try:
        cookie = await run_in_threadpool(_open_session, username, password)
    except users.SignInError as exc:
        return RedirectResponse(with_outcome(back, exc.reason), status_code=303)
    except SQLAlchemyError:
        return RedirectResponse(with_outcome(back, "unavailable"), status_code=303)
    response = RedirectResponse(back, status_code=303, headers={"Cache-Control": "no-store"})
    response.set_cookie(COOKIE, cookie, max_age=int(config.session_lifetime().total_seconds()), path="/",
                        secure=request.url.scheme == "https", httponly=True, samesite="strict")
    return response


def healthz(_request: Request) -> Response:
    """200 when the database answers and its migrations are at head, else 503; JSON either way."""
    report = dataset.service_health(get_engine(config.database_url()))
    return JSONResponse(report, status_code=200 if report["ok"] else 503, headers={"Cache-Control": "no-store"})


def routes() -> list[Route]:
    return [Route(SIGN_IN_PATH, sign_in, methods=["GET", "POST"]), Route("/healthz", healthz, methods=["GET", "HEAD"])]


def middleware() -> list[Middleware]:
    """Believe X-Forwarded-Proto and X-Forwarded-For only from the proxies in ``FORWARDED_ALLOW_IPS``
    (uvicorn's own setting; default the loopback addresses), whatever server runs the app."""
    trusted = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
    return [Middleware(ProxyHeadersMiddleware, trusted_hosts=trusted)]
