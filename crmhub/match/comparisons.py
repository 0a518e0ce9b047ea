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
from itertools import chain

import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler, Levenshtein
from rapidfuzz.process import cpdist

from crmhub.match.arrays import unique_ints_inverse
from crmhub.match.table import RecordTable

MISSING = -1
#: Batches at least this large use every core in rapidfuzz.
PARALLEL_FROM = 20_000
#: Score distinct value pairs only when they are at most this share of the pairs to score.
DEDUPLICATE_BELOW = 0.7


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

    def codes(self, column: str) -> tuple[np.ndarray, np.ndarray]:
        """Left and right value codes of a column (0 = missing; equal codes = equal values,
        also across the columns of one code space, see :data:`CODE_SPACES`)."""
        key = "codes:" + column
        if key not in self._values:
            space = CODE_SPACES.get(column, (column,))
            if self.table.derive_locally(("codes", space), len(self)):
                self._code_locally(space)
            else:
                data = column_codes(self.table, column)
                self._values[key] = (data[self.left], data[self.right])
        return self._values[key]

    def lengths(self, column: str) -> tuple[np.ndarray, np.ndarray]:
        """Left and right lengths of a column's values."""
        key = "lengths:" + column
        if key not in self._values:
            if self.table.derive_locally(("lengths", column), len(self)):
                self._values[key] = tuple(  # type: ignore[assignment]
                    np.fromiter(map(len, side), np.int32, side.size) for side in self.values(column)
                )
            else:
                data = name_lengths(self.table, column)
                self._values[key] = (data[self.left], data[self.right])
        return self._values[key]

    def _code_locally(self, space: tuple[str, ...]) -> None:
        sides = [side for column in space for side in self.values(column)]
        codes = first_seen_codes([side.tolist() for side in sides])
        for i, column in enumerate(space):
            self._values["codes:" + column] = (codes[2 * i], codes[2 * i + 1])

    def missing(self, column: str) -> np.ndarray:
        """True where the column is empty on either side."""
        a, b = self.codes(column)
        return (a == 0) | (b == 0)

    def equal(self, column: str, other: str | None = None) -> np.ndarray:
        """True where the left ``column`` equals the right ``other`` (default: the same)."""
        a, _ = self.codes(column)
        _, b = self.codes(other or column)
        return a == b

    def similarity(
        self, scorer: Callable[..., float], column: str, other: str | None = None
    ) -> np.ndarray:
        """``scorer`` of the left ``column`` and the right ``other`` (default: the same),
        computed only for pairs of two different non-empty values (equal ones score as a
        value against itself; missing ones 0)."""
        other = other or column
        a, _ = self.codes(column)
        _, b = self.codes(other)
        todo = np.flatnonzero((a != b) & (a != 0) & (b != 0))
        out = np.zeros(a.size, dtype=np.float32)
        out[a == b] = scorer("x", "x")
        if todo.size:
            # score each distinct pair of values once: candidate pairs repeat them a lot
            # (the same two cities, names, postcodes)
            distinct, inverse = unique_ints_inverse((a[todo].astype(np.int64) << 32) | b[todo])
            if distinct.size > DEDUPLICATE_BELOW * todo.size:
                out[todo] = self._scores(scorer, column, other, todo)
            else:
                first = np.empty(distinct.size, dtype=np.int64)
                first[inverse] = todo
                out[todo] = self._scores(scorer, column, other, first)[inverse]
        return out

    def _scores(
        self, scorer: Callable[..., float], column: str, other: str, at: np.ndarray
    ) -> np.ndarray:
        left = self.table.column(column)[self.left[at]]
        right = self.table.column(other)[self.right[at]]
        workers = -1 if at.size >= PARALLEL_FROM else 1
        return cpdist(left, right, scorer=scorer, dtype=np.float32, workers=workers)

    def memo(self, key: str, compute: Callable[[], object]) -> object:
        """Compute once per batch."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]


#: Columns whose values are compared with each other share one code space.
CODE_SPACES: dict[str, tuple[str, ...]] = {
    column: space
    for space in (
        ("email1", "email2"),
        ("email_key1", "email_key2"),
        ("phone1", "phone2"),
        ("phone_tail1", "phone_tail2"),
        ("birth_date", "birth_date_swapped"),
        ("given_name", "family_name"),
        ("given_initial", "family_initial"),
    )
    for column in space
}


def column_codes(table: RecordTable, column: str) -> np.ndarray:
    """An int32 code per row for the column's value: 0 for "", equal values equal codes
    (within the column's code space). Cached on the table until its rows change."""
    space = CODE_SPACES.get(column, (column,))

    def compute() -> np.ndarray:
        return np.stack(first_seen_codes([table.column(c).tolist() for c in space]))

    return table.cached(("codes", space), compute)[space.index(column)]


def first_seen_codes(columns: Sequence[list[str]]) -> list[np.ndarray]:
    """An int32 code per value of each list, shared across the lists, in first-seen order
    with "" as 0 (dict.fromkeys and map run in C; a Python loop per value does not)."""
    seen = dict.fromkeys(chain([""], *columns))
    index = dict(zip(seen, range(len(seen))))
    return [np.fromiter(map(index.__getitem__, c), np.int32, len(c)) for c in columns]


def similarity(scorer: Callable[..., float], a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Element-wise similarity (or distance) of two equal-length string arrays.

    Only pairs of two different non-empty values are scored: an empty side makes the level
    "missing" whatever the score, and equal values score as a value against itself (most
    candidate pairs agree on most fields; most random pairs miss some)."""
    if a.size == 0:
        return np.empty(0, dtype=np.float32)
    same = a == b
    todo = np.flatnonzero(~same & (a != "") & (b != ""))
    out = np.zeros(a.size, dtype=np.float32)
    if todo.size < a.size:
        out[same] = scorer("x", "x")
    if todo.size:
        workers = -1 if todo.size >= PARALLEL_FROM else 1
        out[todo] = cpdist(a[todo], b[todo], scorer=scorer, dtype=np.float32, workers=workers)
    return out


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
    frequency adjusts the weight of the first (exact) level, and the level function.

    ``tf_also`` names other columns the same value can turn up in (a given name typed in the
    family-name field): the value's frequency is the highest over all of them, so a common
    surname agreeing through a given/family swap is not scored as a rare given name."""

    name: str
    levels: tuple[str, ...]
    compute: LevelFn
    tf_column: str | None = None
    description: str = ""
    tf_also: tuple[str, ...] = ()

    def compare(self, batch: PairBatch) -> np.ndarray:
        """Level of every pair in the batch (int8, -1 = missing)."""
        return self.compute(batch)


# ---- names -----------------------------------------------------------------------------------

NAME_SWAP_MARGIN = 0.2


def aligned_names(batch: PairBatch) -> dict[str, np.ndarray]:
    """Given and family names of the right side, swapped where that fits the left side much
    better ("Rossi Mario" vs "Mario Rossi"), with their Jaro-Winkler similarities."""

    def compute() -> dict[str, np.ndarray]:
        given, family, jw = "given_name", "family_name", JaroWinkler.normalized_similarity
        g1, g2 = batch.codes(given)
        f1, f2 = batch.codes(family)
        (g_left_len, g_right_len), (f_left_len, f_right_len) = (
            batch.lengths(given),
            batch.lengths(family),
        )
        gg, ff = batch.similarity(jw, given), batch.similarity(jw, family)
        gf, fg = batch.similarity(jw, given, family), batch.similarity(jw, family, given)
        complete = (g1 != 0) & (g2 != 0) & (f1 != 0) & (f2 != 0)
        # swap only where it explains both names, so a different given name cannot hide as a
        # different family name; an initial ("G." for Giorgio) explains a name it starts
        left_len = {given: g_left_len, family: f_left_len}
        right_len = {given: g_right_len, family: f_right_len}

        def fit(sim: np.ndarray, a: str, b: str) -> np.ndarray:
            initial = (left_len[a] == 1) | (right_len[b] == 1)
            a_initial, b_initial = a.split("_")[0] + "_initial", b.split("_")[0] + "_initial"
            return np.where(initial, batch.equal(a_initial, b_initial).astype(np.float32), sim)

        gg_fit, ff_fit = fit(gg, given, given), fit(ff, family, family)
        gf_fit, fg_fit = fit(gf, given, family), fit(fg, family, given)
        swap = (
            complete
            & ((gf_fit + fg_fit) > (gg_fit + ff_fit) + NAME_SWAP_MARGIN)
            & (np.minimum(gf_fit, fg_fit) >= 0.8)
        )
        return {
            "given_left": g1,
            "given_right": np.where(swap, f2, g2),
            "family_left": f1,
            "family_right": np.where(swap, g2, f2),
            "given_sim": np.where(swap, gf, gg),
            "family_sim": np.where(swap, fg, ff),
            "given_left_len": g_left_len,
            "given_right_len": np.where(swap, f_right_len, g_right_len),
            "same_initial": np.where(
                swap,
                batch.equal("given_initial", "family_initial"),
                batch.equal("given_initial"),
            ),
        }

    return batch.memo("aligned_names", compute)  # type: ignore[return-value]


def name_lengths(table: RecordTable, column: str) -> np.ndarray:
    """Length of the column's value per row (cached on the table)."""

    def compute() -> np.ndarray:
        values = table.column(column)
        return np.fromiter(map(len, values), dtype=np.int32, count=values.size)

    return table.cached(("lengths", column), compute)


def _given_name(batch: PairBatch) -> np.ndarray:
    n = aligned_names(batch)
    a, b, sim = n["given_left"], n["given_right"], n["given_sim"]
    abbreviated = (n["given_left_len"] == 1) | (n["given_right_len"] == 1)
    same_initial = n["same_initial"]
    return levels_from(
        (a == 0) | (b == 0),
        [a == b, sim >= 0.92, sim >= 0.80, abbreviated & same_initial, abbreviated],
    )


def _family_name(batch: PairBatch) -> np.ndarray:
    n = aligned_names(batch)
    a, b, sim = n["family_left"], n["family_right"], n["family_sim"]
    return levels_from((a == 0) | (b == 0), [a == b, sim >= 0.92, sim >= 0.80])


# ---- dates and identifiers -------------------------------------------------------------------


def _birth_date(batch: PairBatch) -> np.ndarray:
    distance = batch.similarity(DamerauLevenshtein.distance, "birth_date")
    return levels_from(
        batch.missing("birth_date"),
        [
            batch.equal("birth_date"),
            batch.equal("birth_date", "birth_date_swapped"),
            distance <= 1,
            distance <= 2,
        ],
    )


def _identifier(column: str, typo_level: bool) -> LevelFn:
    def compute(batch: PairBatch) -> np.ndarray:
        conditions = [batch.equal(column)]
        if typo_level:
            conditions.append(batch.similarity(DamerauLevenshtein.distance, column) <= 1)
        return levels_from(batch.missing(column), conditions)

    return compute


# ---- contact points --------------------------------------------------------------------------


def _any_equal(batch: PairBatch, first: str, second: str) -> np.ndarray:
    """True where any of the two values on the left equals any of the two on the right."""
    a1, b1 = batch.codes(first)
    a2, b2 = batch.codes(second)
    hit = (a1 == b1) & (a1 != 0)
    hit |= (a1 == b2) & (a1 != 0)
    hit |= (a2 == b1) & (a2 != 0)
    hit |= (a2 == b2) & (a2 != 0)
    return hit


def _email(batch: PairBatch) -> np.ndarray:
    return levels_from(
        batch.missing("email1"),
        [
            _any_equal(batch, "email1", "email2"),
            _any_equal(batch, "email_key1", "email_key2"),
            # only the separators differ, at a provider that reads them: one person's dropped
            # dot, or two namesakes' "mario_rossi" and "mario.rossi"; weighed apart from a typo
            batch.equal("email_alnum1"),
            # a typo in the mailbox name at the same provider. Not: similar names at different
            # providers (the name comparisons already count the name), nor mailboxes that
            # differ in their digits ("mario.rossi65" is usually another Mario Rossi)
            batch.equal("email_domain1")
            & batch.equal("email_digits1")
            & (batch.similarity(JaroWinkler.normalized_similarity, "email_local1") >= 0.88),
        ],
    )


def _phone(batch: PairBatch) -> np.ndarray:
    return levels_from(
        batch.missing("phone1"),
        [_any_equal(batch, "phone1", "phone2"), _any_equal(batch, "phone_tail1", "phone_tail2")],
    )


# ---- organisations and addresses -------------------------------------------------------------


def _company(batch: PairBatch) -> np.ndarray:
    key = "company_key"
    return levels_from(
        batch.missing(key),
        [
            batch.equal("company_name"),
            batch.equal(key),
            batch.similarity(fuzz.token_set_ratio, key) >= 90,
            batch.similarity(JaroWinkler.normalized_similarity, key) >= 0.88,
        ],
    )


def _street(batch: PairBatch) -> np.ndarray:
    return levels_from(
        batch.missing("street"),
        [
            batch.equal("street"),
            batch.similarity(fuzz.token_sort_ratio, "street") >= 90,
            batch.similarity(JaroWinkler.normalized_similarity, "street") >= 0.80,
        ],
    )


def _text_levels(column: str, thresholds: Sequence[float]) -> LevelFn:
    def compute(batch: PairBatch) -> np.ndarray:
        conditions = [batch.equal(column)]
        if thresholds:
            sim = batch.similarity(JaroWinkler.normalized_similarity, column)
            conditions += [sim >= t for t in thresholds]
        return levels_from(batch.missing(column), conditions)

    return compute


def _code_levels(column: str, max_edits: int) -> LevelFn:
    def compute(batch: PairBatch) -> np.ndarray:
        conditions = [batch.equal(column)]
        if max_edits:
            distance = batch.similarity(DamerauLevenshtein.distance, column)
            conditions.append(distance <= max_edits)
        return levels_from(batch.missing(column), conditions)

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
            tf_also=("family_name",),
            description="given name (aligned if given/family swapped)",
        ),
        Comparison(
            "family_name",
            ("exact", "jw>=0.92", "jw>=0.80", "else"),
            _family_name,
            tf_column="family_name",
            tf_also=("given_name",),
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
            ("exact", "same mailbox key", "separators differ", "same domain, jw>=0.88", "else"),
            _email,
            description="any e-mail equal; mailbox key equal (case, dots, +tag); separators; a typo",
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
