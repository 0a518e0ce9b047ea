"""Errors the golden-record layer raises; each names the record or field and says what to try."""

from __future__ import annotations

from crmhub.errors import CrmhubError, ExitCode


class GoldenError(CrmhubError):
    """Base class of the golden-record layer's deliberate errors."""


class GoldenRecordNotFound(GoldenError):
    """No golden record has the id asked for."""

    exit_code = ExitCode.USAGE


class SourceRecordNotFound(GoldenError):
    """A source record id that the store does not hold."""

    exit_code = ExitCode.USAGE


class InvalidClusters(GoldenError):
    """The clusters handed to ``apply_clusters`` are malformed (empty, overlapping, unknown ids)."""

    exit_code = ExitCode.USAGE


class MergeRefused(GoldenError):
    """A merge that cannot be done as asked (same record, different kinds of party, ...)."""

    exit_code = ExitCode.USAGE


class UnmergeRefused(GoldenError):
    """An unmerge that cannot be done as asked (sources not in the record, nothing left, ...)."""

    exit_code = ExitCode.USAGE


class UndoRefused(GoldenError):
    """An event that cannot be undone now (not undoable, or later changes stand in the way)."""

    exit_code = ExitCode.USAGE


class InvalidOverride(GoldenError):
    """A steward override whose field or value is not acceptable."""

    exit_code = ExitCode.USAGE


class UnknownField(GoldenError):
    """A field path that is not a field of the canonical party."""

    exit_code = ExitCode.USAGE
