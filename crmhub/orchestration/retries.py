"""How crmhub's Airflow tasks retry: infrastructure faults with exponential backoff, mistakes
never.

A database that is restarting, a system that is down, another run holding a lock: the next try
may well pass, so Airflow retries after ``retry_delay``, doubling up to ``max_retry_delay``
(connectors already wait out API throttling themselves). A wrong configuration, refused
credentials or a store that needs migrating fail the task at once: the same try would fail again,
and repeated logins with a wrong password can lock the account.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

#: Errors a retry cannot cure (dotted paths, so that Airflow can name them in the UI).
NOT_RETRIED: tuple[str, ...] = (
    "crmhub.errors.UsageError",  # unknown connection or target, missing project, ...
    "crmhub.errors.ConfigInvalid",  # crmhub.yaml, a mapping or a secret reference is wrong
    "crmhub.store.errors.StoreOutOfDate",  # run `crmhub db upgrade`
    "connectors.sdk.errors.ConfigError",
    "connectors.sdk.errors.AuthError",
    "connectors.sdk.errors.UnknownStream",
    "connectors.sdk.errors.NotWritable",
)

RETRIES_ENV = "CRMHUB_AIRFLOW_RETRIES"
RETRY_DELAY_ENV = "CRMHUB_AIRFLOW_RETRY_DELAY_SECONDS"
MAX_RETRY_DELAY_ENV = "CRMHUB_AIRFLOW_MAX_RETRY_DELAY_SECONDS"


@dataclass(frozen=True, slots=True)
class RetrySettings:
    """Retries of one task: ``retries`` more tries, the first after ``delay``, then doubling."""

    retries: int = 4
    delay: timedelta = timedelta(seconds=30)
    max_delay: timedelta = timedelta(minutes=15)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> RetrySettings:
        """The defaults, overridden by ``CRMHUB_AIRFLOW_RETRIES`` and ``..._SECONDS`` variables."""
        env = os.environ if environ is None else environ
        default = cls()
        return cls(
            retries=_number(env, RETRIES_ENV, default.retries, int),
            delay=timedelta(
                seconds=_number(env, RETRY_DELAY_ENV, default.delay.total_seconds(), float)
            ),
            max_delay=timedelta(
                seconds=_number(env, MAX_RETRY_DELAY_ENV, default.max_delay.total_seconds(), float)
            ),
        )

    def task_arguments(self) -> dict[str, Any]:
        """The retry arguments of an Airflow task."""
        return {
            "retries": self.retries,
            "retry_delay": self.delay,
            "retry_exponential_backoff": 2.0,
            "max_retry_delay": self.max_delay,
            "retry_policy": retry_policy(),
        }


def _number(env: Mapping[str, str], name: str, default: float, kind: type) -> Any:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r} is not a number") from None
    if value < 0:
        raise ValueError(f"{name}={raw!r} must not be negative")
    return value


def retry_policy() -> Any:
    """The task's ``retry_policy``: fail at once on ``NOT_RETRIED``, else Airflow's backoff."""
    from crmhub.orchestration.retry_policy import CrmhubRetryPolicy

    return CrmhubRetryPolicy(NOT_RETRIED)
