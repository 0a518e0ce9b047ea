"""A rate budget that slows requests down before the vendor's limit, shared by threads.

Three brakes, each optional: a token bucket (a request rate), a cap on requests in flight, and
holds/stops from the vendor's own rate headers (``rate_feedback``) and from throttled answers.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import httpx

from connectors.sdk.http.errors import RateBudgetExhausted
from connectors.sdk.http.rate_feedback import RateFeedback


class TokenBucket:
    """``burst`` tokens, refilled at ``rate`` per second; each request takes one, waiting when none
    is left. Callers reserve in turn (a waiting request owes tokens), which keeps it fair and
    thread-safe. Over any ``T`` seconds at most ``burst + rate * T`` requests start."""

    def __init__(
        self, rate: float, burst: int = 1, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError(
                f"TokenBucket needs rate > 0 and burst >= 1 (got rate={rate}, burst={burst})"
            )
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._tokens = float(burst)
        self._stamp = clock()
        self._lock = threading.Lock()

    @classmethod
    def per_window(cls, requests: int, window: float, burst: int | None = None) -> TokenBucket:
        """A bucket that never lets more than ``requests`` start within any ``window`` seconds.

        The burst (default a tenth of the allowance) is taken out of the rate, so the bucket stays
        under the vendor's limit however the window is aligned.
        """
        burst = max(1, requests // 10) if burst is None else burst
        if not 1 <= burst < requests:
            raise ValueError(
                f"per_window needs 1 <= burst < requests (got burst={burst}, requests={requests})"
            )
        return cls(rate=(requests - burst) / window, burst=burst)

    def reserve(self) -> float:
        """Take a token; the seconds the caller must wait before sending (0 when one was free)."""
        with self._lock:
            now = self._clock()
            self._tokens = min(float(self.burst), self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now
            self._tokens -= 1.0
            return 0.0 if self._tokens >= 0 else -self._tokens / self.rate


class RateBudget:
    """Gatekeeper for every request of an ``HttpClient`` (and of the clients sharing it)."""

    def __init__(
        self,
        *,
        bucket: TokenBucket | None = None,
        feedback: Sequence[RateFeedback] = (),
        max_in_flight: int | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_in_flight is not None and max_in_flight < 1:
            raise ValueError(f"max_in_flight must be at least 1 (got {max_in_flight})")
        self.bucket = bucket
        self.feedback = tuple(feedback)
        self.max_in_flight = max_in_flight
        self._slots = threading.BoundedSemaphore(max_in_flight) if max_in_flight else None
        self._sleep = sleep
        self._clock = clock
        self._lock = threading.Lock()
        self._not_before = 0.0
        self._stopped: str | None = None

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Wait for our turn (concurrency cap, then bucket, then any hold) and keep the slot
        while the request is in flight."""
        self._raise_if_stopped()
        if self._slots is not None:
            self._slots.acquire()
        try:
            if self.bucket is not None:
                self._pause(self.bucket.reserve())
            self._wait_out_holds()
            yield
        finally:
            if self._slots is not None:
                self._slots.release()

    def hold(self, seconds: float) -> None:
        """Let no new request start for ``seconds`` (extends, never shortens, a current hold)."""
        with self._lock:
            self._not_before = max(self._not_before, self._clock() + seconds)

    def observe(self, response: httpx.Response) -> None:
        """Feed an answer's rate headers to every feedback reader."""
        for reader in self.feedback:
            signal = reader.observe(response)
            if signal is None:
                continue
            if signal.stop:
                with self._lock:
                    self._stopped = signal.stop
            elif signal.hold > 0:
                self.hold(signal.hold)

    def _raise_if_stopped(self) -> None:
        if self._stopped:
            raise RateBudgetExhausted(
                f"rate budget stopped: {self._stopped}",
                hint="wait for the vendor's allowance to recover, or lower the sync's frequency",
            )

    def _wait_out_holds(self) -> None:
        while True:
            with self._lock:
                delay = self._not_before - self._clock()
            if delay <= 0:
                return
            self._pause(delay)

    def _pause(self, seconds: float) -> None:
        if seconds > 0:
            self._sleep(seconds)
