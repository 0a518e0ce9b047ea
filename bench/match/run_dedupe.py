"""One full deduplication of a generated CRM CSV by one tool, timed, in its own process.

    python bench/match/run_dedupe.py --tool crmhub --data bench/data/crm_1000000_s1.csv \
        --out bench/out/run_crmhub_1m.json [--accuracy]

Wall time covers reading the CSV, preparing, training, scoring and clustering. Peak RSS is the
process's maximum resident set (ru_maxrss), read before any accuracy computation. With
--accuracy the clusters and scored pairs are compared with the ground truth (entity_id).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

import metrics

THRESHOLD = 0.9


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_crmhub(path: Path) -> tuple[dict, dict[str, str], list[tuple[str, str]], np.ndarray]:
    import crm_data

    from crmhub.match import MatchEngine, MatchSettings

    t0 = time.perf_counter()
    engine = MatchEngine(MatchSettings(merge_threshold=THRESHOLD))
    engine.add(crm_data.read_records(path))
    t1 = time.perf_counter()
    engine.fit()
    t2 = time.perf_counter()
    result = engine.run()
    t3 = time.perf_counter()
    stats = result.blocking
    info = {
        "seconds": {"load": t1 - t0, "fit": t2 - t1, "run": t3 - t2, "total": t3 - t0},
        "peak_rss_mb": peak_rss_mb(),
        "candidate_pairs": stats.candidate_pairs,
        "demoted_keys": stats.demoted,
        "demoted_examples": {k: v[:3] for k, v in stats.demoted_examples.items()},
        "review_items": len(result.review),
        "model_training": engine.model.training if engine.model else {},
    }
    left, right, gamma, _ = engine.candidates()
    pairs = metrics.id_pairs(engine.table.ids, left, right)
    weights = engine.scorer.weigh(engine.table, left, gamma)
    probability = 1 / (1 + np.exp2(-weights))
    _histograms(weights, engine.settings, len(engine.table))
    return info, result.cluster_of, pairs, probability


def _histograms(weights: np.ndarray, settings: object, records: int) -> None:
    """Score histogram of every candidate pair, text and PNG, with the thresholds drawn."""
    from crmhub.match import histogram_png, histogram_text
    from crmhub.match.scoring import weight_of

    thresholds = [
        ("merge", weight_of(settings.merge_threshold)),  # type: ignore[attr-defined]
        ("review", weight_of(settings.review_threshold)),  # type: ignore[attr-defined]
    ]
    out = Path("bench/out")
    out.mkdir(parents=True, exist_ok=True)
    (out / f"match_histogram_{records}.txt").write_text(histogram_text(weights, thresholds) + "\n")
    histogram_png(weights, thresholds, out / f"match_histogram_{records}.png")


def run_splink(path: Path) -> tuple[dict, dict[str, str], list[tuple[str, str]], np.ndarray]:
    import pandas as pd
    import splink_runner

    t0 = time.perf_counter()
    frame = splink_runner.crm_frame(pd.read_csv(path, dtype=str, keep_default_na=False))
    t1 = time.perf_counter()
    pairs, clusters, seconds = splink_runner.run_crm(frame, THRESHOLD)
    t2 = time.perf_counter()
    info = {
        "seconds": {"load": t1 - t0, **seconds, "total": t2 - t0},
        "peak_rss_mb": peak_rss_mb(),
        "candidate_pairs_scored_above_0.01": len(pairs),
    }
    cluster_of = dict(zip(clusters.rec_id.astype(str), clusters.cluster_id.astype(str)))
    pair_ids = [metrics.sorted_pair(a, b) for a, b in zip(pairs.rec_id_l, pairs.rec_id_r)]
    return info, cluster_of, pair_ids, pairs.match_probability.to_numpy()


def accuracy(
    path: Path, cluster_of: dict[str, str], pairs: list[tuple[str, str]], probability: np.ndarray
) -> dict:
    import crm_data

    entity_of = {row["record_id"]: row["entity_id"] for row in crm_data.read_rows(path)}
    truth = metrics.true_pairs(entity_of)
    at_default = {p for p, q in zip(pairs, probability) if q >= THRESHOLD}
    return {
        "true_pairs": len(truth),
        "blocking_recall": len(set(pairs) & truth) / len(truth),
        "pairwise_best": metrics.sweep(pairs, probability, truth),
        "pairwise_at_default": metrics.prf(at_default, truth),
        "clusters_pairwise": metrics.prf(metrics.pairs_of_clusters(cluster_of), truth),
        "clusters_b_cubed": metrics.b_cubed(cluster_of, entity_of),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tool", choices=("crmhub", "splink"), required=True)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--accuracy", action="store_true")
    args = parser.parse_args()
    runner = run_crmhub if args.tool == "crmhub" else run_splink
    info, cluster_of, pairs, probability = runner(args.data)
    info.update(tool=args.tool, data=str(args.data), records=len(cluster_of), threshold=THRESHOLD)
    if args.accuracy:
        info["accuracy"] = accuracy(args.data, cluster_of, pairs, probability)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(info, indent=2, default=float))
    print(json.dumps({k: v for k, v in info.items() if k != "accuracy"}, default=float))
    if args.accuracy:
        print(json.dumps(info["accuracy"], default=float))


if __name__ == "__main__":
    main()
