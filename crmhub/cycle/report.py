"""What a cycle did: one result per step (each connection's ingest, the match, each target's
publish), and the events a caller can show while it runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

from crmhub.errors import ExitCode
from crmhub.ingest.sync import SyncReport
from crmhub.match.job import MatchReport
from crmhub.sync.publish import PublishReport

StepKind = Literal["ingest", "match", "publish"]
Status = Literal["succeeded", "failed", "skipped"]
Phase = Literal["started", "progress", "finished"]

R = TypeVar("R", SyncReport, MatchReport, PublishReport)


@dataclass(slots=True)
class StepResult(Generic[R]):
    """One step: ``name`` is the connection, ``match`` or the target.

    ``report`` is the step's own report when it succeeded; a failed step carries the error's
    message, hint, exit code and the exception itself instead, a skipped one the reason in
    ``error``.
    """

    kind: StepKind
    name: str
    status: Status
    seconds: float = 0.0
    report: R | None = None
    error: str | None = None
    hint: str | None = None
    exit_code: ExitCode = ExitCode.OK
    exception: BaseException | None = field(default=None, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return self.status == "succeeded"

    def counts(self) -> dict[str, Any]:
        """The step's numbers (empty when it did not succeed), JSON-able."""
        report = self.report
        if isinstance(report, SyncReport):
            streams = {name: c.as_dict() for name, c in report.streams.items()}
            return {"run_id": report.run_id, **report.total().as_dict(), "streams": streams}
        if isinstance(report, PublishReport):
            conflicts = dict(report.plan.conflicts) if report.plan else {}
            return {"run_id": report.run_id, **report.counts(), "conflicts": conflicts}
        if isinstance(report, MatchReport):
            return report.counts()
        return {}

    def as_dict(self) -> dict[str, Any]:
        """The step as JSON (``crmhub run --json``, an Airflow XCom)."""
        return {
            "kind": self.kind,
            "name": self.name,
            "status": self.status,
            "seconds": round(self.seconds, 3),
            "error": self.error,
            "hint": self.hint,
            "exit_code": int(self.exit_code),
            "counts": self.counts(),
        }


IngestResult = StepResult[SyncReport]
MatchResult = StepResult[MatchReport]
PublishResult = StepResult[PublishReport]


@dataclass(slots=True)
class CycleReport:
    """Every step of one cycle, in the order they ran."""

    ingests: list[IngestResult] = field(default_factory=list)
    match: MatchResult | None = None
    publishes: list[PublishResult] = field(default_factory=list)
    seconds: float = 0.0

    def steps(self) -> list[StepResult[Any]]:
        """Every step, in order."""
        match = [self.match] if self.match is not None else []
        return [*self.ingests, *match, *self.publishes]

    def failures(self) -> list[StepResult[Any]]:
        """The steps that failed or were skipped because of an earlier failure."""
        return [step for step in self.steps() if step.status != "succeeded"]

    @property
    def ok(self) -> bool:
        return not self.failures()

    def as_dict(self) -> dict[str, Any]:
        """The whole cycle as JSON."""
        return {
            "ok": self.ok,
            "exit_code": int(self.exit_code),
            "seconds": round(self.seconds, 3),
            "steps": [step.as_dict() for step in self.steps()],
        }

    @property
    def exit_code(self) -> ExitCode:
        """0 when every step succeeded; the failures' exit code when they agree (3: only locks
        were busy), else 1."""
        if not self.failures():
            return ExitCode.OK
        codes = {step.exit_code for step in self.failures() if step.status == "failed"}
        return codes.pop() if len(codes) == 1 else ExitCode.FAILURE


@dataclass(frozen=True, slots=True)
class CycleEvent:
    """Something for a progress display: a step started, moved on or finished.

    ``done`` and ``total`` count records (``total`` is None when unknown); a ``finished``
    event carries the step's ``result``.
    """

    kind: StepKind
    name: str
    phase: Phase
    text: str = ""
    done: int = 0
    total: int | None = None
    result: StepResult[Any] | None = None
