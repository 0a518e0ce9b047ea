"""Incremental matching: new records one at a time against an index built by a full run.

    python bench/match/bench_incremental.py --data bench/data/crm_1010000_s1.csv --new 10000

The rows are shuffled (seeded) so the new records include duplicates of indexed customers.
Reports the full run on the index, total time and p50/p95/max latency of the per-record
upserts, and the share of records whose cluster (its member set) equals the one a full run
over everything (same model) gives. Writes bench/out/match_incremental_<n>.json.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

import crm_data

from crmhub.match import MatchEngine, MatchSettings


def members(assignment: dict[str, str]) -> dict[str, frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for record, cluster in assignment.items():
        groups.setdefault(cluster, set()).add(record)
    frozen = {c: frozenset(m) for c, m in groups.items()}
    return {r: frozen[c] for r, c in assignment.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--new", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()

    rows = list(crm_data.read_rows(args.data))
    random.Random(args.seed).shuffle(rows)
    indexed, new = rows[: len(rows) - args.new], rows[len(rows) - args.new :]
    del rows

    settings = MatchSettings()
    engine = MatchEngine(settings)
    t0 = time.perf_counter()
    engine.add(crm_data.to_record(r) for r in indexed)
    model = engine.fit()
    full = engine.run()
    t1 = time.perf_counter()
    index_pairs = full.blocking.candidate_pairs
    del full
    new_records = [crm_data.to_record(r) for r in new]
    t2 = time.perf_counter()
    engine.upsert(new_records[:1])  # builds the in-memory candidate index from the table
    t3 = time.perf_counter()
    latencies = []
    for record in new_records[1:]:
        start = time.perf_counter()
        engine.upsert([record])
        latencies.append(time.perf_counter() - start)
    t4 = time.perf_counter()
    incremental = {
        engine.table.ids[r]: engine.cluster_of(engine.table.ids[r])
        for r in range(len(engine.table))
    }
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    del engine

    reference = MatchEngine(settings, model=model)
    reference.add(crm_data.to_record(r) for r in indexed + new)
    expected = reference.run().cluster_of
    a, b = members(expected), members(incremental)
    agree = sum(a[r] == b[r] for r in a) / len(a)

    lat = np.asarray(latencies) * 1000
    result = {
        "indexed_records": len(indexed),
        "new_records": len(new),
        "full_run_on_index_s": round(t1 - t0, 1),
        "index_candidate_pairs": index_pairs,
        "index_build_s": round(t3 - t2, 1),
        "incremental_total_s": round(t4 - t3, 1),
        "latency_ms": {
            "p50": round(float(np.percentile(lat, 50)), 2),
            "p95": round(float(np.percentile(lat, 95)), 2),
            "max": round(float(lat.max()), 1),
        },
        "agreement_with_full_run": round(agree, 6),
        "disagreeing_records": int(sum(a[r] != b[r] for r in a)),
        "peak_rss_mb": round(peak),
    }
    out = Path("bench/out") / f"match_incremental_{len(indexed)}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
