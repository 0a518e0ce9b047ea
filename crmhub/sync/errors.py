"""Errors of the sync engine. Configuration mistakes are ``ConfigInvalid`` (file, line, key)."""

from __future__ import annotations

from crmhub.errors import CrmhubError, UsageError


class SyncError(CrmhubError):
    """A publish could not go on (the target's connector failed as a whole)."""


class UnknownTarget(UsageError):
    """A target name that the project does not declare."""


class OutboxEntryNotFound(UsageError):
    """Outbox ids that do not exist, or are not in the state an operation needs."""


class ConflictNotFound(UsageError):
    """A conflict id that does not exist or is no longer open."""
