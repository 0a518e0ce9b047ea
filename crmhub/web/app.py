"""``create_app(settings)``: the steward workbench as a FastAPI app.

No global state: each call builds its own engine (unless one is given), services, templates
and routes, so the app can be created many times in one process and mounted under any path
(``parent.mount("/crmhub", create_app(settings))``; every URL it renders follows its root
path).

Routes reachable without logging in are listed in :data:`PUBLIC_PATHS`; every other page
needs a session and every API call a token (tests/web enumerate the routes to prove it).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.engine import Engine
from starlette.routing import BaseRoute, Mount

from crmhub.store.engine import create_store_engine
from crmhub.store.migrate import require_current
from crmhub.web.actions import StewardActions, TableStewardActions
from crmhub.web.auth import csrf_guard, page_user
from crmhub.web.context import WebContext
from crmhub.web.cookies import CookieJar
from crmhub.web.errors import NotAuthenticated, TooManyLogins, WebError
from crmhub.web.login_limits import LoginLimiter
from crmhub.web.passwords import Passwords
from crmhub.web.routes import (
    admin_pages,
    api,
    audit_pages,
    auth_pages,
    customer_pages,
    review_pages,
)
from crmhub.web.settings import WebSettings
from crmhub.web.templating import app_path, make_templates, render

STATIC_DIR = Path(__file__).with_name("static")
API_PREFIX = "/api/v1"

#: Paths served without a session or token: nothing in them is customer data.
PUBLIC_PATHS: frozenset[str] = frozenset(
    {"/login", "/logout", "/healthz", f"{API_PREFIX}/openapi.json", "/static"}
)


def create_app(
    settings: WebSettings,
    *,
    engine: Engine | None = None,
    actions: StewardActions | None = None,
) -> FastAPI:
    """The workbench app on the store of ``settings`` (or ``engine``).

    ``actions`` is the integration point for merge and unmerge (see ``actions.py``); by
    default decisions are recorded on the tables and merge/unmerge answer 501. Raises
    ``StoreOutOfDate`` when the store is not migrated to this crmhub's revision.
    """
    owns_engine = engine is None
    engine = engine or create_store_engine(settings.database_url)
    require_current(engine)
    context = WebContext(
        settings=settings,
        engine=engine,
        passwords=Passwords(settings.password_hashing),
        cookies=CookieJar(settings.secret_key.get_secret_value(), settings.secure_cookies),
        login_limiter=LoginLimiter(engine, settings.login_max_failures, settings.login_window),
        actions=actions or TableStewardActions(engine, settings.clock),
        templates=make_templates(),
    )
    app = FastAPI(
        title="crmhub steward workbench",
        summary="Review candidate pairs, read golden records with their lineage, audit changes.",
        version="1",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,  # Swagger UI loads from a CDN; the description itself is served
        redoc_url=None,
        lifespan=_disposing(engine) if owns_engine else None,
    )
    app.state.crmhub = context
    _add_routes(app)
    _add_error_handlers(app)
    return app


def _disposing(engine: Engine) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """A lifespan closing the engine the app made for itself when the server stops."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()

    return lifespan


def _add_routes(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_api_route("/healthz", _health, methods=["GET"], name="health", include_in_schema=False)
    app.include_router(auth_pages.router, include_in_schema=False)
    pages = [Depends(page_user), Depends(csrf_guard)]
    for module in (review_pages, customer_pages, audit_pages, admin_pages):
        app.include_router(module.router, dependencies=pages, include_in_schema=False)
    app.include_router(api.router)


def route_table(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path template) of every route the app serves, mounts (static files) aside."""
    found = []
    for route in _routes(app.routes):
        methods, path = getattr(route, "methods", None), getattr(route, "path", None)
        if methods and path:
            found += [(method, path) for method in sorted(methods) if method != "HEAD"]
    return found


def _routes(routes: list[BaseRoute]) -> list[BaseRoute]:
    """Every endpoint route (FastAPI flattens included routers; static-file mounts are skipped)."""
    found: list[BaseRoute] = []
    for route in routes:
        if isinstance(route, Mount) and getattr(route, "routes", None) and not isinstance(route.app, StaticFiles):
            found += _routes(route.routes)
        elif not isinstance(route, Mount):
            found.append(route)
    return found


def _health() -> PlainTextResponse:
    return PlainTextResponse("ok")


def _is_api(request: Request) -> bool:
    root = request.scope.get("root_path", "").rstrip("/")
    return request.url.path.startswith(root + API_PREFIX)


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(WebError)
    def web_error(request: Request, exc: WebError) -> Response:
        headers = {}
        if isinstance(exc, TooManyLogins):
            headers["Retry-After"] = str(exc.retry_after_s)
        if _is_api(request):
            if isinstance(exc, NotAuthenticated):
                headers["WWW-Authenticate"] = "Bearer"
            return JSONResponse(
                {"error": exc.message, "hint": exc.hint},
                status_code=exc.http_status,
                headers=headers,
            )
        if isinstance(exc, NotAuthenticated):
            wanted = request.url.path if request.method == "GET" else None
            return RedirectResponse(app_path(request, "login", {"next": wanted}), status_code=303)
        response = render(request, "error.html", {"error": exc}, status_code=exc.http_status)
        response.headers.update(headers)
        return response

    @app.exception_handler(RequestValidationError)
    def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}" for e in exc.errors()
        )
        if _is_api(request):
            return JSONResponse(
                {
                    "error": f"invalid request: {problems}",
                    "hint": "see /api/v1/openapi.json for the expected shape",
                    "detail": jsonable_encoder(exc.errors()),
                },
                status_code=422,
            )
        error = WebError(f"invalid request: {problems}", hint="go back and check the form")
        return render(request, "error.html", {"error": error}, status_code=400)
