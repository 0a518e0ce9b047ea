"""Which candidate pairs a partition of the blocking keys owns, from the stored keys alone.

Blocking keys are spread over ``partitions`` by a stable hash (the same on every machine,
unlike Python's ``hash``). A pair of records is a candidate when they share a usable key
(held by 2..cap records); it can share several, so it belongs to the partition of the
smallest shared usable key (by stable hash): every candidate pair is owned by exactly one
partition, and the union over all partitions is the candidate set of a full run.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import numpy as np

from crmhub.match.arrays import unique_ints_inverse


def stable_key_hash(key: str) -> int:
    """A 63-bit hash of a blocking key (``family:value``), the same in every process."""
    digest = hashlib.blake2b(key.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1


def key_columns(rows: Iterable[tuple[int, str]]) -> tuple[np.ndarray, np.ndarray]:
    """(record ids, stable key hashes) arrays from (record id, key) rows."""
    ids: list[int] = []
    hashes: list[int] = []
    for record_id, key in rows:
        ids.append(record_id)
        hashes.append(stable_key_hash(key))
    return np.asarray(ids, dtype=np.int64), np.asarray(hashes, dtype=np.int64)


def owned_pairs(
    ids: np.ndarray, hashes: np.ndarray, cap: int, partition: int, partitions: int
) -> tuple[np.ndarray, np.ndarray]:
    """The candidate pairs (left ids < right ids) owned by ``partition``.

    ``ids[i]`` holds the key whose stable hash is ``hashes[i]``; each (id, key) once.
    """
    ids, group, group_hash = _usable_keys(ids, hashes, cap)
    if not ids.size:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    record, record_ids = _dense(ids)
    n_groups = np.int64(group_hash.size)
    held = np.sort(record * n_groups + group)  # (record, key) codes, record-major
    mine = (group_hash[group] % partitions) == partition
    a, b, g = _pairs_in_groups(record[mine], group[mine])
    own = ~_share_smaller_key(a, b, g, held, n_groups)
    return record_ids[a[own]], record_ids[b[own]]


def _usable_keys(
    ids: np.ndarray, hashes: np.ndarray, cap: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows of keys held by 2..cap records: (ids, key number, stable hash per key number);
    key numbers follow the stable hash order."""
    order = np.lexsort((ids, hashes))
    ids, hashes = ids[order], hashes[order]
    starts = np.flatnonzero(np.r_[True, hashes[1:] != hashes[:-1]])
    sizes = np.diff(np.r_[starts, hashes.size])
    usable_group = (sizes >= 2) & (sizes <= cap)
    keep = np.repeat(usable_group, sizes)
    numbers = np.cumsum(usable_group) - 1
    group = np.repeat(numbers, sizes)[keep]
    return ids[keep], group, hashes[starts[usable_group]]


def _dense(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(dense record number per row, record id per number); numbers follow id order."""
    record_ids, record = unique_ints_inverse(ids)
    return record.astype(np.int64), record_ids


def _pairs_in_groups(
    record: np.ndarray, group: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every pair (a < b) of records in one group, with the group; rows come group-sorted."""
    order = np.lexsort((record, group))
    record, group = record[order], group[order]
    lefts, rights, groups = [], [], []
    offset = 1
    while offset < record.size:
        same = group[:-offset] == group[offset:]
        if not same.any():
            break
        lefts.append(record[:-offset][same])
        rights.append(record[offset:][same])
        groups.append(group[:-offset][same])
        offset += 1
    if not lefts:
        empty = np.empty(0, np.int64)
        return empty, empty, empty
    return np.concatenate(lefts), np.concatenate(rights), np.concatenate(groups)


def _share_smaller_key(
    a: np.ndarray, b: np.ndarray, g: np.ndarray, held: np.ndarray, n_groups: np.int64
) -> np.ndarray:
    """For each pair (a, b) met through key ``g``: do a and b also share a key before g?"""
    first = np.searchsorted(held, a * n_groups)  # a's first key
    at = np.searchsorted(held, a * n_groups + g)  # key g among a's (sorted) keys
    before = at - first
    if not before.any():
        return np.zeros(a.size, dtype=bool)
    pair = np.repeat(np.arange(a.size), before)
    steps = np.arange(pair.size) - np.repeat(np.cumsum(before) - before, before)
    other_key = held[np.repeat(first, before) + steps] % n_groups
    wanted = b[pair] * n_groups + other_key
    found = held[np.minimum(np.searchsorted(held, wanted), held.size - 1)] == wanted
    shared = np.zeros(a.size, dtype=bool)
    shared[pair[found]] = True
    return shared
