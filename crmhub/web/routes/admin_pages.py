"""Users, roles and API tokens (administrators only)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from crmhub.web.auth import PageAdmin
from crmhub.web.context import web_context
from crmhub.web.roles import Role, parse_role
from crmhub.web.routes.common import FormFields, redirect_to
from crmhub.web.templating import render
from crmhub.web.tokens import NewToken, create_token, list_tokens, revoke_token
from crmhub.web.users import create_user, list_users, set_active, set_role

router = APIRouter(prefix="/admin")


def _users_page(request: Request, new_token: NewToken | None = None) -> Response:
    engine = web_context(request).engine
    return render(
        request,
        "users.html",
        {
            "users": list_users(engine),
            "tokens": list_tokens(engine),
            "roles": list(Role),
            "new_token": new_token,
            "done": request.query_params.get("done"),
        },
    )


@router.get("/users", name="users", response_class=HTMLResponse)
def users_page(request: Request, _admin: PageAdmin) -> Response:
    """Every user and token, with the forms to add and change them."""
    return _users_page(request)


@router.post("/users", name="user_create")
def user_create(request: Request, fields: FormFields, admin: PageAdmin) -> Response:
    """Add a user."""
    ctx = web_context(request)
    create_user(
        ctx.engine,
        ctx.passwords,
        name=fields.get("name", "").strip(),
        password=fields.get("password", ""),
        role=parse_role(fields.get("role", "")),
        actor=admin.name,
        now=ctx.now(),
    )
    return redirect_to(request, "users", {"done": "user added"})


@router.post("/users/{name}/role", name="user_role")
def user_role(
    request: Request,
    name: str,
    fields: FormFields,
    admin: PageAdmin,
) -> Response:
    """Change a user's role."""
    ctx = web_context(request)
    set_role(ctx.engine, name, parse_role(fields.get("role", "")), actor=admin.name, now=ctx.now())
    return redirect_to(request, "users", {"done": f"role of {name} changed"})


@router.post("/users/{name}/active", name="user_active")
def user_active(
    request: Request,
    name: str,
    fields: FormFields,
    admin: PageAdmin,
) -> Response:
    """Deactivate (logging them out everywhere) or reactivate a user."""
    ctx = web_context(request)
    active = fields.get("active") == "true"
    set_active(ctx.engine, name, active, actor=admin.name, now=ctx.now())
    return redirect_to(
        request, "users", {"done": f"{name} {'reactivated' if active else 'deactivated'}"}
    )


@router.post("/tokens", name="token_create", response_class=HTMLResponse)
def token_create(request: Request, fields: FormFields, admin: PageAdmin) -> Response:
    """Create an API token and show it, this once."""
    ctx = web_context(request)
    role = fields.get("role") or None
    created = create_token(
        ctx.engine,
        user_name=fields.get("user", "").strip(),
        label=fields.get("label", ""),
        role=parse_role(role) if role else None,
        actor=admin.name,
        now=ctx.now(),
    )
    return _users_page(request, created)


@router.post("/tokens/{token_id}/revoke", name="token_revoke")
def token_revoke(request: Request, token_id: int, admin: PageAdmin) -> Response:
    """Revoke an API token; it stops working at once."""
    ctx = web_context(request)
    revoke_token(ctx.engine, token_id, actor=admin.name, now=ctx.now())
    return redirect_to(request, "users", {"done": f"token {token_id} revoked"})
