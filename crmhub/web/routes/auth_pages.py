"""Log in and log out (the only pages reachable without a session)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from crmhub.web.auth import csrf_guard, session_token
from crmhub.web.context import web_context
from crmhub.web.cookies import SESSION_COOKIE
from crmhub.web.routes.common import FormFields, redirect_to
from crmhub.web.sessions import end_session, start_session
from crmhub.web.templating import app_path, render
from crmhub.web.users import check_password

router = APIRouter(dependencies=[Depends(csrf_guard)])


def _safe_next(request: Request, wanted: str | None) -> str:
    """Where to go after login: a path inside this app, never another site."""
    root = request.scope.get("root_path", "").rstrip("/") + "/"
    if wanted and wanted.startswith(root) and not wanted.startswith("//") and "\\" not in wanted:
        return wanted
    return app_path(request, "queue")


def client_address(request: Request) -> str:
    """The client's address (behind a proxy: run uvicorn with --proxy-headers)."""
    return request.client.host if request.client else "unknown"


@router.get("/login", name="login", response_class=HTMLResponse)
def login_page(request: Request, next: str | None = None) -> Response:
    """The login form."""
    return render(request, "login.html", {"next": _safe_next(request, next), "error": None})


@router.post("/login", name="login_submit", response_class=HTMLResponse)
def login_submit(request: Request, fields: FormFields) -> Response:
    """Check the name and password; start a session and go where the user was going."""
    ctx = web_context(request)
    name, password = fields.get("name", "").strip(), fields.get("password", "")
    address, now = client_address(request), ctx.now()
    ctx.login_limiter.check(name, address, now)
    user = check_password(ctx.engine, ctx.passwords, name, password) if name else None
    if user is None:
        ctx.login_limiter.failed(name, address, now)
        return render(
            request,
            "login.html",
            {
                "next": _safe_next(request, fields.get("next")),
                "error": "Wrong user name or password (or the user is deactivated).",
            },
            status_code=401,
        )
    ctx.login_limiter.succeeded(name, address)
    token = start_session(ctx.engine, user, now=now, ttl=ctx.settings.session_ttl)
    response = RedirectResponse(_safe_next(request, fields.get("next")), status_code=303)
    ctx.cookies.write(request, response, SESSION_COOKIE, token, ctx.settings.session_ttl)
    return response


@router.post("/logout", name="logout")
def logout(request: Request) -> Response:
    """End the session (in the store, so a copy of the cookie stops working too)."""
    ctx = web_context(request)
    token = session_token(request)
    if token:
        end_session(ctx.engine, token)
    response = redirect_to(request, "login")
    ctx.cookies.clear(request, response, SESSION_COOKIE)
    return response
