"""Pairwise comparisons: for each candidate pair, one agreement *level* per comparison.

A comparison has ordered levels (best first, the last is "else") and a function that turns a
:class:`PairBatch` into the level of every pair at once, using rapidfuzz's ``cpdist`` (element-
wise similarities in C) and numpy. Level ``-1`` means a value is missing on either side: it
carries no evidence (weight 0).

The built-ins are in :data:`COMPARISONS`; settings pick them by name.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler, Levenshtein
from rapidfuzz.process import cpdist

from crmhub.match.table import RecordTable

MISSING = -1
#: Batches at least this large use every core in rapidfuzz.
PARALLEL_FROM = 20_000


class PairBatch:
    """A batch of pairs (row numbers) over a table, with per-batch caches of gathered values
    and shared intermediate results (e.g. the aligned names used by two comparisons)."""

    def __init__(self, table: RecordTable, left: np.ndarray, right: np.ndarray) -> None:
        self.table = table
        self.left = left
        self.right = right
        self._values: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._memo: dict[str, object] = {}

    def __len__(self) -> int:
        return int(self.left.size)

    def values(self, column: str) -> tuple[np.ndarray, np.ndarray]:
        """Left and right values of a column for every pair."""
        if column not in self._values:
            data = self.table.column(column)
            self._values[column] = (data[self.left], data[self.right])
        return self._values[column]

    def memo(self, key: str, compute: Callable[[], object]) -> object:
        """Compute once per batch."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]


