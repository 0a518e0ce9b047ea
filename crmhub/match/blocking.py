"""Blocking: which pairs of records are worth comparing at all.

A key family turns a record into zero or more blocking keys; two records become a candidate
pair when they share a key of any family. Keys shared by more than ``cap`` records (a
switchboard number, a shared ``info@`` mailbox, "rossi" in Rome) are *demoted*: they generate
no pairs, so one hot key cannot explode the pair count.

Two ways to get candidates, with the same keys and the same cap:

* :func:`block_pairs` for a full run: vectorised over the whole :class:`RecordTable`;
* a :class:`CandidateIndex` (protocol) for incremental runs: look up a new record's keys.
  :class:`InMemoryCandidateIndex` implements it here; the store provides a SQL one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from crmhub.match.arrays import unique_ints, unique_ints_index_counts
from crmhub.match.key_codes import (
    KeyCodes,
    by_distinct,
    combine,
    prefix_codes,
    sorted_pair_codes,
    value_codes,
)
from crmhub.match.table import RecordTable

#: A function from the table (or a slice of rows) to one or more key columns.
KeyColumns = Callable[[RecordTable, np.ndarray], list[list[str]]]


@dataclass(frozen=True)
class KeyFamily:
    """A named way of making blocking keys. ``make`` returns key columns aligned with ``rows``;
    ``""`` means no key for that row. Keys are prefixed with the family name. ``codes``, when
    given, makes the same keys as integer codes (see :mod:`crmhub.match.key_codes`), which
    full runs use instead of the strings."""

    name: str
    make: KeyColumns
    description: str = ""
    codes: KeyCodes | None = None

    def keys(self, table: RecordTable, rows: np.ndarray) -> list[list[str]]:
        """Prefixed key columns for ``rows`` (``""`` where the row has no key)."""
        prefix = self.name + ":"
        return [[prefix + k if k else "" for k in column] for column in self.make(table, rows)]


def _cols(table: RecordTable, rows: np.ndarray, *names: str) -> list[np.ndarray]:
    return [table.column(n)[rows] for n in names]


def _joined(*parts: Sequence[str]) -> list[str]:
    """Join parts with ``|``; a row missing any part gets no key."""
    return ["|".join(p) if all(p) else "" for p in zip(*parts)]


def _email(t: RecordTable, r: np.ndarray) -> list[list[str]]:
    return [list(c) for c in _cols(t, r, "email_key1", "email_key2")]


def _phone(t: RecordTable, r: np.ndarray) -> list[list[str]]:
    return [list(c) for c in _cols(t, r, "phone1", "phone2")]


def _single(column: str) -> KeyColumns:
    def make(t: RecordTable, r: np.ndarray) -> list[list[str]]:
        return [list(t.column(column)[r])]

    return make


def _combo(*columns: str, prefix_len: dict[str, int] | None = None) -> KeyColumns:
    """Key from several columns, optionally truncating some to a prefix length."""
    cut = prefix_len or {}

    def make(t: RecordTable, r: np.ndarray) -> list[list[str]]:
        parts = []
        for name in columns:
            values = t.column(name)[r]
            n = cut.get(name)
            parts.append([v[:n] for v in values] if n else list(values))
        return [_joined(*parts)]

    return make


def _sorted_tokens(*columns: str, width: int | None = None) -> KeyColumns:
    """Key from several columns' values, each cut to ``width`` characters, in sorted order,
    so swapped given/family names (or company words) give the same key."""

    def make(t: RecordTable, r: np.ndarray) -> list[list[str]]:
        values = [t.column(name)[r] for name in columns]
        keys = []
        for parts in zip(*values):
            tokens = sorted(tok[:width] for part in parts for tok in part.split())
            keys.append(" ".join(tokens) if all(parts) else "")
        return [keys]

    return make


def _single_codes(*columns: str) -> KeyCodes:
    """Codes of keys that are a column's value (several columns: one code space)."""

    def make(t: RecordTable, r: np.ndarray) -> list[np.ndarray]:
        return [value_codes(t, c)[r] for c in columns]

    return make


def _combo_codes(*columns: str, prefix_len: dict[str, int] | None = None) -> KeyCodes:
    """Codes of :func:`_combo` keys: the tuple of (cut) values; no key if any is empty."""
    cut = prefix_len or {}

    def make(t: RecordTable, r: np.ndarray) -> list[np.ndarray]:
        parts = [
            (prefix_codes(t, c, cut[c]) if c in cut else value_codes(t, c))[r] for c in columns
        ]
        return [combine(parts)]

    return make


