"""``crmhub users``: the steward workbench's users, their roles and API tokens."""

from __future__ import annotations

import getpass
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from crmhub.cli.context import state
from crmhub.cli.output import escape, out, success_line

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

app = typer.Typer(
    help="Workbench users (viewer, steward, admin) and their API tokens.",
    no_args_is_help=True,
    epilog="Examples:\n\n  crmhub users add anna --role steward\n\n"
    '  echo "$PASSWORD" | crmhub users add bot --role viewer --password-stdin\n\n'
    "  crmhub users tokens create anna --label nightly-export --role viewer",
)
tokens_app = typer.Typer(
    help="API tokens for automation (shown once, stored hashed).", no_args_is_help=True
)
app.add_typer(tokens_app, name="tokens")

RoleOption = Annotated[str, typer.Option("--role", "-r", help="viewer, steward or admin.")]


def _actor() -> str:
    """Who made a change from the command line, for the audit log."""
    return f"cli:{getpass.getuser()}"


def _store(ctx: typer.Context) -> Engine:
    from crmhub.store.migrate import require_current

    engine = state(ctx).store_engine()
    require_current(engine)
    return engine


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


@app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The login name, e.g. anna.rossi.")],
    role: RoleOption,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Add a user (the password is asked for twice, or read from standard input)."""
    from crmhub.store.types import utc_now
    from crmhub.web.passwords import Passwords
    from crmhub.web.roles import parse_role
    from crmhub.web.settings import PasswordHashing
    from crmhub.web.users import check_user_name, create_user

    wanted = parse_role(role)
    check_user_name(name)
    engine = _store(ctx)
    password = _read_password(password_stdin)
    create_user(
        engine,
        Passwords(PasswordHashing()),
        name=name,
        password=password,
        role=wanted,
        actor=_actor(),
        now=utc_now(),
    )
    success_line(f"user {name} added as {wanted}")


@app.command("list")
def list_(ctx: typer.Context) -> None:
    """List users with their role and whether they are active."""
    from rich.table import Table

    from crmhub.web.users import list_users

    table = Table(title="Users", title_justify="left")
    for column in ("name", "role", "active", "created"):
        table.add_column(column)
    for user in list_users(_store(ctx)):
        table.add_row(
            escape(user.name),
            user.role.value,
            "yes" if user.active else "no",
            user.created_at.strftime("%Y-%m-%d %H:%M"),
        )
    if not table.rows:
        table.caption = "no users yet: add one with `crmhub users add NAME --role admin`"
    out().print(table)


@app.command("set-role")
def set_role(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The user.")],
    role: Annotated[str, typer.Argument(help="viewer, steward or admin.")],
) -> None:
    """Change a user's role."""
    from crmhub.store.types import utc_now
    from crmhub.web.roles import parse_role
    from crmhub.web.users import set_role as store_role

    user = store_role(_store(ctx), name, parse_role(role), actor=_actor(), now=utc_now())
    success_line(f"user {user.name} is now {user.role}")


@app.command("deactivate")
def deactivate(ctx: typer.Context, name: Annotated[str, typer.Argument(help="The user.")]) -> None:
    """Deactivate a user: their sessions end and their tokens stop working."""
    from crmhub.store.types import utc_now
    from crmhub.web.users import set_active

    set_active(_store(ctx), name, False, actor=_actor(), now=utc_now())
    success_line(f"user {name} deactivated")


@tokens_app.command("create")
def create(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The user the token acts as.")],
    label: Annotated[str, typer.Option("--label", "-l", help="What the token is for.")] = "api",
    role: Annotated[
        str | None,
        typer.Option("--role", "-r", help="A weaker role than the user's (default: theirs)."),
    ] = None,
) -> None:
    """Create an API token; it is printed once, on stdout, and never shown again."""
    from crmhub.store.types import utc_now
    from crmhub.web.roles import parse_role
    from crmhub.web.tokens import create_token

    created = create_token(
        _store(ctx),
        user_name=name,
        label=label,
        role=parse_role(role) if role else None,
        actor=_actor(),
        now=utc_now(),
    )
    typer.echo(created.token)
    from crmhub.cli.output import err

    err().print(
        f"[green]✓[/] token {created.info.id} ({escape(created.info.label)}, "
        f"{created.info.role}) for {escape(name)}: copy it now, it will not be shown "
        "again",
        soft_wrap=True,
    )


@tokens_app.command("list")
def list_tokens(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Argument(help="Only this user's tokens.")] = None,
) -> None:
    """List API tokens (never the tokens themselves)."""
    from rich.table import Table

    from crmhub.web.tokens import list_tokens as stored_tokens

    table = Table(title="API tokens", title_justify="left")
    for column in ("id", "user", "label", "role", "created", "last used", "revoked"):
        table.add_column(column)
    for t in stored_tokens(_store(ctx), name):
        table.add_row(
            str(t.id),
            escape(t.user_name),
            escape(t.label),
            t.role.value,
            t.created_at.strftime("%Y-%m-%d %H:%M"),
            t.last_used_at.strftime("%Y-%m-%d %H:%M") if t.last_used_at else "never",
            t.revoked_at.strftime("%Y-%m-%d %H:%M") if t.revoked_at else "",
        )
    out().print(table)


@tokens_app.command("revoke")
def revoke(
    ctx: typer.Context, token_id: Annotated[int, typer.Argument(metavar="ID", help="Token id.")]
) -> None:
    """Revoke an API token; it stops working at once."""
    from crmhub.store.types import utc_now
    from crmhub.web.tokens import revoke_token

    revoke_token(_store(ctx), token_id, actor=_actor(), now=utc_now())
    success_line(f"token {token_id} revoked")