def similarity(scorer: Callable[..., float], a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Element-wise similarity (or distance) of two equal-length string arrays."""
    if a.size == 0:
        return np.empty(0, dtype=np.float32)
    workers = -1 if a.size >= PARALLEL_FROM else 1
    return cpdist(a, b, scorer=scorer, dtype=np.float32, workers=workers)


def jaro_winkler(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Jaro-Winkler similarity in [0, 1]."""
    return similarity(JaroWinkler.normalized_similarity, a, b)


def edit_distance(a: np.ndarray, b: np.ndarray, transpositions: bool = True) -> np.ndarray:
    """Damerau-Levenshtein (or plain Levenshtein) distance."""
    scorer = DamerauLevenshtein.distance if transpositions else Levenshtein.distance
    return similarity(scorer, a, b)


def missing_either(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """True where either side is empty."""
    return (a == "") | (b == "")


def levels_from(missing: np.ndarray, conditions: Sequence[np.ndarray]) -> np.ndarray:
    """Level = index of the first true condition, ``len(conditions)`` if none (the "else"
    level), ``-1`` where missing."""
    level = np.full(missing.size, len(conditions), dtype=np.int8)
    for index in range(len(conditions) - 1, -1, -1):
        level[conditions[index]] = index
    level[missing] = MISSING
    return level


LevelFn = Callable[[PairBatch], np.ndarray]


@dataclass(frozen=True)
class Comparison:
    """One comparison: name, level labels (best first, last = "else"), the column whose value
    frequency adjusts the weight of the first (exact) level, and the level function."""

    name: str
    levels: tuple[str, ...]
    compute: LevelFn
    tf_column: str | None = None
    description: str = ""

    def compare(self, batch: PairBatch) -> np.ndarray:
        """Level of every pair in the batch (int8, -1 = missing)."""
        return self.compute(batch)


# ---- names -----------------------------------------------------------------------------------

NAME_SWAP_MARGIN = 0.2


def aligned_names(batch: PairBatch) -> dict[str, np.ndarray]:
    """Given and family names of the right side, swapped where that fits the left side much
    better ("Rossi Mario" vs "Mario Rossi"), with their Jaro-Winkler similarities."""

    def compute() -> dict[str, np.ndarray]:
        g1, g2 = batch.values("given_name")
        f1, f2 = batch.values("family_name")
        gg, ff = jaro_winkler(g1, g2), jaro_winkler(f1, f2)
        gf, fg = jaro_winkler(g1, f2), jaro_winkler(f1, g2)
        complete = ~(missing_either(g1, g2) | missing_either(f1, f2))
        # swap only where it explains both names, so a different given name cannot hide as a
        # different family name
        swap = complete & ((gf + fg) > (gg + ff) + NAME_SWAP_MARGIN) & (np.minimum(gf, fg) >= 0.8)
        return {
            "given_left": g1,
            "given_right": np.where(swap, f2, g2),
            "family_left": f1,
            "family_right": np.where(swap, g2, f2),
            "given_sim": np.where(swap, gf, gg),
            "family_sim": np.where(swap, fg, ff),
        }

    return batch.memo("aligned_names", compute)  # type: ignore[return-value]


def _lengths(values: np.ndarray) -> np.ndarray:
    return np.fromiter(map(len, values), dtype=np.int32, count=values.size)


def _given_name(batch: PairBatch) -> np.ndarray:
    n = aligned_names(batch)
    a, b, sim = n["given_left"], n["given_right"], n["given_sim"]
    i1, i2 = batch.values("given_initial")
    abbreviated = (_lengths(a) == 1) | (_lengths(b) == 1)
    return levels_from(
        missing_either(a, b),
        [a == b, sim >= 0.92, sim >= 0.80, abbreviated & (i1 == i2), abbreviated],
    )


def _family_name(batch: PairBatch) -> np.ndarray:
    n = aligned_names(batch)
    a, b, sim = n["family_left"], n["family_right"], n["family_sim"]
    return levels_from(missing_either(a, b), [a == b, sim >= 0.92, sim >= 0.80])


# ---- dates and identifiers -------------------------------------------------------------------


def _birth_date(batch: PairBatch) -> np.ndarray:
    a, b = batch.values("birth_date")
    _, b_swapped = batch.values("birth_date_swapped")
    distance = edit_distance(a, b)
    return levels_from(missing_either(a, b), [a == b, a == b_swapped, distance <= 1, distance <= 2])


def _identifier(column: str, typo_level: bool) -> LevelFn:
    def compute(batch: PairBatch) -> np.ndarray:
        a, b = batch.values(column)
        conditions = [a == b]
        if typo_level:
            conditions.append(edit_distance(a, b) <= 1)
        return levels_from(missing_either(a, b), conditions)

    return compute


# ---- contact points --------------------------------------------------------------------------


def _any_equal(batch: PairBatch, first: str, second: str) -> np.ndarray:
    """True where any of the two values on the left equals any of the two on the right."""
    a1, b1 = batch.values(first)
    a2, b2 = batch.values(second)
    hit = (a1 == b1) & (a1 != "")
    hit |= (a1 == b2) & (a1 != "")
    hit |= (a2 == b1) & (a2 != "")
    hit |= (a2 == b2) & (a2 != "")
    return hit


def _email(batch: PairBatch) -> np.ndarray:
    a, b = batch.values("email1")
    local_a, local_b = batch.values("email_local1")
    domain_a, domain_b = batch.values("email_domain1")
    digits_a, digits_b = batch.values("email_digits1")
    return levels_from(
        missing_either(a, b),
        [
            _any_equal(batch, "email1", "email2"),
            _any_equal(batch, "email_key1", "email_key2"),
            # a typo in the mailbox name at the same provider. Not: similar names at different
            # providers (the name comparisons already count the name), nor mailboxes that
            # differ in their digits ("mario.rossi65" is usually another Mario Rossi)
            (domain_a == domain_b)
            & (digits_a == digits_b)
            & (jaro_winkler(local_a, local_b) >= 0.88),
        ],
    )


def _phone(batch: PairBatch) -> np.ndarray:
    a, b = batch.values("phone1")
    return levels_from(
        missing_either(a, b),
        [_any_equal(batch, "phone1", "phone2"), _any_equal(batch, "phone_tail1", "phone_tail2")],
    )


# ---- organisations and addresses -------------------------------------------------------------


def _company(batch: PairBatch) -> np.ndarray:
    a, b = batch.values("company_key")
    full_a, full_b = batch.values("company_name")
    token_set = similarity(fuzz.token_set_ratio, a, b)
    return levels_from(
        missing_either(a, b),
        [full_a == full_b, a == b, token_set >= 90, jaro_winkler(a, b) >= 0.88],
    )


def _street(batch: PairBatch) -> np.ndarray:
    a, b = batch.values("street")
    sort_ratio = similarity(fuzz.token_sort_ratio, a, b)
    return levels_from(missing_either(a, b), [a == b, sort_ratio >= 90, jaro_winkler(a, b) >= 0.80])


def _text_levels(column: str, thresholds: Sequence[float]) -> LevelFn:
    def compute(batch: PairBatch) -> np.ndarray:
        a, b = batch.values(column)
        sim = jaro_winkler(a, b) if thresholds else None
        conditions = [a == b] + [sim >= t for t in thresholds]  # type: ignore[operator]
        return levels_from(missing_either(a, b), conditions)

    return compute


def _code_levels(column: str, max_edits: int) -> LevelFn:
    def compute(batch: PairBatch) -> np.ndarray:
        a, b = batch.values(column)
        conditions = [a == b]
        if max_edits:
            conditions.append(edit_distance(a, b) <= max_edits)
        return levels_from(missing_either(a, b), conditions)

    return compute


#: The built-in comparisons, by name.
COMPARISONS: dict[str, Comparison] = {
    c.name: c
    for c in (
        Comparison(
            "given_name",
            ("exact", "jw>=0.92", "jw>=0.80", "initial", "other initial", "else"),
            _given_name,
            tf_column="given_name",
            description="given name (aligned if given/family swapped)",
        ),
        Comparison(
            "family_name",
            ("exact", "jw>=0.92", "jw>=0.80", "else"),
            _family_name,
            tf_column="family_name",
            description="family name (aligned if swapped)",
        ),
        Comparison(
            "birth_date",
            ("exact", "day-month swapped", "1 edit", "2 edits", "else"),
            _birth_date,
            description="birth date YYYYMMDD",
        ),
        Comparison(
            "national_id",
            ("exact", "1 edit", "else"),
            _identifier("national_id", True),
            description="codice fiscale / national id",
        ),
        Comparison("vat", ("exact", "else"), _identifier("vat", False), description="VAT id"),
        Comparison(
            "email",
            ("exact", "same mailbox key", "same domain, jw>=0.88", "else"),
            _email,
            description="any e-mail equal; mailbox key equal (case, dots, +tag); a typo",
        ),
        Comparison(
            "phone",
            ("exact", "same last 8 digits", "else"),
            _phone,
            description="any phone equal",
        ),
        Comparison(
            "company",
            ("exact", "same without legal form", "token set>=90", "jw>=0.88", "else"),
            _company,
            tf_column="company_key",
            description="company name",
        ),
        Comparison(
            "street",
            ("exact", "token sort>=90", "jw>=0.80", "else"),
            _street,
            description="street, abbreviations expanded",
        ),
        Comparison(
            "house_number",
            ("exact", "1 edit", "else"),
            _code_levels("house_number", 1),
            description="house number",
        ),
        Comparison(
            "address_extra",
            ("exact", "jw>=0.90", "jw>=0.70", "else"),
            _text_levels("address_extra", (0.90, 0.70)),
            description="second address line",
        ),
        Comparison(
            "postcode",
            ("exact", "1 edit", "else"),
            _code_levels("postcode", 1),
            tf_column="postcode",
            description="postcode",
        ),
        Comparison(
            "city",
            ("exact", "jw>=0.90", "else"),
            _text_levels("city", (0.90,)),
            tf_column="city",
            description="city / suburb",
        ),
        Comparison("region", ("exact", "else"), _text_levels("region", ()), description="state"),
    )
}


def comparisons_by_name(names: Sequence[str]) -> list[Comparison]:
    """Resolve comparison names, naming the unknown one and the valid choices."""
    unknown = [n for n in names if n not in COMPARISONS]
    if unknown:
        raise ValueError(f"unknown comparison(s) {unknown}; choose from {sorted(COMPARISONS)}")
    return [COMPARISONS[n] for n in names]


def compare_pairs(
    table: RecordTable,
    left: np.ndarray,
    right: np.ndarray,
    comparisons: Sequence[Comparison],
    chunk: int = 500_000,
) -> np.ndarray:
    """Level matrix (pairs x comparisons, int8) for the given pairs, computed in chunks."""
    out = np.empty((left.size, len(comparisons)), dtype=np.int8)
    for start in range(0, left.size, chunk):
        stop = min(start + chunk, left.size)
        batch = PairBatch(table, left[start:stop], right[start:stop])
        for k, comparison in enumerate(comparisons):
            out[start:stop, k] = comparison.compare(batch)
    return out
