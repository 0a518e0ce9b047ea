"""RecordTable: MatchRecords stored column by column, so comparisons run on whole arrays.

Each column is a numpy object array that grows by doubling; derived columns (phonetic codes,
e-mail keys, the birth date with day and month swapped, ...) are computed once when a record
arrives. Rows are never removed: a replaced record is overwritten in place, a deleted one is
marked inactive.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import fields

import numpy as np

from crmhub.match import text
from crmhub.match.record import KINDS, MatchRecord

#: Columns read straight from a MatchRecord attribute.
BASE_COLUMNS: tuple[str, ...] = (
    "id",
    "source",
    "given_name",
    "family_name",
    "company_name",
    "company_key",
    "vat",
    "national_id",
    "birth_date",
    "street",
    "house_number",
    "address_extra",
    "postcode",
    "city",
    "region",
)

#: The first and second value of the multi-valued attributes.
LIST_COLUMNS: dict[str, tuple[str, int]] = {
    "email1": ("emails", 0),
    "email2": ("emails", 1),
    "phone1": ("phones", 0),
    "phone2": ("phones", 1),
}


def _swap_day_month(date: str) -> str:
    return date[:4] + date[6:8] + date[4:6]


def _email_digits(email: str) -> str:
    return "".join(filter(str.isdigit, email))


def _email_alnum(email: str) -> str:
    """The mailbox without its separators: "mario.rossi" and "mario_rossi" give "mariorossi"."""
    local, _, domain = email.rpartition("@")
    return "".join(filter(str.isalnum, local)) + "@" + domain


#: Columns computed from another column's non-empty values (empty stays empty).
DERIVED_COLUMNS: dict[str, tuple[str, Callable[[str], str]]] = {
    "given_initial": ("given_name", lambda v: v[:1]),
    "family_initial": ("family_name", lambda v: v[:1]),
    "family_phonetic": ("family_name", text.phonetic),
    "given_phonetic": ("given_name", text.phonetic),
    "birth_date_swapped": ("birth_date", _swap_day_month),
    "email_key1": ("email1", text.email_key),
    "email_key2": ("email2", text.email_key),
    "email_local1": ("email1", lambda e: e.rpartition("@")[0]),
    "email_domain1": ("email1", lambda e: e.rpartition("@")[2]),
    "email_digits1": ("email1", _email_digits),
    "email_alnum1": ("email1", _email_alnum),
    "phone_tail1": ("phone1", lambda p: p[-8:]),
    "phone_tail2": ("phone2", lambda p: p[-8:]),
}

COLUMNS: tuple[str, ...] = (*BASE_COLUMNS, *LIST_COLUMNS, *DERIVED_COLUMNS)


#: A batch of fewer pairs than this share of the table's rows works on its own rows' values
#: (see :meth:`RecordTable.derive_locally`).
LOCAL_BELOW = 0.25

#: Base fields a MatchRecord is rebuilt from (tuples are kept whole in their own columns).
_RECORD_FIELDS = tuple(f.name for f in fields(MatchRecord) if f.name != "kind")


class RecordTable:
    """Columnar store of MatchRecords with stable row numbers."""

    def __init__(self, capacity: int = 1024) -> None:
        self._size = 0
        self._capacity = capacity
        self._columns: dict[str, np.ndarray] = {
            name: np.empty(capacity, dtype=object) for name in COLUMNS
        }
        self._tuples: dict[str, np.ndarray] = {
            name: np.empty(capacity, dtype=object) for name in ("emails", "phones")
        }
        self._kind = np.zeros(capacity, dtype=np.int8)
        self._active = np.zeros(capacity, dtype=bool)
        self._row_of: dict[str, int] = {}
        self._cache: dict[object, np.ndarray] = {}

    def __len__(self) -> int:
        return self._size

    def __contains__(self, record_id: str) -> bool:
        return record_id in self._row_of

    def row_of(self, record_id: str) -> int:
        """Row number of a record id (KeyError naming the id if unknown)."""
        try:
            return self._row_of[record_id]
        except KeyError:
            raise KeyError(f"record {record_id!r} is not in the match table") from None

    def column(self, name: str) -> np.ndarray:
        """A view of one column over all rows (object array of str)."""
        if name not in self._columns:
            raise KeyError(f"unknown match column {name!r}; known: {sorted(self._columns)}")
        return self._columns[name][: self._size]

    @property
    def kind(self) -> np.ndarray:
        """Kind code per row: index into :data:`crmhub.match.record.KINDS`."""
        return self._kind[: self._size]

    @property
    def active(self) -> np.ndarray:
        """False for rows whose record was removed."""
        return self._active[: self._size]

    @property
    def ids(self) -> np.ndarray:
        """Record id per row."""
        return self.column("id")

    def cached(self, key: object, compute: Callable[[], np.ndarray]) -> np.ndarray:
        """A per-table array derived from the columns (e.g. term frequencies), recomputed
        whenever rows change."""
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    def derive_locally(self, key: object, pairs: int) -> bool:
        """Whether a batch of ``pairs`` pairs should derive what the array named ``key`` holds
        from its own rows instead of having it made, and cached, for every row: true for a few
        pairs against a big table (an incremental upsert, whose every change clears the cache),
        unless the array is cached already."""
        return pairs < LOCAL_BELOW * self._size and key not in self._cache

    def cached_keys(self) -> list[object]:
        """Keys of the derived arrays computed so far."""
        return list(self._cache)

    def adopt_cached(self, arrays: dict[object, np.ndarray]) -> None:
        """Take derived arrays computed elsewhere from these same rows (e.g. by a forked
        child), as if :meth:`cached` had computed them here."""
        for key, array in arrays.items():
            if array.shape[-1] != self._size:
                raise ValueError(
                    f"cached array {key!r} has {array.shape[-1]} rows, not {self._size}"
                )
            self._cache.setdefault(key, array)

    def upsert(self, records: Iterable[MatchRecord]) -> tuple[np.ndarray, np.ndarray]:
        """Add new records and overwrite known ones (by id). Returns (new rows, replaced rows)."""
        batch = list(records)
        new: list[MatchRecord] = []
        replaced_rows: list[int] = []
        replaced: list[MatchRecord] = []
        seen: set[str] = set()
        for record in batch:
            if record.id in seen:
                raise ValueError(f"record {record.id!r} appears twice in one batch")
            seen.add(record.id)
            row = self._row_of.get(record.id)
            if row is None:
                new.append(record)
            else:
                replaced_rows.append(row)
                replaced.append(record)
        start = self._size
        self._grow(start + len(new))
        for i, record in enumerate(new):
            self._row_of[record.id] = start + i
        self._write(np.arange(start, start + len(new)), new)
        self._size = start + len(new)
        self._write(np.asarray(replaced_rows, dtype=np.int64), replaced)
        self._cache.clear()
        return np.arange(start, self._size, dtype=np.int64), np.asarray(replaced_rows, np.int64)

    def deactivate(self, record_ids: Iterable[str]) -> np.ndarray:
        """Mark records as removed; returns their rows."""
        rows = np.asarray([self.row_of(i) for i in record_ids], dtype=np.int64)
        self._active[rows] = False
        self._cache.clear()
        return rows

    def record(self, row: int) -> MatchRecord:
        """Rebuild the MatchRecord stored at ``row``."""
        values = {f: self._columns[f][row] for f in _RECORD_FIELDS if f in self._columns}
        values["emails"] = self._tuples["emails"][row]
        values["phones"] = self._tuples["phones"][row]
        return MatchRecord(kind=KINDS[self._kind[row]], **values)

    def _write(self, rows: np.ndarray, records: list[MatchRecord]) -> None:
        if not records:
            return
        values: dict[str, list] = {
            name: [getattr(r, name) for r in records] for name in BASE_COLUMNS
        }
        tuples = {name: [getattr(r, name) for r in records] for name in ("emails", "phones")}
        for name, (attribute, index) in LIST_COLUMNS.items():
            values[name] = [t[index] if len(t) > index else "" for t in tuples[attribute]]
        for name, (source, derive) in DERIVED_COLUMNS.items():
            values[name] = [derive(v) if v else "" for v in values[source]]
        for name, column in values.items():
            self._columns[name][rows] = _object_array(column)
        for name, column in tuples.items():
            self._tuples[name][rows] = _object_array(column)
        self._kind[rows] = [KINDS.index(r.kind) for r in records]
        self._active[rows] = True

    def _grow(self, needed: int) -> None:
        if needed <= self._capacity:
            return
        capacity = max(needed, self._capacity * 2)
        for store in (self._columns, self._tuples):
            for name, column in store.items():
                bigger = np.empty(capacity, dtype=object)
                bigger[: self._size] = column[: self._size]
                store[name] = bigger
        for attr in ("_kind", "_active"):
            old = getattr(self, attr)
            bigger = np.zeros(capacity, dtype=old.dtype)
            bigger[: self._size] = old[: self._size]
            setattr(self, attr, bigger)
        self._capacity = capacity


def _object_array(values: list[object]) -> np.ndarray:
    """A 1-d object array even when the values are tuples (numpy would make a 2-d array)."""
    array = np.empty(len(values), dtype=object)
    array[:] = values if not values or not isinstance(values[0], tuple) else [None] * len(values)
    if values and isinstance(values[0], tuple):
        for i, value in enumerate(values):
            array[i] = value
    return array
