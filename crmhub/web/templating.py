"""Rendering pages: Jinja2 templates with the helpers every page uses.

``url(name, **params)`` builds paths from route names under the app's root path, so the app
works mounted under any prefix (an Airflow plugin, a reverse proxy sub-path); ``csrf_token``
is the token every form must carry (``csrf.py``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from crmhub.web.context import web_context
from crmhub.web.cookies import CSRF_COOKIE
from crmhub.web.credentials import new_token
from crmhub.web.csrf import csrf_token

TEMPLATES_DIR = Path(__file__).with_name("templates")
CSRF_COOKIE_AGE = timedelta(days=30)

#: Sent with every page: no caching of customer data, no framing by other sites, scripts and
#: styles only from the app itself (inline style attributes carry the score bars).
PAGE_HEADERS: dict[str, str] = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "SAMEORIGIN",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; frame-ancestors 'self'; form-action 'self'",
}


def make_templates() -> Jinja2Templates:
    """A fresh template environment (autoescaping on)."""
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    templates.env.filters["when"] = _when
    templates.env.filters["pct"] = _pct
    return templates


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else ""


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


def app_path(
    request: Request, route_name: str, query: dict[str, Any] | None = None, /, **params: Any
) -> str:
    """The path of route ``route_name`` under this app's root path, with an optional query
    string (``params`` fill the route's path parameters)."""
    root = request.scope.get("root_path", "").rstrip("/")
    path = root + str(request.app.url_path_for(route_name, **params))
    shown = {k: v for k, v in (query or {}).items() if v not in (None, "")}
    return f"{path}?{urlencode(shown)}" if shown else path


def render(
    request: Request, template: str, context: dict[str, Any], *, status_code: int = 200
) -> HTMLResponse:
    """Render ``template`` with the common helpers; gives the browser its CSRF cookie."""
    from crmhub.web.auth import session_token

    ctx = web_context(request)
    browser_value = ctx.cookies.read(request, CSRF_COOKIE)
    fresh = browser_value is None
    if fresh:
        browser_value = new_token()
    values = {
        "request": request,
        "user": getattr(request.state, "user", None),
        "csrf_token": csrf_token(ctx.secret, browser_value, session_token(request)),
        "url": lambda route, query=None, /, **params: app_path(request, route, query, **params),
        **context,
    }
    response = ctx.templates.TemplateResponse(request, template, values, status_code=status_code)
    response.headers.update(PAGE_HEADERS)
    if fresh:
        ctx.cookies.write(request, response, CSRF_COOKIE, browser_value, CSRF_COOKIE_AGE)
    return response
