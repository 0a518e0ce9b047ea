"""The keys a read of one file has met, in memory of a fixed size however long the file is.

A file may name a key twice; the reader keeps the first row and sets later ones aside, so it
must remember every key it has yielded. A plain set costs about 100 bytes a key: 100 MB for a
file of a million customers, ten times that for ten million. ``SeenKeys`` instead keeps

* the most recent keys (up to ``recent_limit``) in a set: exact, and nearly every lookup
  stops there or at the filter below;
* older keys in a private temporary SQLite database on disk (deleted when closed), behind
* a Bloom filter of fixed size (``filter_bits``, allocated at the first spill): two bits per
  key, taken from the hash Python already caches on every string. A key whose bits are not
  both set was never spilled; only a key whose bits are set (a real duplicate, or about one
  new key in 80 at a million spilled, one in 2 at ten million) is looked up on disk.

So a file of any length needs at most ``recent_limit`` keys in memory (about 6 MB) plus the
filter (2 MB), and every answer is exact. Both limits are reached early (at 65,536 keys), so
a file of 100,000 rows and one of 10 million need the same memory.
"""

from __future__ import annotations

import sqlite3
import tempfile

from connectors.sdk.errors import SourceUnavailable

DEFAULT_RECENT_LIMIT = 65_536  # keys kept in memory; about 6 MB
DEFAULT_FILTER_BITS = 1 << 24  # 2 MB: about 1 in 80 false hits at a million spilled keys

_UNSIGNED = (1 << 64) - 1


class SeenKeys:
    """Remembers keys; ``first_time(key)`` says whether a key is new (and remembers it)."""

    def __init__(
        self,
        recent_limit: int = DEFAULT_RECENT_LIMIT,
        filter_bits: int = DEFAULT_FILTER_BITS,
        *,
        of: str = "this read",
    ) -> None:
        """``of`` names whose keys these are, for messages ("stream 'customers' (clienti.csv)")."""
        if recent_limit < 1 or filter_bits < 8 or filter_bits & (filter_bits - 1):
            raise ValueError("recent_limit must be >= 1 and filter_bits a power of two >= 8")
        self.recent_limit = recent_limit
        self.of = of
        self._recent: set[str] = set()
        self._filter_bits = filter_bits
        self._mask = filter_bits - 1
        self._shift = filter_bits.bit_length() - 1  # the second probe's bits come from here up
        self._filter: bytearray | None = None
        self._disk: sqlite3.Connection | None = None
        self.spilled = 0  # keys moved to disk so far

    def first_time(self, key: str) -> bool:
        """True if ``key`` was not seen before; it is seen from now on."""
        recent = self._recent
        if key in recent or self._spilled_before(key):
            return False
        recent.add(key)
        if len(recent) >= self.recent_limit:
            self._spill()
        return True

    @property
    def in_memory(self) -> int:
        """How many keys are held in memory now (never more than ``recent_limit``)."""
        return len(self._recent)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and (key in self._recent or self._spilled_before(key))

    def close(self) -> None:
        """Drop the keys on disk (the file is deleted); the object can still be used."""
        if self._disk is not None:
            self._disk.close()
            self._disk = None
        self._filter = None
        self._recent = set()
        self.spilled = 0

    def _spilled_before(self, key: str) -> bool:
        """Whether ``key`` went to disk in an earlier spill (the filter first, then the disk)."""
        return self._filter is not None and self._maybe_spilled(key) and self._on_disk(key)

    def _probes(self, key: str) -> tuple[int, int]:
        """The two filter bits of ``key``: the low bits of its hash, and the bits above them."""
        h = hash(key) & _UNSIGNED
        return h & self._mask, (h >> self._shift) & self._mask

    def _maybe_spilled(self, key: str) -> bool:
        """Whether both of ``key``'s bits are set."""
        bits = self._filter
        assert bits is not None
        a, b = self._probes(key)
        return bool(bits[a >> 3] & (1 << (a & 7))) and bool(bits[b >> 3] & (1 << (b & 7)))

    def _on_disk(self, key: str) -> bool:
        assert self._disk is not None
        found = self._disk.execute("SELECT 1 FROM seen WHERE k = ?", (key,)).fetchone()
        return found is not None

    def _spill(self) -> None:
        """Move the recent keys to disk and into the filter; start a new, empty set."""
        try:
            self._write_recent_to_disk()
        except sqlite3.Error as exc:  # a full or read-only temporary directory
            raise SourceUnavailable(
                f"{self.of}: cannot keep the keys read so far on disk ({len(self._recent):,} keys, "
                f"in a temporary file under {tempfile.gettempdir()}): {exc}",
                hint="point TMPDIR at a writable directory with free space and sync again: what "
                "was stored before stays, and the rerun goes on from the last checkpoint",
            ) from exc
        self._recent = set()

    def _write_recent_to_disk(self) -> None:
        if self._disk is None:
            self._disk = sqlite3.connect("")  # "": a private temporary database, on disk
            self._disk.execute("PRAGMA journal_mode = OFF")
            self._disk.execute("PRAGMA synchronous = OFF")
            self._disk.execute("CREATE TABLE seen (k TEXT PRIMARY KEY) WITHOUT ROWID")
            self._filter = bytearray(self._filter_bits >> 3)
        bits = self._filter
        assert bits is not None
        keys = sorted(self._recent)  # B-tree inserts in order touch each page once
        with self._disk:
            self._disk.executemany("INSERT INTO seen (k) VALUES (?)", ((k,) for k in keys))
        for key in keys:
            a, b = self._probes(key)
            bits[a >> 3] |= 1 << (a & 7)
            bits[b >> 3] |= 1 << (b & 7)
        self.spilled += len(keys)
