"""Matching (deduplication): blocking, comparisons, a Fellegi-Sunter model estimated by EM,
constraint-checked clustering, incremental updates and explanations.

Works on :class:`MatchRecord` (flat, normalised customer features); see
:mod:`crmhub.match.engine` for the flow and :mod:`crmhub.match.clustering` for the cluster rule.
"""

from crmhub.match.blocking import (
    KEY_FAMILIES,
    BlockingStats,
    CandidateIndex,
    InMemoryCandidateIndex,
    KeyFamily,
)
from crmhub.match.clustering import ConstraintConflictError, StewardDecisions
from crmhub.match.comparisons import COMPARISONS, Comparison
from crmhub.match.engine import (
    IncrementalResult,
    MatchEngine,
    MatchResult,
    ModelNotFittedError,
    ReviewItem,
)
from crmhub.match.explain import (
    PairExplanation,
    explanation_table,
    histogram_png,
    histogram_text,
)
from crmhub.match.model import FellegiSunterModel, ModelFormatError
from crmhub.match.record import MatchRecord
from crmhub.match.settings import MatchSettings

__all__ = [
    "COMPARISONS",
    "KEY_FAMILIES",
    "BlockingStats",
    "CandidateIndex",
    "Comparison",
    "ConstraintConflictError",
    "FellegiSunterModel",
    "InMemoryCandidateIndex",
    "IncrementalResult",
    "KeyFamily",
    "MatchEngine",
    "MatchRecord",
    "MatchResult",
    "MatchSettings",
    "ModelFormatError",
    "ModelNotFittedError",
    "PairExplanation",
    "ReviewItem",
    "StewardDecisions",
    "explanation_table",
    "histogram_png",
    "histogram_text",
]
