"""The Fellegi-Sunter model: m and u per comparison level, the prior, term frequencies.

A pair's match weight is ``prior_weight + sum(log2(m/u) of each comparison's level)`` plus, for
an exact agreement on a column with term frequencies, ``log2(u_exact / tf(value))``: agreeing
on "rossi" is weaker evidence than agreeing on "zappacosta". The model is a versioned,
JSON-able dict (:meth:`FellegiSunterModel.to_dict`) so the store can keep it.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

MODEL_FORMAT = 1
#: No probability is allowed to reach 0 or 1, so every weight stays finite.
PROBABILITY_FLOOR = 1e-6


class ModelFormatError(ValueError):
    """A serialised model that cannot be loaded; the message names the field."""


@dataclass
class ComparisonParams:
    """m and u for each level of one comparison (best level first, "else" last)."""

    name: str
    levels: tuple[str, ...]
    m: list[float]
    u: list[float]
    tf_column: str | None = None

    def weights(self) -> np.ndarray:
        """log2(m/u) per level, with a trailing 0.0 so index -1 (missing) weighs nothing."""
        m = np.clip(np.asarray(self.m, dtype=np.float64), PROBABILITY_FLOOR, 1.0)
        u = np.clip(np.asarray(self.u, dtype=np.float64), PROBABILITY_FLOOR, 1.0)
        return np.append(np.log2(m / u), 0.0)


@dataclass
class TermFrequencies:
    """How often each value of a column occurs. Values not listed count ``floor_count``."""

    column: str
    total: int
    counts: dict[str, int]
    floor_count: int = 1

    def frequency(self, value: str) -> float:
        """Share of records holding ``value`` (never 0)."""
        return self.counts.get(value, self.floor_count) / max(self.total, 1)

    def frequencies(self, values: np.ndarray) -> np.ndarray:
        """:meth:`frequency` for an array of values."""
        get, floor, total = self.counts.get, self.floor_count, max(self.total, 1)
        counts = np.asarray([get(v, floor) for v in values.tolist()], dtype=np.float64)
        return counts / total

    @classmethod
    def from_values(
        cls, column: str, values: np.ndarray, keep_top: int = 50_000
    ) -> TermFrequencies:
        """Count the non-empty values; keep the ``keep_top`` most common with count >= 2."""
        counted = Counter(values.tolist())
        counted.pop("", None)
        total = sum(counted.values())
        repeated = [(v, c) for v, c in counted.items() if c >= 2]
        if len(repeated) > keep_top:
            repeated = sorted(repeated, key=lambda vc: (-vc[1], vc[0]))[:keep_top]
        return cls(column, total, dict(repeated))


@dataclass
class FellegiSunterModel:
    """Parameters of a trained model. ``priors`` holds, per record kind ("person",
    "organization"), the probability that two random records of that kind match."""

    comparisons: list[ComparisonParams]
    priors: dict[str, float]
    term_frequencies: dict[str, TermFrequencies] = field(default_factory=dict)
    training: dict[str, Any] = field(default_factory=dict)
    version: int = MODEL_FORMAT

    def prior_weight(self, kind: str) -> float:
        """log2 of the prior odds for a pair of records of ``kind``."""
        if kind not in self.priors:
            raise KeyError(f"model has no prior for record kind {kind!r}: {sorted(self.priors)}")
        p = min(max(self.priors[kind], 1e-15), 1 - 1e-15)
        return math.log2(p / (1 - p))

    def comparison(self, name: str) -> ComparisonParams:
        """Parameters of one comparison, by name."""
        for params in self.comparisons:
            if params.name == name:
                return params
        raise KeyError(f"model has no comparison {name!r}: {[c.name for c in self.comparisons]}")

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form (format ``version``)."""
        return {
            "format": "crmhub.match.fellegi-sunter",
            "version": self.version,
            "priors": dict(self.priors),
            "comparisons": [
                {
                    "name": c.name,
                    "levels": list(c.levels),
                    "m": list(c.m),
                    "u": list(c.u),
                    "tf_column": c.tf_column,
                }
                for c in self.comparisons
            ],
            "term_frequencies": {
                name: {"total": tf.total, "floor_count": tf.floor_count, "counts": tf.counts}
                for name, tf in self.term_frequencies.items()
            },
            "training": self.training,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FellegiSunterModel:
        """Load a model saved by :meth:`to_dict`, with errors naming the bad field."""
        version = data.get("version")
        if version != MODEL_FORMAT:
            raise ModelFormatError(
                f"match model version {version!r} is not supported (expected {MODEL_FORMAT}); "
                "retrain the model with this crmhub version"
            )
        comparisons = []
        for i, raw in enumerate(_required(data, "comparisons", "model")):
            where = f"comparisons[{i}]"
            levels = tuple(_required(raw, "levels", where))
            m, u = list(_required(raw, "m", where)), list(_required(raw, "u", where))
            if not (len(levels) == len(m) == len(u)):
                raise ModelFormatError(
                    f"{where} ({raw.get('name')!r}): levels, m and u have different lengths "
                    f"({len(levels)}, {len(m)}, {len(u)})"
                )
            comparisons.append(
                ComparisonParams(_required(raw, "name", where), levels, m, u, raw.get("tf_column"))
            )
        tfs = {
            name: TermFrequencies(
                name, int(raw["total"]), dict(raw["counts"]), int(raw.get("floor_count", 1))
            )
            for name, raw in dict(data.get("term_frequencies", {})).items()
        }
        priors = {str(k): float(v) for k, v in dict(_required(data, "priors", "model")).items()}
        return cls(comparisons, priors, tfs, dict(data.get("training", {})), MODEL_FORMAT)

    def check_matches(self, expected: Sequence[tuple[str, Sequence[str]]]) -> None:
        """Raise unless the model's comparisons are exactly ``expected`` (name, levels), in
        order: a model from settings or a crmhub version that compares differently would
        weigh levels it never saw."""
        mine = [c.name for c in self.comparisons]
        names = [name for name, _ in expected]
        if mine != names:
            raise ModelFormatError(
                f"model was trained on comparisons {mine} but the settings use {names}; "
                "retrain or use matching settings"
            )
        for params, (name, levels) in zip(self.comparisons, expected):
            if tuple(params.levels) != tuple(levels):
                raise ModelFormatError(
                    f"model was trained on levels {list(params.levels)} of comparison "
                    f"{name!r}, but this crmhub compares on {list(levels)}; retrain "
                    "(crmhub match --full)"
                )


def _required(data: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in data:
        raise ModelFormatError(f"{where}: missing field {key!r}")
    return data[key]
