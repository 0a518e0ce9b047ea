"""The Airflow ``RetryPolicy`` of crmhub's tasks (see ``crmhub.orchestration.retries``).

Airflow's own ``ExceptionRetryPolicy`` imports every exception it names when the DAG file is
parsed; naming crmhub's store errors would import Alembic and cost a third of the parse budget.
This one resolves the names only in the worker, when a task has failed.
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import Any

from airflow.sdk import RetryDecision, RetryPolicy


class CrmhubRetryPolicy(RetryPolicy):
    """Fail without retrying on the exception classes named in ``not_retried`` (dotted paths,
    subclasses included); anything else gets the task's retries with exponential backoff."""

    def __init__(self, not_retried: tuple[str, ...]) -> None:
        self.not_retried = tuple(not_retried)

    def evaluate(
        self,
        exception: BaseException,
        try_number: int,
        max_tries: int,
        context: Any = None,
    ) -> RetryDecision:
        for path in self.not_retried:
            cls = _resolve(path)
            if cls is not None and isinstance(exception, cls):
                return RetryDecision.fail(
                    f"{type(exception).__name__} is a configuration or credentials problem "
                    f"({path}): retrying cannot help; fix it and clear the task"
                )
        return RetryDecision.default()

    def serialize(self) -> dict[str, Any]:
        return {"__type": "CrmhubRetryPolicy", "not_retried": list(self.not_retried)}

    @classmethod
    def deserialize(cls, data: dict[str, Any]) -> CrmhubRetryPolicy:
        return cls(tuple(data["not_retried"]))


@cache
def _resolve(path: str) -> type[BaseException] | None:
    module, _, name = path.rpartition(".")
    try:
        found = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return None
    return found if isinstance(found, type) and issubclass(found, BaseException) else None
