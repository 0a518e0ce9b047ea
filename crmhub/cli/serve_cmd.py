"""``crmhub serve``: the steward workbench over HTTP (uvicorn)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Annotated

import typer

from crmhub.cli.context import state

if TYPE_CHECKING:
    from crmhub.cli.context import CliState
    from crmhub.web import WebSettings

SECRET_ENV = "CRMHUB_WEB_SECRET"

EPILOG = f"""Examples:

  CRMHUB_WEB_SECRET=... crmhub serve --port 8080

  crmhub serve --host 0.0.0.0 --root-path /crmhub --proxy-headers   (behind a reverse proxy)

Set ${SECRET_ENV} (48+ random characters) so logins survive restarts and work across
workers; without it a random key is made and everybody is logged out on restart. Add users
with `crmhub users add NAME --role admin`."""


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port.")] = 8000,
    root_path: Annotated[
        str, typer.Option("--root-path", help="Path prefix the app is served under (proxy).")
    ] = "",
    proxy_headers: Annotated[
        bool,
        typer.Option(
            "--proxy-headers",
            help="Trust X-Forwarded-For/-Proto (https, client "
            "address) from the proxy at --forwarded-allow-ips.",
        ),
    ] = False,
    forwarded_allow_ips: Annotated[
        str, typer.Option("--forwarded-allow-ips", help="Proxies whose headers are trusted.")
    ] = "127.0.0.1",
) -> None:
    """Serve the steward workbench: review queue, customers, search, audit log and /api/v1."""
    import secrets

    import uvicorn
    from pydantic import SecretStr

    from crmhub.cli.output import err
    from crmhub.web import WebSettings, create_app

    secret = os.environ.get(SECRET_ENV)
    if not secret:
        secret = secrets.token_urlsafe(48)
        err().print(
            f"[yellow]warning:[/] ${SECRET_ENV} is not set: using a random key, so "
            "everybody is logged out when the server restarts",
            soft_wrap=True,
        )
    cli = state(ctx)
    settings = WebSettings(database_url=cli.database_url(), secret_key=SecretStr(secret))
    app = create_app(settings, **_golden_actions(cli, settings))
    err().print(f"workbench on http://{host}:{port}{root_path or '/'}", soft_wrap=True)
    uvicorn.run(
        app,
        host=host,
        port=port,
        root_path=root_path,
        proxy_headers=proxy_headers,
        forwarded_allow_ips=forwarded_allow_ips,
        log_level="info",
    )


def _golden_actions(cli: CliState, settings: WebSettings) -> dict[str, object]:
    """The engine and golden-record actions for the workbench; none without a project."""
    from crmhub.store.engine import create_store_engine
    from crmhub.web.golden_actions import golden_actions_for_project

    engine = create_store_engine(settings.database_url)
    actions = golden_actions_for_project(cli.project, engine, settings.clock)
    if actions is None:
        engine.dispose()
        return {}
    return {"engine": engine, "actions": actions}
