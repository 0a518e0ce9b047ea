"""Errors the store raises; each names the thing that went wrong and the fix to try.

They are the engine's errors (``crmhub.errors.CrmhubError``: message, hint, exit code), so the
command line reports them like every other one.
"""

from __future__ import annotations

from crmhub.errors import CrmhubError, ExitCode


class StoreError(CrmhubError):
    """Base class; also a store URL that cannot be parsed."""

    exit_code = ExitCode.STORE


class StoreUnavailable(StoreError):
    """The store's database cannot be reached or opened."""


class StoreOutOfDate(StoreError):
    """The database's schema revision is not the one this crmhub was built for."""


class LockBusy(StoreError):
    """Another run holds the lock (``holder`` describes it)."""

    exit_code = ExitCode.LOCKED

    def __init__(self, message: str, *, holder: str, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.holder = holder


class RunStateError(StoreError):
    """A run was asked to do something its current state does not allow."""

    exit_code = ExitCode.FAILURE
