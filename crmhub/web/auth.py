"""Who is asking, and may they: FastAPI dependencies for pages (session cookie + CSRF) and the
JSON API (bearer token).

Pages and API are kept apart on purpose: the API takes no cookies, so a browser can never be
tricked into calling it, and pages take no tokens.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from crmhub.web.context import web_context
from crmhub.web.cookies import CSRF_COOKIE, SESSION_COOKIE
from crmhub.web.csrf import FORM_FIELD, HEADER, csrf_matches
from crmhub.web.errors import CsrfRejected, Forbidden, NotAuthenticated
from crmhub.web.roles import PERMISSION_ROLE, Permission, allows
from crmhub.web.sessions import user_for_session
from crmhub.web.tokens import user_for_token
from crmhub.web.users import User

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def session_token(request: Request) -> str | None:
    """The session token from the signed cookie, if any (not checked against the store)."""
    return web_context(request).cookies.read(request, SESSION_COOKIE)


async def csrf_guard(request: Request) -> None:
    """Refuse an unsafe request whose form (or X-CSRF-Token header) lacks this browser's token."""
    if request.method not in UNSAFE_METHODS:
        return
    ctx = web_context(request)
    submitted = request.headers.get(HEADER)
    if submitted is None and "form" in request.headers.get("content-type", ""):
        submitted = str((await request.form()).get(FORM_FIELD) or "") or None
    browser_value = ctx.cookies.read(request, CSRF_COOKIE)
    if not csrf_matches(ctx.secret, browser_value, session_token(request), submitted):
        raise CsrfRejected(
            "the form was sent without a valid security (CSRF) token",
            hint="reload the page and send the form again; if it keeps happening, "
            "allow cookies for this site",
        )


def page_user(request: Request) -> User:
    """The logged-in user of a page request; :class:`NotAuthenticated` without a live session."""
    ctx = web_context(request)
    token = session_token(request)
    user = user_for_session(ctx.engine, token, ctx.now()) if token else None
    if user is None:
        raise NotAuthenticated("please log in", hint="your session may have expired")
    request.state.user = user
    return user


def api_user(request: Request) -> User:
    """The user an API request's bearer token acts as; :class:`NotAuthenticated` otherwise."""
    ctx = web_context(request)
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    user = None
    if scheme.lower() == "bearer" and token.strip():
        user = user_for_token(ctx.engine, token.strip(), ctx.now())
    if user is None:
        raise NotAuthenticated(
            "a valid API token is needed (Authorization: Bearer <token>)",
            hint="create one with `crmhub users tokens create NAME`; a revoked token stops working",
        )
    request.state.user = user
    return user


def _permission_check(permission: Permission, who: Callable[..., User]) -> Callable[..., User]:
    # A default, not Annotated: under postponed annotations FastAPI could not see `who`.
    def check(user: User = Depends(who)) -> User:  # noqa: B008
        if not allows(user.role, permission):
            raise Forbidden(
                f"{user.name} is a {user.role} and cannot {permission.value.replace('_', ' ')}",
                hint=f"this needs the {PERMISSION_ROLE[permission]} role; ask an administrator",
            )
        return user

    return check


def page_permission(permission: Permission) -> Callable[..., User]:
    """Dependency: the page user, if their role has ``permission`` (else :class:`Forbidden`)."""
    return _permission_check(permission, page_user)


def api_permission(permission: Permission) -> Callable[..., User]:
    """Dependency: the API user, if their token's role has ``permission``."""
    return _permission_check(permission, api_user)


# Route parameter types: the user of a page (session) or API call (token) holding a permission.
PageDecider = Annotated[User, Depends(page_permission(Permission.DECIDE))]
PageGoldenEditor = Annotated[User, Depends(page_permission(Permission.CHANGE_GOLDEN))]
PageAdmin = Annotated[User, Depends(page_permission(Permission.MANAGE_USERS))]
ApiReader = Annotated[User, Depends(api_permission(Permission.READ))]
ApiDecider = Annotated[User, Depends(api_permission(Permission.DECIDE))]
ApiGoldenEditor = Annotated[User, Depends(api_permission(Permission.CHANGE_GOLDEN))]
ApiAdmin = Annotated[User, Depends(api_permission(Permission.MANAGE_USERS))]
