"""Runs ``build_version`` over batches, in this process or in a pool of worker processes.

Workers compile the mapping themselves (compiled mappings are closures and do not pickle), so
only the records and the results cross process boundaries.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from typing import Any

from connectors.sdk import SourceRecord
from crmhub.ingest.builder import build_version
from crmhub.ingest.writer import NewVersion, Rejected
from crmhub.mapping.compiler import CompiledMapping, compile_mapping

_worker_mapping: CompiledMapping | None = None


def _init_worker(spec: Any, fingerprint: str) -> None:
    global _worker_mapping
    from crmhub.mapping.loader import canonical_model

    _worker_mapping = compile_mapping(spec, canonical_model(), None, fingerprint)


def _build_chunk(chunk: list[tuple[SourceRecord, str]]) -> list[NewVersion | Rejected]:
    assert _worker_mapping is not None
    return [build_version(record, _worker_mapping, digest) for record, digest in chunk]


class Mapper:
    def __init__(self, mapping: CompiledMapping, workers: int = 0) -> None:
        self.mapping = mapping
        self.workers = workers
        self._pool: Any = None

    def __enter__(self) -> Mapper:
        if self.workers > 0:
            context = multiprocessing.get_context("fork")
            self._pool = context.Pool(
                self.workers, initializer=_init_worker, initargs=(self.mapping.spec, self.mapping.fingerprint)
            )
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()

    def build(self, items: list[tuple[SourceRecord, str]]) -> Iterator[NewVersion | Rejected]:
        if self._pool is None or len(items) < 200:
            for record, digest in items:
                yield build_version(record, self.mapping, digest)
            return
        size = max(100, len(items) // (self.workers * 4))
        chunks = [items[i : i + size] for i in range(0, len(items), size)]
        for results in self._pool.imap(_build_chunk, chunks):
            yield from results