def _sorted_token_codes(*columns: str, width: int | None = None) -> KeyCodes:
    """Codes of :func:`_sorted_tokens` keys, the string made once per distinct set of values."""
    strings = _sorted_tokens(*columns, width=width)

    def make(t: RecordTable, r: np.ndarray) -> list[np.ndarray]:
        if len(columns) == 2:
            return [sorted_pair_codes(t, r, columns, width, lambda rows: strings(t, rows)[0])]
        values = combine([value_codes(t, c)[r] for c in columns])
        return [by_distinct(values, r, lambda rows: strings(t, rows)[0])]

    return make


def _family(name: str, make: KeyColumns, codes: KeyCodes, description: str) -> KeyFamily:
    return KeyFamily(name, make, description, codes)


def _combo_family(
    name: str, columns: tuple[str, ...], description: str, prefix_len: dict[str, int] | None = None
) -> KeyFamily:
    return _family(
        name,
        _combo(*columns, prefix_len=prefix_len),
        _combo_codes(*columns, prefix_len=prefix_len),
        description,
    )


def _sorted_token_family(
    name: str, columns: tuple[str, ...], description: str, width: int | None = None
) -> KeyFamily:
    return _family(
        name,
        _sorted_tokens(*columns, width=width),
        _sorted_token_codes(*columns, width=width),
        description,
    )


def _single_family(name: str, column: str, description: str) -> KeyFamily:
    return _family(name, _single(column), _single_codes(column), description)


#: The built-in key families, by name. Settings choose which ones run.
KEY_FAMILIES: dict[str, KeyFamily] = {
    f.name: f
    for f in (
        _family(
            "email",
            _email,
            _single_codes("email_key1", "email_key2"),
            "e-mail mailbox key (case, dots, +tags folded)",
        ),
        _family("phone", _phone, _single_codes("phone1", "phone2"), "E.164 phone"),
        _single_family("vat", "vat", "VAT id without country prefix"),
        _single_family("national_id", "national_id", "codice fiscale / national id"),
        _combo_family(
            "phonetic_name_postcode",
            ("family_phonetic", "given_phonetic", "postcode"),
            "phonetic family + given name + postcode",
        ),
        _combo_family(
            "family_postcode",
            ("family_phonetic", "postcode"),
            "phonetic family name + postcode",
        ),
        _combo_family(
            "company_city",
            ("company_key", "city"),
            "company name without legal form + city",
        ),
        _combo_family("company", ("company_key",), "company name without legal form"),
        _combo_family(
            "dob_family",
            ("birth_date", "family_name"),
            "birth date + first 3 letters of the family name",
            prefix_len={"family_name": 3},
        ),
        _combo_family(
            "dob_given",
            ("birth_date", "given_name"),
            "birth date + first 3 letters of the given name",
            prefix_len={"given_name": 3},
        ),
        _combo_family("given_family", ("given_name", "family_name"), "exact given + family name"),
        _sorted_token_family(
            "phonetic_given_family",
            ("given_phonetic", "family_phonetic"),
            "phonetic given + family name, in either order",
        ),
        _sorted_token_family(
            "name_prefixes",
            ("given_name", "family_name"),
            "first 3 letters of each name word, in either order",
            width=3,
        ),
        _sorted_token_family(
            "company_prefixes",
            ("company_key",),
            "first 4 letters of each company-name word (legal form removed)",
            width=4,
        ),
        _combo_family(
            "street_postcode",
            ("street", "house_number", "postcode"),
            "street + house number + postcode",
        ),
        _combo_family(
            "postcode_given",
            ("postcode", "given_name"),
            "postcode + first 3 letters of the given name",
            prefix_len={"given_name": 3},
        ),
        _combo_family("dob_postcode", ("birth_date", "postcode"), "birth date + postcode"),
        _single_family("given_name", "given_name", "exact given name (needs a high cap)"),
        _single_family("family_name", "family_name", "exact family name (high cap)"),
        _single_family("birth_date", "birth_date", "exact birth date (high cap)"),
        _single_family("postcode", "postcode", "exact postcode (high cap)"),
    )
}


