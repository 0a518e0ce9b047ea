"""Errors the store raises; each names the thing that went wrong and the fix to try."""

from __future__ import annotations


class StoreError(Exception):
    """Base class. ``hint`` tells the person reading the message what to try."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint

    def __str__(self) -> str:
        base = super().__str__()
        return f"{base} (hint: {self.hint})" if self.hint else base


class StoreUnavailable(StoreError):
    """The store's database cannot be reached or opened."""


class StoreOutOfDate(StoreError):
    """The database's schema revision is not the one this crmhub was built for."""


class LockBusy(StoreError):
    """Another run holds the lock (``holder`` describes it)."""

    def __init__(self, message: str, *, holder: str, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.holder = holder


class RunStateError(StoreError):
    """A run was asked to do something its current state does not allow."""
