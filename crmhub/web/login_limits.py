"""Brute-force protection: failed logins counted per user name and client address.

After ``max_failures`` failures within ``window`` the next attempts for that name from that
address are refused (HTTP 429) until the oldest failure leaves the window; a successful
login clears the count. Counting lives in the store, so every worker process sees it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from crmhub.store.schema import login_failures
from crmhub.web.errors import TooManyLogins


@dataclass(frozen=True)
class LoginLimiter:
    """The policy: ``max_failures`` per (user name, address) per ``window``."""

    engine: Engine
    max_failures: int
    window: timedelta

    def check(self, user_name: str, address: str, now: datetime) -> None:
        """Raise :class:`TooManyLogins` if this name and address used up their attempts."""
        f = login_failures.c
        with self.engine.connect() as conn:
            recent = (
                conn.execute(
                    sa.select(f.at)
                    .where(f.user_name == user_name, f.address == address, f.at > now - self.window)
                    .order_by(f.at.desc())
                    .limit(self.max_failures)
                )
                .scalars()
                .all()
            )
        if len(recent) < self.max_failures:
            return
        free_at = recent[-1] + self.window
        wait_s = max(1, math.ceil((free_at - now).total_seconds()))
        raise TooManyLogins(
            f"too many failed logins for {user_name!r} from {address}",
            retry_after_s=wait_s,
            hint=f"try again in {math.ceil(wait_s / 60)} minute(s), or ask an administrator "
            "to reset the password",
        )

    def failed(self, user_name: str, address: str, now: datetime) -> None:
        """Count a failed login (and forget failures older than the window, anyone's)."""
        with self.engine.begin() as conn:
            conn.execute(sa.delete(login_failures).where(login_failures.c.at <= now - self.window))
            conn.execute(
                sa.insert(login_failures).values(
                    user_name=user_name[:200], address=address[:64], at=now
                )
            )

    def succeeded(self, user_name: str, address: str) -> None:
        """Clear the failures of this name and address."""
        f = login_failures.c
        with self.engine.begin() as conn:
            conn.execute(
                sa.delete(login_failures).where(f.user_name == user_name, f.address == address)
            )
