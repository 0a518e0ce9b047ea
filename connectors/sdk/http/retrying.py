"""How long to wait between attempts and when to give up, on tenacity.

Failures (RETRY) and throttling (THROTTLE) are counted apart: a vendor that asks us to slow down
is not failing, so a throttling storm may last longer than a run of 5xx answers. Both share one
bound on the total time spent on a request. A ``Retry-After`` header, in seconds or as an HTTP
date, replaces the computed backoff.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx
from tenacity import RetryCallState, stop_before_delay
from tenacity.stop import stop_base
from tenacity.wait import wait_base

from connectors.sdk.http.policy import Action, ErrorRule, TransportRule


@dataclass(frozen=True, slots=True)
class RetrySettings:
    """Bounds on retrying one request. Times are in seconds."""

    max_attempts: int = 5  # attempts ending in a RETRY-type failure before giving up
    max_throttles: int = 20  # THROTTLE answers waited out before giving up
    backoff_initial: float = 0.5  # first backoff after a failure; doubles each time
    backoff_max: float = 30.0
    throttle_initial: float = 1.0  # first wait after a throttle that names no Retry-After
    max_retry_after: float = 120.0  # a longer Retry-After is not waited out: we fail at once
    max_total: float = 300.0  # never start an attempt that would end its wait beyond this

    def __post_init__(self) -> None:
        if self.max_attempts < 1 or self.max_throttles < 0:
            raise ValueError("RetrySettings: max_attempts must be >= 1 and max_throttles >= 0")


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP date (RFC 9110).

    Returns None for a missing or unreadable value; never a negative number.
    """
    if not value:
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def backoff(initial: float, cap: float, count: int) -> float:
    """Exponential backoff with "equal jitter": half the step fixed, half random."""
    step = min(cap, initial * 2.0 ** max(0, count - 1))
    return step / 2 + random.uniform(0, step / 2)


class RetryableOutcome(Exception):
    """Raised inside an attempt to ask tenacity for another one: the action, the wait the answer
    asked for (None: compute a backoff), and the answer or transport error with its rule."""

    def __init__(
        self,
        action: Action,
        *,
        rule: ErrorRule | TransportRule,
        wait: float | None = None,
        response: httpx.Response | None = None,
        error: Exception | None = None,
    ) -> None:
        super().__init__(f"{action.value}: {rule.description}")
        self.action = action
        self.rule = rule
        self.wait = wait
        self.response = response
        self.error = error


@dataclass(slots=True)
class RetryTally:
    """What happened so far to one request: failures, throttles, whether we re-authenticated."""

    failures: int = 0
    throttles: int = 0
    reauthenticated: bool = False
    attempts: int = 0

    def count(self, action: Action) -> None:
        """Count one failed attempt of kind ``action``."""
        if action is Action.RETRY:
            self.failures += 1
        elif action is Action.THROTTLE:
            self.throttles += 1


class WaitForOutcome(wait_base):
    """Retry-After when the answer named one; else exponential backoff on the matching counter."""

    def __init__(self, settings: RetrySettings, tally: RetryTally) -> None:
        self.settings = settings
        self.tally = tally

    def __call__(self, retry_state: RetryCallState) -> float:
        outcome = _outcome(retry_state)
        if outcome.wait is not None:
            return outcome.wait
        if outcome.action is Action.THROTTLE:
            return backoff(
                self.settings.throttle_initial, self.settings.backoff_max, self.tally.throttles
            )
        if outcome.action is Action.RETRY:
            return backoff(
                self.settings.backoff_initial, self.settings.backoff_max, self.tally.failures
            )
        return 0.0


class StopWhenSpent(stop_base):
    """Stop when failures or throttles reach their bound."""

    def __init__(self, settings: RetrySettings, tally: RetryTally) -> None:
        self.settings = settings
        self.tally = tally

    def __call__(self, retry_state: RetryCallState) -> bool:
        return (
            self.tally.failures >= self.settings.max_attempts
            or self.tally.throttles > self.settings.max_throttles
        )


def stop_condition(settings: RetrySettings, tally: RetryTally) -> stop_base:
    """The counters' bound or the total-time bound, whichever comes first."""
    return StopWhenSpent(settings, tally) | stop_before_delay(settings.max_total)


def _outcome(retry_state: RetryCallState) -> RetryableOutcome:
    error = retry_state.outcome.exception() if retry_state.outcome else None
    if not isinstance(error, RetryableOutcome):  # tenacity only retries these
        raise TypeError(f"unexpected retry outcome {error!r}")
    return error
