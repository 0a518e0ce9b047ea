"""The match-and-merge job: match the source records and apply the clusters.

    report = run_match(project, engine)             # what `crmhub match` runs: incremental
    report = run_match(project, engine, full=True)  # everything again, model re-estimated
    report = run_match(project, engine, full=True, refit=False)  # everything, stored model

Incremental (the default, once a run has recorded what it matched in ``match_records``):
only the records new or changed since then are matched, against everything stored, and
the clusters around them are updated (merged or split); see :mod:`crmhub.match.incremental`.
It agrees with a full rerun except where a key crosses the block-size cap between runs.

Full (``full``, the first run, or no usable stored model), under the run lock ``match`` and
recorded as a run of kind ``match``:

1. stream the live source records' canonical JSON from the store and turn each into a
   MatchRecord (no Party is kept; the engine holds a columnar table);
2. take the latest stored model, unless ``refit`` is asked, there is none, it was trained
   on other comparisons or the refit policy says it is due (:mod:`crmhub.match.refit`: a
   record kind it has no prior for, or records grown past ``refit_when_records_grow``):
   then fit one (steward decisions serve as labels) and store it under the hash of its
   parameters; ``MatchReport.model_fit_reason`` says why;
3. run the engine with the stewards' standing decisions (same = must-link, different =
   cannot-link) and the pins of records targets hold for the hub (:mod:`crmhub.match.pins`);
4. write the pairs at or above the review threshold to ``match_pairs`` (diffed: decided
   pairs are left alone), the blocking keys to ``blocking_keys``;
5. apply the clusters, singletons included, to the golden records;
6. record every record unchanged since the run started as matched (``match_records``).

Reusing the stored model is what makes a rerun on unchanged data a no-op: same model, same
scores, same clusters, so no pair is rewritten and ``apply_clusters`` records no event.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime

import numpy as np
from sqlalchemy.engine import Engine

from crmhub.config.models import BlockingFamily, MatchingConfig
from crmhub.config.project import Project
from crmhub.errors import UsageError
from crmhub.golden import SurvivorshipPolicy, apply_clusters
from crmhub.match.blocking import record_keys
from crmhub.match.clustering import StewardDecisions
from crmhub.match.engine import MatchEngine, MatchResult
from crmhub.match.explain import PairExplanation
from crmhub.match.gc_pacing import fewer_collections
from crmhub.match.incremental import IncrementalMatch
from crmhub.match.matched_state import (
    count_keys,
    find_changes,
    golden_ids_of,
    has_matched_state,
    mark_all_matched,
)
from crmhub.match.model import FellegiSunterModel, ModelFormatError
from crmhub.match.party import match_record
from crmhub.match.pins import Pin, load_pins, unsatisfied, with_pins
from crmhub.match.record import KINDS, MatchRecord
from crmhub.match.refit import live_records, refit_reason
from crmhub.match.scoring import probability, weight_of
from crmhub.match.settings import MatchSettings
from crmhub.match.store import (
    Explainer,
    PairRow,
    PairScope,
    iter_live_canonical,
    latest_model,
    load_steward_decisions,
    resolve_source_record,
    save_model,
    sync_blocking_keys,
    write_match_pairs,
)
from crmhub.store.locks import connection_lock
from crmhub.store.runs import finish_run, start_run
from crmhub.store.types import utc_now

log = logging.getLogger(__name__)

RUN_LOCK = "match"

#: Which engine key families each configured blocking family (crmhub.yaml) switches on.
KEY_FAMILIES_OF: dict[BlockingFamily, tuple[str, ...]] = {
    BlockingFamily.EMAIL: ("email",),
    BlockingFamily.PHONE: ("phone",),
    BlockingFamily.TAX_CODE: ("national_id",),
    BlockingFamily.VAT_NUMBER: ("vat",),
    BlockingFamily.NAME_POSTAL_CODE: ("phonetic_name_postcode", "street_postcode"),
    BlockingFamily.NAME_BIRTH_DATE: (
        "dob_family",
        "dob_given",
        "phonetic_given_family",
        "name_prefixes",
    ),
    BlockingFamily.COMPANY_NAME_CITY: ("company_city", "company_prefixes"),
}

#: Called with a stage name and a count (records loaded so far, pairs written...).
Progress = Callable[[str, int], None]


class NoStoredModel(UsageError):
    """Scores or explanations were asked for before any model was fitted and stored."""


@dataclass
class MatchReport:
    """What a match run did (also stored as the run's counts)."""

    run_id: int
    records: int = 0
    candidate_pairs: int = 0
    merged: int = 0  # stored pairs whose records ended in one cluster
    to_review: int = 0  # stored pairs left apart for a steward
    clusters: int = 0  # clusters of two or more records
    golden_created: int = 0
    golden_changed: int = 0  # golden rows written (created ones included)
    golden_events: int = 0
    refused_clusters: int = 0  # contradicted a standing steward decision; left alone
    incremental: bool = False  # only what changed since the last run was matched
    changed: int = 0  # incremental: records new or changed since last matched
    removed: int = 0  # incremental: matched records since deleted at their source
    pairs_inserted: int = 0
    pairs_updated: int = 0
    pairs_deleted: int = 0
    blocking_keys: int = 0  # rows held after the run
    blocking_keys_written: int = 0  # rows inserted or deleted
    model_version: str = ""
    model_fitted: bool = False
    model_fit_reason: str = ""  # why the model was fitted in this run ("" when reused)
    pinned: int = 0  # records held in the golden record a target's id_field names
    pins_overruled: int = 0  # such holds a steward's "different" decision overruled
    seconds: dict[str, float] = field(default_factory=dict)

    def counts(self) -> dict[str, object]:
        """The JSON-able counts stored on the run."""
        return asdict(self)


def settings_from_config(matching: MatchingConfig) -> MatchSettings:
    """MatchSettings from ``matching:`` in crmhub.yaml (thresholds, blocking, block size).

    ``term_frequency: false`` is not supported by the engine yet: it is ignored, with a warning.
    """
    if not matching.term_frequency:
        log.warning("matching.term_frequency: false is not supported yet; it is ignored")
    families = [name for family in matching.blocking for name in KEY_FAMILIES_OF[family]]
    return MatchSettings(
        key_families=tuple(dict.fromkeys(families)),
        key_cap=matching.max_block_size,
        merge_threshold=_open_probability(matching.thresholds.upper),
        review_threshold=_open_probability(matching.thresholds.lower),
    )


def _open_probability(value: float) -> float:
    """The config allows 0 and 1; the engine needs a probability strictly between."""
    return min(max(value, 1e-9), 1 - 1e-9)


def load_records(
    engine: Engine, on_progress: Progress | None = None, batch_size: int = 5_000
) -> Iterator[MatchRecord]:
    """A MatchRecord per live source record (id = the source record id as a string)."""
    loaded = 0
    for batch in iter_live_canonical(engine, batch_size):
        for source_id, canonical in batch:
            yield match_record(source_id, canonical)
        loaded += len(batch)
        if on_progress is not None:
            on_progress("load", loaded)


def loaded_engine(
    project: Project, engine: Engine, on_progress: Progress | None = None
) -> MatchEngine:
    """A MatchEngine holding every live source record, with no model yet."""
    matcher = MatchEngine(settings_from_config(project.config.matching))
    matcher.add(load_records(engine, on_progress))
    return matcher


def match_constraints(
    project: Project, engine: Engine, decisions: StewardDecisions, report: MatchReport
) -> tuple[StewardDecisions, list[Pin]]:
    """The stewards' decisions plus the pins of records targets hold for the hub (see
    :mod:`crmhub.match.pins`): the must-links the clustering obeys. Pins are never labels
    for fitting nor decided pairs for ``match_pairs``."""
    pins = load_pins(engine, project.config.targets)
    kept = pins.kept(decisions)
    report.pinned, report.pins_overruled = len(kept), len(pins) - len(kept)
    return with_pins(decisions, kept), kept


def run_match(
    project: Project,
    engine: Engine,
    *,
    full: bool = False,
    refit: bool | None = None,
    actor: str = "crmhub",
    on_progress: Progress | None = None,
    lock_wait: float = 0,
) -> MatchReport:
    """Match the live source records and apply the clusters (see the module docstring).

    Incremental unless ``full`` or there is nothing to build on (no run recorded what it
    matched, no usable stored model) or the stored model is due for a refit (see
    :mod:`crmhub.match.refit`): then every record is matched again. ``refit`` (default:
    ``full``) re-estimates the model first; ``full`` with ``refit=False`` keeps a usable
    stored model even when the refit policy would replace it.
    Raises :class:`crmhub.store.LockBusy` when another match run holds the lock.
    """
    policy = not full  # a full run refits, or was told to keep the stored model
    refit = full if refit is None else refit

    def body(report: MatchReport) -> None:
        if not (full or refit) and _run_incremental(project, engine, report, actor):
            return
        if refit:
            report.model_fit_reason = "asked for (--full)"
        _run(project, engine, report, refit, actor, on_progress, policy)

    return recorded_match_run(engine, body, lock_wait)


def recorded_match_run(
    engine: Engine, body: Callable[[MatchReport], None], lock_wait: float = 0
) -> MatchReport:
    """Run ``body`` under the run lock as a run of kind ``match``; its report is stored as
    the run's counts, with the status the body ended in."""
    with connection_lock(engine, RUN_LOCK, wait=lock_wait):
        run_id = start_run(engine, "match")
        report = MatchReport(run_id=run_id)
        try:
            body(report)
        except BaseException as error:
            status = "interrupted" if isinstance(error, KeyboardInterrupt) else "failed"
            finish_run(engine, run_id, status, counts=report.counts(), error=str(error)[:2000])
            raise
        finish_run(engine, run_id, "succeeded", counts=report.counts())
    return report


def _run_incremental(project: Project, engine: Engine, report: MatchReport, actor: str) -> bool:
    """Match what changed since the last run; False (nothing done) when a full run is
    needed: no matched state or no usable stored model."""
    clock = _Clock(report.seconds)
    if not has_matched_state(engine):
        return False
    matcher = MatchEngine(settings_from_config(project.config.matching))
    stored = _usable_stored_model(engine, matcher)
    if stored is None:
        return False
    grow = project.config.matching.refit_when_records_grow
    due = refit_reason(stored[1], live_records(engine), grow_by=grow)
    if due:
        report.model_fit_reason = due
        return False
    report.model_version = stored[0]
    matcher.use_model(stored[1])
    report.incremental = True
    changes = find_changes(engine)
    report.changed, report.removed = len(changes.changed), len(changes.gone)
    decisions = load_steward_decisions(engine)
    constraints, pins = match_constraints(project, engine, decisions, report)
    pending = unsatisfied(
        pins, golden_ids_of(engine, {i for p in pins for i in (p.record, p.anchor)})
    )
    if not changes and not pending and not _undone_decisions(engine, decisions):
        report.blocking_keys = count_keys(engine)
        return True
    update = IncrementalMatch(engine, matcher, changes, decisions, constraints, pins, pending)
    result = update.run()
    report.blocking_keys_written = update.keys_deleted + update.keys_inserted
    report.blocking_keys = count_keys(engine)
    report.records = len(update.loaded_ids())
    report.candidate_pairs = result.blocking.candidate_pairs
    clock.lap("match")
    rows = _pair_rows(matcher, result)
    _write_scored_pairs(engine, matcher, rows, decisions, report, update.scope())
    clock.lap("pairs")
    _apply(project, engine, result, report, actor)
    update.mark_matched()
    clock.lap("golden")
    return True


def _run(
    project: Project,
    engine: Engine,
    report: MatchReport,
    full: bool,
    actor: str,
    on_progress: Progress | None,
    policy: bool = True,
) -> None:
    loaded_before = utc_now()
    result = _match_and_write(project, engine, report, full, on_progress, policy)
    if result is None:  # nothing to fit a model on or to match
        mark_all_matched(engine, loaded_before)
        return
    apply_result(project, engine, result, report, actor, loaded_before)
    if on_progress is not None:
        on_progress("done", report.records)


def _match_and_write(
    project: Project,
    engine: Engine,
    report: MatchReport,
    full: bool,
    on_progress: Progress | None,
    policy: bool,
) -> MatchResult | None:
    """Load every record, choose or fit the model, match, and write the pairs and keys; None
    when there is no record. The engine (the records' table and the candidates, most of a full
    run's memory) is freed when this returns, before the clusters are applied."""
    clock = _Clock(report.seconds)
    matcher = loaded_engine(project, engine, on_progress)
    report.records = int(matcher.table.active.sum())
    clock.lap("load")
    decisions = load_steward_decisions(engine)
    if not report.records:
        _write_pairs(engine, matcher, [], decisions, report)
        return None
    grow = project.config.matching.refit_when_records_grow if policy else None
    choice = choose_model(engine, matcher, full, decisions, grow, report.model_fit_reason)
    report.model_version, report.model_fitted = choice.version, choice.fitted
    report.model_fit_reason = choice.reason
    if choice.fitted:
        log.info("match model %s fitted: %s", choice.version[:12], choice.reason)
    clock.lap("model")
    constraints, _ = match_constraints(project, engine, decisions, report)
    result = matcher.run(constraints)
    report.candidate_pairs = result.blocking.candidate_pairs
    clock.lap("match")
    write_result(engine, matcher, result, decisions, report)
    return result


def write_result(
    engine: Engine,
    matcher: MatchEngine,
    result: MatchResult,
    decisions: StewardDecisions,
    report: MatchReport,
) -> None:
    """Write a full run's pairs and blocking keys (apply its clusters with
    :func:`apply_result` once ``matcher`` is no longer held: it is most of the run's memory)."""
    clock = _Clock(report.seconds)
    _write_pairs(engine, matcher, _pair_rows(matcher, result), decisions, report)
    clock.lap("pairs")


def apply_result(
    project: Project,
    engine: Engine,
    result: MatchResult,
    report: MatchReport,
    actor: str,
    loaded_before: datetime,
) -> None:
    """Apply a full run's clusters to the golden records, then record every record unchanged
    since ``loaded_before`` as matched."""
    clock = _Clock(report.seconds)
    _apply(project, engine, result, report, actor)
    mark_all_matched(engine, loaded_before)
    clock.lap("golden")


def _undone_decisions(engine: Engine, decisions: StewardDecisions) -> bool:
    """Whether a standing steward decision is not reflected in the golden records yet."""
    if not (decisions.must_link or decisions.cannot_link):
        return False
    golden = golden_ids_of(engine, [int(i) for i in decisions.ids()])
    same = all(golden.get(int(a)) == golden.get(int(b)) for a, b in decisions.must_link)
    apart = all(golden.get(int(a)) != golden.get(int(b)) for a, b in decisions.cannot_link)
    return not (same and apart)


def _write_pairs(
    engine: Engine,
    matcher: MatchEngine,
    pairs: list[PairRow],
    decisions: StewardDecisions,
    report: MatchReport,
) -> None:
    """Store the pairs and the blocking keys; count them into ``report``."""
    _write_scored_pairs(engine, matcher, pairs, decisions, report)
    keys = sync_blocking_keys(engine, keys_by_source(matcher))
    report.blocking_keys = keys.kept + keys.inserted
    report.blocking_keys_written = keys.inserted + keys.deleted


def _write_scored_pairs(
    engine: Engine,
    matcher: MatchEngine,
    pairs: list[PairRow],
    decisions: StewardDecisions,
    report: MatchReport,
    scope: PairScope | None = None,
) -> None:
    writes = write_match_pairs(
        engine, pairs, report.model_version, decisions, _explainer(matcher), scope
    )
    report.pairs_inserted, report.pairs_updated, report.pairs_deleted = (
        writes.inserted,
        writes.updated,
        writes.deleted,
    )
    report.merged = sum(1 for p in pairs if p.status == "merge")
    report.to_review = len(pairs) - report.merged


@dataclass(frozen=True, slots=True)
class ModelChoice:
    """The model a run scores with: its version, whether it was fitted now, and why."""

    version: str
    fitted: bool
    reason: str = ""


def choose_model(
    engine: Engine,
    matcher: MatchEngine,
    full: bool,
    decisions: StewardDecisions,
    grow: float | None = None,
    why_full: str = "",
) -> ModelChoice:
    """Use the latest stored model when it fits these records and (with ``grow``, the
    ``matching.refit_when_records_grow`` policy) they did not outgrow it; else fit and store
    one, steward decisions serving as labels. ``why_full`` says why ``full`` was asked."""
    reason = why_full or "asked for"
    if not full:
        stored, reason = _stored_model_for(engine, matcher, grow)
        if stored is not None:
            matcher.use_model(stored[1])
            return ModelChoice(stored[0], False)
    model = matcher.fit(decisions)
    return ModelChoice(save_model(engine, model), True, reason)


def _stored_model_for(
    engine: Engine, matcher: MatchEngine, grow: float | None
) -> tuple[tuple[str, FellegiSunterModel] | None, str]:
    """The usable stored model for the loaded records, or None and why there is none."""
    stored = _usable_stored_model(engine, matcher)
    if stored is None:
        return None, "no usable stored model"
    live = live_records_of(matcher)
    due = refit_reason(stored[1], live, grow_by=grow)
    return (None, due) if due else (stored, "")


def _usable_stored_model(
    engine: Engine, matcher: MatchEngine
) -> tuple[str, FellegiSunterModel] | None:
    try:
        stored = latest_model(engine)
    except ModelFormatError as error:
        log.warning("the stored match model cannot be loaded (%s); fitting a new one", error)
        return None
    if stored is None:
        return None
    version, model = stored
    try:
        model.check_matches([(c.name, c.levels) for c in matcher.comparisons])
    except ModelFormatError as error:
        log.warning("%s; fitting a new model", error)
        return None
    return version, model


def live_records_of(matcher: MatchEngine) -> dict[str, int]:
    """Active records loaded in ``matcher``, by kind."""
    codes, counts = np.unique(matcher.table.kind[matcher.table.active], return_counts=True)
    return {KINDS[int(code)]: int(n) for code, n in zip(codes.tolist(), counts.tolist())}


def _pair_rows(matcher: MatchEngine, result: MatchResult) -> list[PairRow]:
    """The pairs at or above the review threshold; "merge" when both records ended in one
    cluster, else "review"."""
    ids, cluster_of = matcher.table.ids, result.cluster_of
    scored = result.pairs
    rows = []
    for left, right, weight in zip(
        scored.left.tolist(), scored.right.tolist(), scored.weight.tolist()
    ):
        a, b = str(ids[left]), str(ids[right])
        low, high = sorted((int(a), int(b)))
        rows.append(
            PairRow(
                a_id=low,
                b_id=high,
                score=weight,
                probability=float(probability(weight)),
                status="merge" if cluster_of.get(a) == cluster_of.get(b) else "review",
            )
        )
    return rows


def _explainer(matcher: MatchEngine) -> Explainer:
    def explain(pairs: Sequence[tuple[int, int]]) -> list[dict[str, object]]:
        return matcher.explanations_to_store([(str(a), str(b)) for a, b in pairs])

    return explain


def keys_by_source(matcher: MatchEngine, chunk: int = 50_000) -> Iterator[tuple[int, list[str]]]:
    """(source record id, blocking keys) of every active record, computed chunk by chunk."""
    active = np.flatnonzero(matcher.table.active)
    for start in range(0, active.size, chunk):
        rows = active[start : start + chunk]
        keys = record_keys(matcher.table, rows, matcher.families)
        for row, row_keys in zip(rows.tolist(), keys):
            yield int(matcher.table.ids[row]), row_keys


def _apply(
    project: Project, engine: Engine, result: MatchResult, report: MatchReport, actor: str
) -> None:
    clusters = [[int(m) for m in members] for members in result.clusters().values()]
    report.clusters = sum(1 for members in clusters if len(members) > 1)
    with fewer_collections():  # survivorship allocates a few dicts per field of every record
        applied = apply_clusters(
            engine,
            clusters,
            actor,
            report.run_id,
            policy=SurvivorshipPolicy.from_config(project.config.survivorship),
        )
    report.golden_created = applied.created
    report.golden_changed = applied.written
    report.golden_events = applied.events
    report.refused_clusters = len(applied.refused)
    for refused in applied.refused:
        log.warning("cluster %s not applied: %s", sorted(refused.members), refused.reason)


def explain_records(
    project: Project, engine: Engine, left_ref: str, right_ref: str
) -> PairExplanation:
    """Why two source records (ids or CONNECTION/STREAM/KEY) score what they score under
    the latest stored model. Only the two records are loaded: the term frequencies come
    from the model."""
    left_id, left_canonical = resolve_source_record(engine, left_ref)
    right_id, right_canonical = resolve_source_record(engine, right_ref)
    if left_id == right_id:
        raise UsageError(
            f"{left_ref!r} and {right_ref!r} are the same source record ({left_id})",
            hint="name two different records",
        )
    matcher = MatchEngine(settings_from_config(project.config.matching), model=_stored(engine))
    left, right = match_record(left_id, left_canonical), match_record(right_id, right_canonical)
    if left.kind != right.kind:
        raise UsageError(
            f"source record {left_id} is a {left.kind} and {right_id} a {right.kind}",
            hint="only records of the same kind are compared",
        )
    matcher.add([left, right])
    return matcher.explain(left.id, right.id)


def _stored(engine: Engine) -> FellegiSunterModel:
    stored = latest_model(engine)
    if stored is None:
        raise NoStoredModel("no match model in the store yet", hint="run `crmhub match` first")
    return stored[1]


def histogram_thresholds(settings: MatchSettings) -> list[tuple[str, float]]:
    """(label, match weight) of the review and merge thresholds, for histograms."""
    return [
        ("review", weight_of(settings.review_threshold)),
        ("merge", weight_of(settings.merge_threshold)),
    ]


def candidate_weights(project: Project, engine: Engine) -> tuple[np.ndarray, MatchSettings]:
    """Match weights of every candidate pair under the latest stored model (nothing is
    written); raises :class:`NoStoredModel` when no model was stored yet."""
    model = _stored(engine)
    matcher = loaded_engine(project, engine)
    matcher.use_model(model)
    left, _, gamma, _ = matcher.candidates()
    return matcher.scorer.weigh(matcher.table, left, gamma), matcher.settings


class _Clock:
    """Seconds per stage, into a report's ``seconds``."""

    def __init__(self, into: dict[str, float]) -> None:
        self._into = into
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self._into[stage] = round(now - self._last, 3)
        self._last = now
