"""Runs ``build_version`` over batches, in this process or in a pool of worker processes.

Workers compile the mapping themselves (compiled mappings are closures and do not pickle), so
only the records and the results cross process boundaries, in the compact form of
``crmhub.ingest.wire``.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Self

from connectors.sdk import SourceRecord
from crmhub.forking import fork_window
from crmhub.ingest.builder import build_version
from crmhub.ingest.wire import Built, Refused, Sent, compact, restored, sent
from crmhub.ingest.writer import NewVersion, Rejected
from crmhub.mapping.compiler import CompiledMapping, compile_mapping

_worker_mapping: CompiledMapping | None = None


def _init_worker(spec: Any, fingerprint: str) -> None:
    global _worker_mapping
    from crmhub.mapping.loader import canonical_model

    _worker_mapping = compile_mapping(spec, canonical_model(), None, fingerprint)
    tune_gc()


@contextmanager
def gc_tuned() -> Iterator[None]:
    """``tune_gc`` for the duration of a ``with`` block, restoring the caller's settings after."""
    import gc

    before = gc.get_threshold()
    tune_gc()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


def tune_gc() -> None:
    """Fewer full collections during an ingest.

    The normalisers' caches hold hundreds of thousands of objects, and every full collection
    walks them all; records themselves hold no reference cycles and are freed as soon as they
    are written. So: freeze what exists (the imported modules and caches so far) and make the
    oldest generation's collections rare. Memory stays bounded by the batch size either way.

    The price: a reference cycle made per batch is freed only at the end of the read. So code
    that runs once per batch builds its SQL statements once (with expanding bind parameters)
    rather than per call: a statement's bind parameters form cycles that hold their values
    (see ``StreamWriter._build_statements``, ``crmhub.sync.ledger``, ``crmhub.sync.echo``).
    """
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)


def _build_chunk(chunk: list[Sent]) -> list[Built | Refused]:
    assert _worker_mapping is not None
    mapping = _worker_mapping
    return [
        compact(build_version(SourceRecord(stream, key, data, position=position), mapping, digest))
        for stream, key, data, position, digest in chunk
    ]


@contextmanager
def _pool_context() -> Iterator[Any]:
    """The multiprocessing context to start a pool in, inside the block: fork while this
    process runs one thread (the CLI, its progress display paused: fastest, workers inherit
    the imports); forkserver when other threads run (an Airflow task, a web server, a test
    runner), because a fork copies whatever lock another thread holds at that instant and can
    hang the worker (see :mod:`crmhub.forking`)."""
    with fork_window() as one_thread:
        if one_thread:
            yield multiprocessing.get_context("fork")
            return
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["crmhub.ingest.mapper"])
    yield context


class Mapper:
    def __init__(self, mapping: CompiledMapping, workers: int = 0) -> None:
        self.mapping = mapping
        self.workers = workers
        self._pool: Any = None

    def __enter__(self) -> Self:
        return self

    def _started_pool(self) -> Any:
        """The worker pool, started with the first batch worth sending to it: an ingest that
        finds nothing to build (an unchanged rerun) never pays for starting processes."""
        if self._pool is None:
            initargs = (self.mapping.spec, self.mapping.fingerprint)
            with _pool_context() as context:
                self._pool = context.Pool(self.workers, _init_worker, initargs)
        return self._pool

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()

    def build(self, items: list[tuple[SourceRecord, str]]) -> Iterator[NewVersion | Rejected]:
        """Build every item, in order."""
        yield from self.submit(items).results()

    def submit(self, items: list[tuple[SourceRecord, str]]) -> Pending:
        """Start building ``items`` in the workers and return at once; ``results()`` waits.

        Without workers the work is done when the results are asked for, so the caller's order
        of operations is the same either way.
        """
        if self.workers <= 0 or len(items) < 200:
            return Pending(lambda: [build_version(r, self.mapping, d) for r, d in items])
        pool = self._started_pool()
        size = max(100, len(items) // (self.workers * 2))
        chunks = [items[i : i + size] for i in range(0, len(items), size)]
        handles = [
            pool.apply_async(_build_chunk, ([sent(record, digest) for record, digest in chunk],))
            for chunk in chunks
        ]

        def collect() -> list[NewVersion | Rejected]:
            return [
                restored(item, answer)
                for chunk, handle in zip(chunks, handles, strict=True)
                for item, answer in zip(chunk, handle.get(), strict=True)
            ]

        return Pending(collect)


class Pending:
    """Results on their way from the workers."""

    def __init__(self, collect: Callable[[], list[NewVersion | Rejected]]) -> None:
        self._collect = collect

    def results(self) -> list[NewVersion | Rejected]:
        return self._collect()