def family_by_name(names: Iterable[str]) -> list[KeyFamily]:
    """Resolve key family names, naming the unknown one and the valid choices."""
    out = []
    for name in names:
        if name not in KEY_FAMILIES:
            raise ValueError(
                f"unknown blocking key family {name!r}; choose from {sorted(KEY_FAMILIES)}"
            )
        out.append(KEY_FAMILIES[name])
    return out


def record_keys(
    table: RecordTable, rows: np.ndarray, families: Sequence[KeyFamily]
) -> list[list[str]]:
    """All blocking keys of each row (list per row, duplicates removed)."""
    per_row: list[list[str]] = [[] for _ in range(len(rows))]
    for family in families:
        for column in family.keys(table, rows):
            for i, key in enumerate(column):
                if key:
                    per_row[i].append(key)
    return [list(dict.fromkeys(keys)) for keys in per_row]


@dataclass
class BlockingStats:
    """What blocking did: keys per family, demoted keys, pairs before and after dedup."""

    keys: dict[str, int] = field(default_factory=dict)
    demoted: dict[str, int] = field(default_factory=dict)
    demoted_examples: dict[str, list[str]] = field(default_factory=dict)
    pairs_per_family: dict[str, int] = field(default_factory=dict)
    candidate_pairs: int = 0


PairFilter = Callable[[np.ndarray, np.ndarray], np.ndarray]


def block_pairs(
    table: RecordTable,
    families: Sequence[KeyFamily],
    cap: int,
    allowed: PairFilter | None = None,
) -> tuple[np.ndarray, np.ndarray, BlockingStats]:
    """Candidate pairs (left rows, right rows with left < right) over all active rows.

    Keys with more than ``cap`` records are demoted and make no pairs. ``allowed`` filters
    pairs (e.g. same kind, different source for a linkage).
    """
    stats = BlockingStats()
    rows = np.flatnonzero(table.active)
    codes: list[np.ndarray] = []
    for family in families:
        if family.codes is not None:
            left, right, n_keys, demoted = _pairs_sharing_code(family, table, rows, cap)
        else:
            key_rows, keys = _family_keys(family, table, rows)
            left, right, n_keys, demoted = _pairs_sharing_key(key_rows, keys, cap)
        stats.keys[family.name] = n_keys
        if demoted:
            stats.demoted[family.name] = len(demoted)
            stats.demoted_examples[family.name] = demoted[:5]
        merged = unique_ints(left * len(table) + right)
        stats.pairs_per_family[family.name] = int(merged.size)
        codes.append(merged)
    all_codes = unique_ints(np.concatenate(codes)) if codes else np.empty(0, np.int64)
    left, right = np.divmod(all_codes, max(len(table), 1))
    if allowed is not None and left.size:
        keep = allowed(left, right)
        left, right = left[keep], right[keep]
    stats.candidate_pairs = int(left.size)
    return left, right, stats


def _family_keys(
    family: KeyFamily, table: RecordTable, rows: np.ndarray
) -> tuple[np.ndarray, list[str]]:
    """(row, key) of every key a family gives ``rows``, its columns pooled (a first e-mail
    meets another record's second one, as in an index look-up), each (row, key) once."""
    columns = family.keys(table, rows)
    if len(columns) == 1:
        return rows, columns[0]
    seen: dict[tuple[int, str], None] = {}
    for column in columns:
        for row, key in zip(rows.tolist(), column):
            if key:
                seen[(row, key)] = None
    return np.fromiter((r for r, _ in seen), np.int64, len(seen)), [k for _, k in seen]


def _pairs_sharing_code(
    family: KeyFamily, table: RecordTable, rows: np.ndarray, cap: int
) -> tuple[np.ndarray, np.ndarray, int, list[str]]:
    """:func:`_pairs_sharing_key` from the family's integer key codes; strings are made only
    for the demoted keys."""
    columns = family.codes(table, rows)  # type: ignore[misc]
    codes = np.concatenate(columns)
    key_rows = np.tile(rows, len(columns))
    present = np.flatnonzero(codes != 0)
    # each (key, row) once, ordered by key then row; the first column holding it is kept
    pair_code = codes[present] * max(len(table), 1) + key_rows[present]
    _, first, _ = unique_ints_index_counts(pair_code)
    held = present[first]
    left, right, n_keys, demoted_at = _pairs_sharing_ints(key_rows[held], codes[held], cap)
    column, position = np.divmod(held[demoted_at], max(rows.size, 1))
    keys = family.keys(table, rows[position]) if position.size else []
    demoted = {keys[c][i] for i, c in enumerate(column.tolist())}
    return left, right, n_keys, sorted(demoted)


