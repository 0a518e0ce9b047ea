"""The steward workbench inside Airflow 3's UI, as an Airflow plugin.

Airflow finds :class:`CrmhubWorkbenchPlugin` through the ``airflow.plugins`` entry point; its
api-server mounts the workbench under :data:`URL_PREFIX` (``/crmhub``, below Airflow's
``[api] base_url``) and its UI shows a "Customers" entry in the navigation that frames it.
The workbench keeps its own logins, roles, CSRF protection and cookies (scoped to its path):
Airflow's auth manager does not guard plugin apps, and stewards need not be Airflow users.

Configuration comes from the environment of the api-server:

``CRMHUB_PROJECT``       the project directory (its survivorship policy drives merge and
                         unmerge; without a project the workbench records decisions only)
``CRMHUB_DATABASE_URL``  the store, else the project's ``database_url``, else its SQLite file
``CRMHUB_WEB_SECRET``    required, 32+ characters, the same for every api-server worker (a
                         random key per worker would log stewards out between requests)

Every Airflow component imports plugins (scheduler, dag processor, workers), so importing this
module opens nothing: the workbench is built on its first request. Until it can be built
(no secret, store out of date, ...), each request answers 503 with the reason and the fix.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from airflow.plugins_manager import AirflowPlugin

log = logging.getLogger(__name__)

URL_PREFIX = "/crmhub"
SECRET_ENV = "CRMHUB_WEB_SECRET"  # the same variable `crmhub serve` reads

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def workbench_from_environment(environ: MutableMapping[str, str] | None = None) -> ASGIApp:
    """The workbench app configured from ``environ`` (default: ``os.environ``); raises a
    ``CrmhubError`` naming what is missing."""
    from pydantic import SecretStr

    from crmhub.config.project import database_url, load_project, project_dir
    from crmhub.store.engine import create_store_engine
    from crmhub.web import WebSettings, create_app
    from crmhub.web.golden_actions import golden_actions_for_project

    env = os.environ if environ is None else environ
    secret = _secret(env)
    root = project_dir(None, env)
    url = database_url(option=None, root=root, project=lambda: load_project(root), environ=env)
    settings = WebSettings(database_url=url, secret_key=SecretStr(secret))
    engine = create_store_engine(url)
    try:
        actions = golden_actions_for_project(lambda: load_project(root), engine, settings.clock)
        return create_app(settings, engine=engine, actions=actions)
    except BaseException:
        engine.dispose()  # a failed build is retried on the next request: leave nothing open
        raise


def _secret(env: MutableMapping[str, str]) -> str:
    from crmhub.errors import UsageError

    secret = env.get(SECRET_ENV, "")
    if not secret:
        raise UsageError(
            f"${SECRET_ENV} is not set for the Airflow api-server",
            hint="set it to the same 48+ random characters on every api-server: "
            "python -c 'import secrets; print(secrets.token_urlsafe(48))'",
        )
    return secret


class LazyWorkbench:
    """An ASGI app that builds the workbench on its first request (see the module docstring).

    A failed build is not kept: the next request tries again, so migrating the store or
    fixing the project takes effect without restarting Airflow (the environment does not
    change without a restart).
    """

    def __init__(self, build: Callable[[], ASGIApp] = workbench_from_environment) -> None:
        self._build = build
        self._app: ASGIApp | None = None
        self._building: Any = None  # an anyio.Lock, made in the server's event loop

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        try:
            app = await self._app_or_build()
        except Exception as exc:  # noqa: BLE001 - shown to the admin, Airflow keeps running
            await _unavailable(exc, scope, receive, send)
            return
        await app(scope, receive, send)

    async def _app_or_build(self) -> ASGIApp:
        if self._app is not None:
            return self._app
        import anyio

        self._building = self._building or anyio.Lock()
        async with self._building:
            if self._app is None:
                # Building reads the project and checks the store: blocking, off the loop.
                self._app = await anyio.to_thread.run_sync(self._build)
        return self._app


async def _lifespan(receive: Receive, send: Send) -> None:
    """Nothing to start or stop: the app is built on demand."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def _unavailable(exc: Exception, scope: Scope, receive: Receive, send: Send) -> None:
    from starlette.responses import PlainTextResponse

    from crmhub.errors import CrmhubError
    from crmhub.logging import mask_secrets

    if isinstance(exc, CrmhubError):
        text = exc.message + (f"\nhint: {exc.hint}" if exc.hint else "")
    else:
        log.exception("the crmhub workbench could not be started")
        text = f"unexpected {type(exc).__name__}: {exc}\nhint: see the api-server log"
    body = f"The crmhub workbench is not available.\n\n{mask_secrets(text)}\n"
    response = PlainTextResponse(body, status_code=503, headers={"Retry-After": "30"})
    await response(scope, receive, send)


#: The navigation entry: Airflow's UI frames ``href`` (relative to its base URL) at
#: ``/plugin/<url_route>``; keys as in airflow.api_fastapi.core_api.datamodels.plugins.
NAVIGATION_ENTRY: dict[str, Any] = {
    "name": "Customers",
    "href": f"{URL_PREFIX.lstrip('/')}/",
    "url_route": "crmhub",
    "destination": "nav",
    "nav_top_level": True,
}


class CrmhubWorkbenchPlugin(AirflowPlugin):
    """The crmhub steward workbench: review queue, customers, search and audit log."""

    name = "crmhub_workbench"
    fastapi_apps = [  # noqa: RUF012 - Airflow reads these class attributes
        {"app": LazyWorkbench(), "url_prefix": URL_PREFIX, "name": "crmhub steward workbench"}
    ]
    external_views = [NAVIGATION_ENTRY]  # noqa: RUF012
