"""What one workbench app holds: settings, store engine and the services built on them.

``create_app`` builds one ``WebContext`` and hangs it on ``app.state.crmhub``; routes reach it
through :func:`web_context`. Nothing lives at module level.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fastapi import Request
from fastapi.templating import Jinja2Templates
from sqlalchemy.engine import Engine

from crmhub.web.actions import StewardActions
from crmhub.web.cookies import CookieJar
from crmhub.web.login_limits import LoginLimiter
from crmhub.web.passwords import Passwords
from crmhub.web.settings import WebSettings


@dataclass(frozen=True)
class WebContext:
    """The app's settings and services."""

    settings: WebSettings
    engine: Engine
    passwords: Passwords
    cookies: CookieJar
    login_limiter: LoginLimiter
    actions: StewardActions
    templates: Jinja2Templates

    @property
    def secret(self) -> str:
        """The signing secret."""
        return self.settings.secret_key.get_secret_value()

    def now(self) -> datetime:
        """The current time (the settings' clock)."""
        return self.settings.clock()


def web_context(request: Request) -> WebContext:
    """The context of the app serving ``request``."""
    found: WebContext = request.app.state.crmhub
    return found