def _pairs_sharing_key(
    rows: np.ndarray, keys: list[str], cap: int
) -> tuple[np.ndarray, np.ndarray, int, list[str]]:
    """Pairs of rows sharing a key (left < right), the number of distinct keys and the demoted
    keys (``rows[i]`` holds ``keys[i]``; "" is no key). Keys are hashed to 64-bit integers so
    grouping runs in numpy."""
    present = np.fromiter((bool(k) for k in keys), dtype=bool, count=len(keys))
    if not present.any():
        return np.empty(0, np.int64), np.empty(0, np.int64), 0, []
    held = [k for k in keys if k]
    hashes = np.fromiter((hash(k) for k in held), dtype=np.int64, count=len(held))
    left, right, n_keys, demoted_at = _pairs_sharing_ints(rows[present], hashes, cap)
    return left, right, n_keys, sorted({held[i] for i in demoted_at.tolist()})


def _pairs_sharing_ints(
    rows: np.ndarray, keys: np.ndarray, cap: int
) -> tuple[np.ndarray, np.ndarray, int, np.ndarray]:
    """Pairs of rows sharing an integer key (left < right), the number of distinct keys and
    the position in ``keys`` of one holder of each demoted key."""
    if not keys.size:
        return np.empty(0, np.int64), np.empty(0, np.int64), 0, np.empty(0, np.int64)
    order = np.lexsort((rows, keys))
    keys, key_rows = keys[order], rows[order]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    sizes = np.diff(np.r_[starts, keys.size])
    group = np.repeat(np.arange(starts.size), sizes)
    demoted_at = order[starts[sizes > cap]]
    usable = sizes[group] <= cap
    lefts, rights = [], []
    max_size = int(sizes[sizes <= cap].max()) if (sizes <= cap).any() else 0
    for offset in range(1, max_size):
        same = (group[:-offset] == group[offset:]) & usable[:-offset]
        lefts.append(key_rows[:-offset][same])
        rights.append(key_rows[offset:][same])
    if not lefts:
        return np.empty(0, np.int64), np.empty(0, np.int64), int(starts.size), demoted_at
    a, b = np.concatenate(lefts), np.concatenate(rights)
    keep = a != b
    a, b = a[keep], b[keep]
    return np.minimum(a, b), np.maximum(a, b), int(starts.size), demoted_at


class CandidateIndex(Protocol):
    """Blocking keys of stored records, for finding a new record's candidates by look-up.

    The store implements this over its blocking-keys table; record ids are the match ids.
    """

    def add(self, record_id: str, keys: Sequence[str]) -> None:
        """Register a record's keys."""

    def remove(self, record_id: str) -> None:
        """Forget all keys of a record (changed or deleted)."""

    def candidates(self, keys: Sequence[str], cap: int) -> set[str]:
        """Ids of records sharing at least one key with at most ``cap`` records."""

    def key_sizes(self, keys: Sequence[str]) -> Mapping[str, int]:
        """How many records hold each key."""


class InMemoryCandidateIndex:
    """A :class:`CandidateIndex` in dictionaries: key -> record ids, record id -> keys."""

    def __init__(self) -> None:
        self._holders: dict[str, set[str]] = defaultdict(set)
        self._keys_of: dict[str, tuple[str, ...]] = {}

    def __len__(self) -> int:
        return len(self._keys_of)

    def add(self, record_id: str, keys: Sequence[str]) -> None:
        """Register a record's keys (replacing the ones it had)."""
        if record_id in self._keys_of:
            self.remove(record_id)
        self._keys_of[record_id] = tuple(keys)
        for key in keys:
            self._holders[key].add(record_id)

    def remove(self, record_id: str) -> None:
        """Forget a record's keys; unknown ids are ignored."""
        for key in self._keys_of.pop(record_id, ()):
            holders = self._holders[key]
            holders.discard(record_id)
            if not holders:
                del self._holders[key]

    def candidates(self, keys: Sequence[str], cap: int) -> set[str]:
        """Ids of records sharing a non-demoted key."""
        found: set[str] = set()
        for key in keys:
            holders = self._holders.get(key)
            if holders and len(holders) <= cap:
                found |= holders
        return found

    def key_sizes(self, keys: Sequence[str]) -> dict[str, int]:
        """Number of holders of each key."""
        return {k: len(self._holders.get(k, ())) for k in keys}
