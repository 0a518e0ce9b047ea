"""What the workbench app is created with: ``create_app(WebSettings(...))``.

No module-level state anywhere in ``crmhub.web``: everything an app needs hangs off the app
created from these settings, so several apps (tests, a mount inside Airflow) can live in one
process.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pydantic import SecretStr

from crmhub.errors import UsageError
from crmhub.store.types import utc_now

MIN_SECRET_LENGTH = 32


@dataclass(frozen=True)
class PasswordHashing:
    """argon2id cost parameters (defaults: argon2-cffi's RFC 9106 "low memory" profile)."""

    time_cost: int = 3
    memory_cost_kib: int = 65_536
    parallelism: int = 4


@dataclass(frozen=True)
class WebSettings:
    """Settings of one workbench app.

    Attributes:
        database_url: the hub store (``sqlite:///...`` or ``postgresql://...``).
        secret_key: signs session and CSRF cookies; at least 32 characters. Keep it stable
            across restarts and workers, or everybody is logged out.
        session_ttl: how long a login lasts (absolute, not sliding).
        secure_cookies: True always marks cookies Secure, False never, None (default) when
            the request came over https (behind a proxy: run uvicorn with --proxy-headers).
        login_max_failures / login_window: failed logins allowed per user name and address
            within the window before further attempts are refused (HTTP 429).
        page_size: rows per page in the queue, audit log and search results.
        search_timeout_ms: on PostgreSQL, a search statement is cancelled after this long.
        password_hashing: argon2 cost (tests lower it).
        clock: the current UTC time (tests move it to expire sessions).
    """

    database_url: str
    secret_key: SecretStr
    session_ttl: timedelta = timedelta(hours=12)
    secure_cookies: bool | None = None
    login_max_failures: int = 5
    login_window: timedelta = timedelta(minutes=15)
    page_size: int = 50
    search_timeout_ms: int = 3_000
    password_hashing: PasswordHashing = field(default_factory=PasswordHashing)
    clock: Callable[[], datetime] = utc_now

    def __post_init__(self) -> None:
        length = len(self.secret_key.get_secret_value())
        if length < MIN_SECRET_LENGTH:
            raise UsageError(
                f"the workbench secret key has {length} characters; "
                f"it needs at least {MIN_SECRET_LENGTH}",
                hint="generate one with `python -c 'import secrets; print(secrets.token_urlsafe(48))'` "
                "and put it in $CRMHUB_WEB_SECRET",
            )
        if self.login_max_failures < 1 or self.page_size < 1:
            raise UsageError(
                f"login_max_failures ({self.login_max_failures}) and page_size "
                f"({self.page_size}) must be at least 1",
                hint="leave them at their defaults unless you have a reason",
            )
