"""Rate-limit feedback: small readers of the headers a vendor sends about its own limits.

Each reader looks at one answer and says whether to hold new requests for a while (to slow down
before the limit, not after a 429) or to stop altogether (a daily allowance nearly spent).
They are plugged into a ``RateBudget``; a connector picks the ones its vendor speaks.
"""

from __future__ import annotations

import re
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Literal

import httpx

# Reset values above this are epoch seconds, below it delta seconds (a year's worth of seconds).
_EPOCH_THRESHOLD = 31_536_000


@dataclass(frozen=True, slots=True)
class RateSignal:
    """What one answer says: hold new requests ``hold`` seconds, or ``stop`` (with a reason)."""

    hold: float = 0.0
    stop: str | None = None
    reason: str = ""


def _int_header(response: httpx.Response, name: str) -> int | None:
    raw = response.headers.get(name)
    try:
        return int(float(raw)) if raw is not None else None
    except ValueError:
        return None


class RateFeedback(ABC):
    """Reads an answer's rate-limit headers."""

    @abstractmethod
    def observe(self, response: httpx.Response) -> RateSignal | None:
        """The signal in ``response`` (None: nothing to do)."""


@dataclass(frozen=True, slots=True)
class RemainingResetHeaders(RateFeedback):
    """The common ``X-RateLimit-Remaining`` / ``X-RateLimit-Reset`` pair: when no more than
    ``low_water`` requests remain, hold until the reset (delta seconds or epoch seconds)."""

    remaining_header: str = "X-RateLimit-Remaining"
    reset_header: str = "X-RateLimit-Reset"
    reset_kind: Literal["auto", "delta", "epoch"] = "auto"
    low_water: int = 1
    max_hold: float = 300.0

    def observe(self, response: httpx.Response) -> RateSignal | None:
        remaining = _int_header(response, self.remaining_header)
        if remaining is None or remaining > self.low_water:
            return None
        reset = _int_header(response, self.reset_header)
        if reset is None:
            return RateSignal(
                hold=1.0, reason=f"{self.remaining_header}={remaining}, no reset given"
            )
        epoch = self.reset_kind == "epoch" or (
            self.reset_kind == "auto" and reset > _EPOCH_THRESHOLD
        )
        wait = reset - time.time() if epoch else float(reset)
        return RateSignal(
            hold=min(self.max_hold, max(0.0, wait)),
            reason=f"{self.remaining_header}={remaining}, window resets in {wait:.1f}s",
        )


@dataclass(frozen=True, slots=True)
class HubSpotRateHeaders(RateFeedback):
    """HubSpot's ``X-HubSpot-RateLimit-*`` headers: hold for the rest of the interval when the
    interval's remaining requests fall to ``low_water``, for a second when the per-second ones run
    out, and stop when the daily allowance falls to ``daily_reserve``."""

    low_water: int = 2
    daily_reserve: int = 0

    def observe(self, response: httpx.Response) -> RateSignal | None:
        daily_left = _int_header(response, "X-HubSpot-RateLimit-Daily-Remaining")
        if daily_left is not None and daily_left <= self.daily_reserve:
            return RateSignal(stop=f"HubSpot daily API allowance spent ({daily_left} calls left)")
        remaining = _int_header(response, "X-HubSpot-RateLimit-Remaining")
        if remaining is not None and remaining <= self.low_water:
            interval_ms = (
                _int_header(response, "X-HubSpot-RateLimit-Interval-Milliseconds") or 10_000
            )
            return RateSignal(
                hold=interval_ms / 1000, reason=f"HubSpot interval has {remaining} calls left"
            )
        secondly = _int_header(response, "X-HubSpot-RateLimit-Secondly-Remaining")
        if secondly is not None and secondly <= 0:
            return RateSignal(hold=1.0, reason="HubSpot per-second allowance spent")
        return None


_API_USAGE = re.compile(r"api-usage=(\d+)/(\d+)")


@dataclass(frozen=True, slots=True)
class SalesforceLimitInfo(RateFeedback):
    """Salesforce's ``Sforce-Limit-Info: api-usage=N/M``, a rolling 24-hour allowance shared with
    every other integration of the org: past ``pause_at`` of it, wait ``pause`` seconds before each
    request; past ``stop_at``, stop and leave the rest to the org's other users."""

    pause_at: float = 0.9
    stop_at: float = 0.98
    pause: float = 1.0

    def observe(self, response: httpx.Response) -> RateSignal | None:
        match = _API_USAGE.search(response.headers.get("Sforce-Limit-Info", ""))
        if not match:
            return None
        used, allowed = int(match.group(1)), int(match.group(2))
        if allowed <= 0:
            return None
        share = used / allowed
        if share >= self.stop_at:
            return RateSignal(
                stop=f"Salesforce API usage {used}/{allowed} is past {self.stop_at:.0%} "
                "of the daily allowance"
            )
        if share >= self.pause_at:
            return RateSignal(hold=self.pause, reason=f"Salesforce API usage {used}/{allowed}")
        return None
