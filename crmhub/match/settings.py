"""MatchSettings: which keys and comparisons run, the thresholds and the cluster policy."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Literal

from crmhub.match.blocking import KeyFamily, family_by_name
from crmhub.match.clustering import ClusterPolicy
from crmhub.match.comparisons import Comparison, comparisons_by_name
from crmhub.match.scoring import weight_of

LinkType = Literal["dedupe", "link_only"]

DEFAULT_COMPARISONS: tuple[str, ...] = (
    "given_name",
    "family_name",
    "birth_date",
    "national_id",
    "company",
    "vat",
    "email",
    "phone",
    "street",
    "house_number",
    "postcode",
    "city",
)

DEFAULT_KEY_FAMILIES: tuple[str, ...] = (
    "email",
    "phone",
    "vat",
    "national_id",
    "phonetic_name_postcode",
    "company_city",
    "dob_family",
    "dob_given",
    "phonetic_given_family",
    "name_prefixes",
    "company_prefixes",
    "street_postcode",
)

#: Training blocks for EM: sets of comparisons whose exact agreement selects the pairs that
#: estimate m for the other comparisons (see estimate.em_by_training_blocks).
DEFAULT_TRAINING_BLOCKS: tuple[tuple[str, ...], ...] = (
    ("email",),
    ("national_id",),
    ("vat",),
    ("birth_date", "family_name"),
    ("company", "city"),
)

#: Strong negative evidence: these levels forbid an automatic merge between any two members
#: of a cluster (a steward can still must-link them).
DEFAULT_VETOES: Mapping[str, tuple[str, ...]] = {
    "birth_date": ("else",),
    "national_id": ("else",),
    "vat": ("else",),
    "given_name": ("else",),
}


@dataclass(frozen=True)
class MatchSettings:
    """Everything configurable about a match run. Thresholds are match probabilities.

    * ``merge_threshold``: at or above, a pair may be merged automatically;
    * ``review_threshold``: between it and the merge threshold, a steward decides;
    * ``cluster_floor``: every pair inside an automatically merged cluster must reach this;
    * ``vetoes``: comparison levels that count as strong negative evidence: no automatic
      merge may put two records with such a level into one cluster. The defaults suit data
      whose ids and birth dates are validated at ingest; for very noisy sources (FEBRL's
      typo-ridden birth dates and ids) configure fewer;
    * ``key_cap``: a blocking key held by more records is demoted (makes no pairs);
    * ``link_type``: ``"dedupe"`` compares everything, ``"link_only"`` only records of
      different sources;
    * ``training_blocks``: EM runs on the pairs agreeing on each of these comparison sets
      (blocks naming comparisons not in use are skipped); empty = one EM over all candidates.
    """

    comparisons: tuple[str, ...] = DEFAULT_COMPARISONS
    key_families: tuple[str, ...] = DEFAULT_KEY_FAMILIES
    key_cap: int = 50
    merge_threshold: float = 0.9
    review_threshold: float = 0.5
    cluster_floor: float = 1e-4
    vetoes: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: dict(DEFAULT_VETOES))
    link_type: LinkType = "dedupe"
    training_blocks: tuple[tuple[str, ...], ...] = DEFAULT_TRAINING_BLOCKS
    u_sample_pairs: int = 1_000_000
    em_max_iterations: int = 200
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("merge_threshold", "review_threshold", "cluster_floor"):
            value = getattr(self, name)
            if not 0.0 < value < 1.0:
                raise ValueError(
                    f"MatchSettings.{name} must be a probability in (0, 1), got {value}"
                )
        if self.review_threshold > self.merge_threshold:
            raise ValueError(
                f"MatchSettings.review_threshold ({self.review_threshold}) is above "
                f"merge_threshold ({self.merge_threshold}); the review band would be empty"
            )
        if self.key_cap < 2:
            raise ValueError(f"MatchSettings.key_cap must be at least 2, got {self.key_cap}")
        if self.link_type not in ("dedupe", "link_only"):
            raise ValueError(
                f"MatchSettings.link_type {self.link_type!r} is not 'dedupe' or 'link_only'"
            )
        self.resolve_comparisons()
        self.resolve_key_families()
        self.training_block_indexes()
        self.cluster_policy()

    def resolve_comparisons(self) -> list[Comparison]:
        """The comparison objects, in order."""
        return comparisons_by_name(self.comparisons)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str = "match settings") -> MatchSettings:
        """Settings from a plain mapping (YAML/JSON config); ``where`` names the source in
        errors (e.g. ``"crmhub.yaml: match"``)."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"{where}: unknown key(s) {unknown}; known keys: {sorted(known)}")
        values = dict(data)
        for name in ("comparisons", "key_families"):
            if name in values:
                values[name] = tuple(values[name])
        if "training_blocks" in values:
            values["training_blocks"] = tuple(tuple(b) for b in values["training_blocks"])
        if "vetoes" in values:
            values["vetoes"] = {k: tuple(v) for k, v in dict(values["vetoes"]).items()}
        try:
            return cls(**values)
        except (TypeError, ValueError) as error:
            raise ValueError(f"{where}: {error}") from error

    def training_block_indexes(self) -> list[list[int]]:
        """Training blocks as comparison indexes; blocks using a comparison not in use are
        dropped."""
        return [
            [self.comparisons.index(name) for name in block]
            for block in self.training_blocks
            if all(name in self.comparisons for name in block)
        ]

    def resolve_key_families(self) -> list[KeyFamily]:
        """The key family objects, in order."""
        return family_by_name(self.key_families)

    def cluster_policy(self) -> ClusterPolicy:
        """Thresholds as weights and vetoes as (comparison index -> level indexes)."""
        comparisons = self.resolve_comparisons()
        names = [c.name for c in comparisons]
        vetoes = {}
        for name, labels in self.vetoes.items():
            if name not in names:
                continue  # a veto on a comparison not in use is inert
            k = names.index(name)
            levels = comparisons[k].levels
            unknown = [label for label in labels if label not in levels]
            if unknown:
                raise ValueError(
                    f"MatchSettings.vetoes[{name!r}]: unknown level(s) {unknown}; "
                    f"levels are {list(levels)}"
                )
            vetoes[k] = frozenset(levels.index(label) for label in labels)
        return ClusterPolicy(
            merge_weight=weight_of(self.merge_threshold),
            floor_weight=weight_of(self.cluster_floor),
            vetoes=vetoes,
        )
