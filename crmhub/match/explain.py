"""Explanations of a pair's score, and score histograms with the thresholds drawn.

A :class:`PairExplanation` lists the prior and, per comparison, the level reached, m, u, the
level's weight log2(m/u) and the term-frequency adjustment. The parts are added in the same
order as :meth:`crmhub.match.scoring.Scorer.weigh` does, so they sum to exactly the reported
match weight, and the probability is computed from that sum.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from rich.table import Table

from crmhub.match.comparisons import compare_pairs
from crmhub.match.scoring import Scorer, probability
from crmhub.match.table import RecordTable

#: Which column shows the compared values of a comparison not named after its column.
DISPLAY_COLUMN: dict[str, str] = {"company": "company_name"}

#: Comparisons of two-valued attributes: the value columns, then the columns whose agreement
#: makes the levels after "exact" (in level order). An explanation shows the two values that
#: agreed, not always the first ones ("exact" beside two different first phones misleads).
AGREEING_VALUES: dict[str, tuple[tuple[str, str], ...]] = {
    "email": (("email1", "email2"), ("email_key1", "email_key2")),
    "phone": (("phone1", "phone2"), ("phone_tail1", "phone_tail2")),
}


#: The fields of a part of a stored explanation, in order. A stored part is a list of these:
#: with 12 comparisons per pair, naming the fields once per explanation halves its size.
STORED_PART_FIELDS: tuple[str, ...] = (
    "comparison",
    "level",
    "left_value",
    "right_value",
    "m",
    "u",
    "weight",
    "tf_adjustment",
)


@dataclass(frozen=True)
class ExplanationPart:
    """One comparison's contribution."""

    comparison: str
    level: str
    left_value: str
    right_value: str
    m: float | None
    u: float | None
    weight: float
    tf_adjustment: float

    @property
    def total(self) -> float:
        """Level weight plus term-frequency adjustment."""
        return self.weight + self.tf_adjustment


