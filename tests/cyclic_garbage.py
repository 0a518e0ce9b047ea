"""Count the objects some work leaves in reference cycles: garbage only the collector frees.

An ingest runs the full collection rarely (``crmhub.ingest.mapper.tune_gc``), so code run per
batch must not leave cycles behind; tests compare the count for few and for many batches.
"""

from __future__ import annotations

import gc
from collections.abc import Callable


def cyclic_garbage_of(work: Callable[[], object]) -> int:
    """Run ``work`` with the collector off; the number of objects then found in cycles."""
    gc.collect()
    gc.disable()
    try:
        work()
        return gc.collect()
    finally:
        gc.enable()
