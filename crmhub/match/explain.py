"""Explanations of a pair's score, and score histograms with the thresholds drawn.

A :class:`PairExplanation` lists the prior and, per comparison, the level reached, m, u, the
level's weight log2(m/u) and the term-frequency adjustment. The parts are added in the same
order as :meth:`crmhub.match.scoring.Scorer.weigh` does, so they sum to exactly the reported
match weight, and the probability is computed from that sum.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rich.table import Table

from crmhub.match.comparisons import MISSING, compare_pairs
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

    def to_dict(self) -> dict[str, object]:
        """JSON-able form, for the steward UI and the store."""
        return {
            "left_id": self.left_id,
            "right_id": self.right_id,
            "prior_weight": self.prior_weight,
            "match_weight": self.match_weight,
            "probability": self.probability,
            "parts": [part.__dict__ for part in self.parts],
        }


def explain_pairs(
    scorer: Scorer, table: RecordTable, left: np.ndarray, right: np.ndarray
) -> list[PairExplanation]:
    """Explain the scores of many pairs of rows at once (one comparison pass for all: a
    full run stores an explanation for every pair it keeps)."""
    gamma = compare_pairs(table, left, right, scorer.comparisons)
    prior = scorer.prior_weights()[table.kind[left]].astype(np.float64)
    total = prior.copy()
    # per comparison: (comparison, levels, weights, tf adjustments, shown values, m, u)
    columns = []
    for k, (comparison, params) in enumerate(zip(scorer.comparisons, scorer.model.comparisons)):
        levels = gamma[:, k]
        weights = scorer.level_weights(k)[levels]
        adjustment = scorer.tf_adjustment(table, k, left, levels)
        tf = adjustment if adjustment is not None else np.zeros(levels.size)
        # added in scoring order, part by part, so the parts sum to exactly the match weight
        total += weights
        total += tf
        shown_left, shown_right = _shown_values(table, comparison.name, left, right)
        columns.append(
            (
                comparison,
                levels.tolist(),
                weights.tolist(),
                tf.tolist(),
                shown_left.tolist(),
                shown_right.tolist(),
                [*params.m, None],  # index -1 (missing) gives None
                [*params.u, None],
            )
        )
    ids = table.ids
    probabilities = probability(total).tolist()
    explanations = []
    for i, (a, b) in enumerate(zip(ids[left].tolist(), ids[right].tolist())):
        parts = tuple(
            ExplanationPart(
                comparison=comparison.name,
                level="missing" if levels[i] == MISSING else comparison.levels[levels[i]],
                left_value=str(left_values[i]),
                right_value=str(right_values[i]),
                m=m[levels[i]],
                u=u[levels[i]],
                weight=weights[i],
                tf_adjustment=tf[i],
            )
            for comparison, levels, weights, tf, left_values, right_values, m, u in columns
        )
        explanations.append(
            PairExplanation(
                str(a), str(b), float(prior[i]), parts, float(total[i]), probabilities[i]
            )
        )
    return explanations


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