@dataclass(frozen=True)
class PairExplanation:
    """Everything that makes up a pair's score."""

    left_id: str
    right_id: str
    prior_weight: float
    parts: tuple[ExplanationPart, ...]
    match_weight: float
    probability: float

    def sum_of_parts(self) -> float:
        """The prior plus every part, added in scoring order (equals ``match_weight``)."""
        total = self.prior_weight
        for part in self.parts:
            total += part.weight
            total += part.tf_adjustment
        return total

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form, for the steward UI and the store: each part a list of
        :data:`STORED_PART_FIELDS`, named once in ``part_fields`` (read it back with
        :meth:`from_dict` or :func:`stored_parts`)."""
        parts = [tuple(getattr(part, name) for name in STORED_PART_FIELDS) for part in self.parts]
        return _stored_form(
            self.left_id,
            self.right_id,
            self.prior_weight,
            self.match_weight,
            self.probability,
            parts,
        )

    @classmethod
    def from_dict(cls, stored: dict[str, Any]) -> PairExplanation:
        """The explanation :meth:`to_dict` stored (or an earlier release's dict per part)."""
        return cls(
            str(stored["left_id"]),
            str(stored["right_id"]),
            float(stored["prior_weight"]),
            tuple(
                ExplanationPart(**{name: part.get(name) for name in STORED_PART_FIELDS})
                for part in stored_parts(stored)
            ),
            float(stored["match_weight"]),
            float(stored["probability"]),
        )


def explain_pairs(
    scorer: Scorer, table: RecordTable, left: np.ndarray, right: np.ndarray
) -> list[PairExplanation]:
    """Explain the scores of many pairs of rows at once (one comparison pass for all)."""
    columns = _explained_columns(scorer, table, left, right)
    return [
        PairExplanation(
            left_id,
            right_id,
            prior,
            tuple(ExplanationPart(*part) for part in parts),
            weight,
            chance,
        )
        for left_id, right_id, prior, weight, chance, parts in columns.per_pair()
    ]


def stored_explanations(
    scorer: Scorer, table: RecordTable, left: np.ndarray, right: np.ndarray
) -> list[dict[str, Any]]:
    """:func:`explain_pairs` in the stored form (:meth:`PairExplanation.to_dict`), built
    straight from the columns: a full run stores one for every pair it keeps."""
    columns = _explained_columns(scorer, table, left, right)
    return [_stored_form(*pair) for pair in columns.per_pair()]


class _Columns(NamedTuple):
    """Everything an explanation holds, for many pairs: per pair the ids, prior, match
    weight and probability; per comparison one list per part field (STORED_PART_FIELDS)."""

    left_ids: list[str]
    right_ids: list[str]
    priors: list[float]
    weights: list[float]
    probabilities: list[float]
    comparisons: list[tuple[list[Any], ...]]

    def per_pair(self) -> Iterator[tuple[str, str, float, float, float, list[tuple[Any, ...]]]]:
        """(left id, right id, prior, match weight, probability, part rows) of each pair."""
        rows_by_comparison = [list(zip(*fields)) for fields in self.comparisons]
        parts_by_pair = zip(*rows_by_comparison) if rows_by_comparison else repeat(())
        return (
            (a, b, prior, weight, chance, list(parts))
            for a, b, prior, weight, chance, parts in zip(
                self.left_ids,
                self.right_ids,
                self.priors,
                self.weights,
                self.probabilities,
                parts_by_pair,
            )
        )


def _explained_columns(
    scorer: Scorer, table: RecordTable, left: np.ndarray, right: np.ndarray
) -> _Columns:
    gamma = compare_pairs(table, left, right, scorer.comparisons)
    prior = scorer.prior_weights()[table.kind[left]].astype(np.float64)
    total = prior.copy()
    comparisons = []
    for k, (comparison, params) in enumerate(zip(scorer.comparisons, scorer.model.comparisons)):
        levels = gamma[:, k]  # MISSING (-1) picks the last entry of each lookup below
        weights = scorer.level_weights(k)[levels]
        adjustment = scorer.tf_adjustment(table, k, left, levels)
        tf = adjustment if adjustment is not None else np.zeros(levels.size)
        # added in scoring order, part by part, so the parts sum to exactly the match weight
        total += weights
        total += tf
        shown_left, shown_right = _shown_values(table, comparison.name, left, right)
        comparisons.append(
            (
                [comparison.name] * levels.size,
                _lookup([*comparison.levels, "missing"], levels),
                [str(v) for v in shown_left.tolist()],
                [str(v) for v in shown_right.tolist()],
                _lookup([*params.m, None], levels),
                _lookup([*params.u, None], levels),
                weights.tolist(),
                tf.tolist(),
            )
        )
    ids = table.ids
    return _Columns(
        [str(i) for i in ids[left].tolist()],
        [str(i) for i in ids[right].tolist()],
        prior.tolist(),
        total.tolist(),
        probability(total).tolist(),
        comparisons,
    )


def _lookup(values: list[Any], indexes: np.ndarray) -> list[Any]:
    """``values[i]`` for each index (-1: the last value)."""
    return np.asarray(values, dtype=object)[indexes].tolist()


def _stored_form(
    left_id: str,
    right_id: str,
    prior: float,
    weight: float,
    chance: float,
    parts: Sequence[Sequence[Any]],
) -> dict[str, Any]:
    return {
        "left_id": left_id,
        "right_id": right_id,
        "prior_weight": prior,
        "match_weight": weight,
        "probability": chance,
        "part_fields": STORED_PART_FIELDS,
        "parts": parts,  # tuples: JSON arrays once stored, lists when read back
    }


def stored_parts(explanation: dict[str, Any]) -> list[dict[str, Any]]:
    """The parts of a stored explanation as dicts by field name, in either stored shape: a list
    per part with ``part_fields`` (this release) or a dict per part (earlier ones). Anything
    else is skipped, so a damaged row still shows what it can."""
    fields = explanation.get("part_fields") or STORED_PART_FIELDS
    out = []
    for part in explanation.get("parts") or ():
        if isinstance(part, dict):
            out.append(part)
        elif isinstance(part, (list, tuple)) and len(part) == len(fields):
            out.append(dict(zip(fields, part)))
    return out


def _shown_values(
    table: RecordTable, comparison: str, left: np.ndarray, right: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The values an explanation shows for a comparison: its display column on each side or,
    for a two-valued attribute, the first pair of values that agree (exactly, else by the
    derived columns of its next levels), else the first values."""
    if comparison not in AGREEING_VALUES:
        column = table.column(DISPLAY_COLUMN.get(comparison, comparison))
        return column[left], column[right]
    (first, second), *derived = AGREEING_VALUES[comparison]
    values = (table.column(first), table.column(second))
    shown_left, shown_right = values[0][left], values[0][right]
    settled = np.zeros(left.size, dtype=bool)
    for one, two in ((first, second), *derived):
        keys = (table.column(one), table.column(two))
        for i, j in ((0, 0), (0, 1), (1, 0), (1, 1)):
            agree = ~settled & (keys[i][left] == keys[j][right]) & (keys[i][left] != "")
            shown_left = np.where(agree, values[i][left], shown_left)
            shown_right = np.where(agree, values[j][right], shown_right)
            settled |= agree
    return shown_left, shown_right


def explanation_table(explanation: PairExplanation) -> Table:
    """A rich table of the explanation (print it with a rich Console)."""
    table = Table(title=f"{explanation.left_id} vs {explanation.right_id}")
    for header in ("comparison", "left", "right", "level", "m", "u", "weight", "tf adj."):
        table.add_column(
            header, justify="right" if header in ("m", "u", "weight", "tf adj.") else "left"
        )
    table.add_row("prior", "", "", "", "", "", f"{explanation.prior_weight:+.2f}", "")
    for part in explanation.parts:
        table.add_row(
            part.comparison,
            part.left_value,
            part.right_value,
            part.level,
            "" if part.m is None else f"{part.m:.4f}",
            "" if part.u is None else f"{part.u:.2e}",
            f"{part.weight:+.2f}",
            f"{part.tf_adjustment:+.2f}" if part.tf_adjustment else "",
        )
    table.add_row(
        "total",
        "",
        "",
        "",
        "",
        "",
        f"{explanation.match_weight:+.2f}",
        f"p={explanation.probability:.4f}",
        style="bold",
    )
    return table


def histogram_text(
    weights: np.ndarray, thresholds: Sequence[tuple[str, float]], bins: int = 30, width: int = 50
) -> str:
    """A text histogram of match weights with threshold markers (``thresholds`` are
    (label, weight) pairs); the count axis is logarithmic so both tails stay visible."""
    if weights.size == 0:
        return "(no pairs)"
    low, high = float(np.floor(weights.min())), float(np.ceil(weights.max()))
    counts, edges = np.histogram(weights, bins=bins, range=(low, max(high, low + 1)))
    scale = np.log1p(counts.max())
    lines = []
    for count, start, stop in zip(counts, edges[:-1], edges[1:]):
        bar = "#" * round(width * np.log1p(count) / scale) if count else ""
        marks = [label for label, t in thresholds if start <= t < stop]
        suffix = f"  <-- {', '.join(marks)}" if marks else ""
        lines.append(f"{start:7.1f} .. {stop:7.1f} | {bar:<{width}} {count:>9}{suffix}")
    return "\n".join(lines)


def histogram_png(
    weights: np.ndarray, thresholds: Sequence[tuple[str, float]], path: str | Path, bins: int = 60
) -> Path | None:
    """Save a PNG histogram of match weights with the thresholds drawn; returns the path, or
    None when matplotlib is not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    figure, axis = plt.subplots(figsize=(9, 4.5))
    axis.hist(weights, bins=bins, log=True, color="#4c72b0")
    for (label, value), colour in zip(thresholds, ("#c44e52", "#dd8452", "#55a868")):
        axis.axvline(value, color=colour, linestyle="--", label=f"{label} ({value:+.1f})")
    axis.set_xlabel("match weight (log2 odds)")
    axis.set_ylabel("pairs (log scale)")
    axis.legend()
    figure.tight_layout()
    out = Path(path)
    figure.savefig(out, dpi=110)
    plt.close(figure)
    return out
