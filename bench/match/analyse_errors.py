"""Where crmhub's merge decisions go wrong on the generated CRM set, by category.

    python bench/match/analyse_errors.py --data bench/data/crm_100000_s1.csv [--show 5]

Runs the same engine as the benchmark (merge threshold 0.9), then sorts the cluster-level
false positives (pairs put together that are different customers) and false negatives
(pairs of one customer left apart) into categories: relatives at one address, namesakes,
look-alike companies, other; for the negatives whether the pair was a candidate at all,
scored below the threshold, or refused by the cluster rule. Prints counts and examples
with each comparison's level, and how many missed pairs agree on nothing but a name (misses that
only the rarity of the name can recover, at the price of merging namesakes).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

import crm_data
import metrics

from crmhub.match import MatchEngine, MatchSettings

THRESHOLD = 0.9


def category(engine: MatchEngine, a: str, b: str) -> str:
    """What kind of pair this is, from the records' values."""
    ra, rb = (
        engine.table.record(engine.table.row_of(a)),
        engine.table.record(engine.table.row_of(b)),
    )
    if ra.kind != rb.kind:
        return "kinds differ"
    if ra.kind == "organization":
        return "companies"
    same_family = ra.family_name and ra.family_name == rb.family_name
    same_place = ra.street and ra.street == rb.street and ra.postcode == rb.postcode
    if same_family and same_place:
        return "people: same family, same address"
    if ra.given_name == rb.given_name and ra.family_name == rb.family_name:
        return "people: same name"
    return "people: other"


def levels(engine: MatchEngine, a: str, b: str) -> str:
    explanation = engine.explain(a, b)
    parts = [f"{p.comparison}={p.level}({p.weight:+.1f})" for p in explanation.parts]
    return f"w={explanation.match_weight:.1f} " + " ".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--show", type=int, default=5)
    args = parser.parse_args()
    records, entity_of = crm_data.load(args.data)
    engine = MatchEngine(MatchSettings(merge_threshold=THRESHOLD))
    engine.add(records)
    engine.fit()
    result = engine.run()
    truth = metrics.true_pairs(entity_of)
    merged = metrics.pairs_of_clusters(result.cluster_of)
    print("clusters", metrics.prf(merged, truth))
    left, right, gamma, _ = engine.candidates()
    ids = engine.table.ids
    weights = engine.scorer.weigh(engine.table, left, gamma)
    weight_of = {
        (min(str(ids[a]), str(ids[b])), max(str(ids[a]), str(ids[b]))): w
        for a, b, w in zip(left.tolist(), right.tolist(), weights.tolist())
    }
    merge_w = engine.policy.merge_weight
    false_pos = sorted(merged - truth)
    false_neg = sorted(truth - merged)
    print(f"\nfalse positives: {len(false_pos)}")
    _report(engine, false_pos, lambda p: category(engine, *p), args.show)
    print(f"\nfalse negatives: {len(false_neg)}")

    def why(pair: tuple[str, str]) -> str:
        w = weight_of.get(pair)
        if w is None:
            return "not a candidate"
        veto = engine.policy.veto_mask(
            engine.scorer.score(
                engine.table,
                np.asarray([engine.table.row_of(pair[0])]),
                np.asarray([engine.table.row_of(pair[1])]),
            ).gamma
        )[0]
        if veto:
            return "vetoed"
        return "below threshold" if w < merge_w else "refused by the cluster rule"

    _report(engine, false_neg, lambda p: f"{why(p)} / {category(engine, *p)}", args.show)
    names_only = sum(1 for pair in false_neg if _names_only(engine, *pair))
    print(
        f"\n{names_only} of the {len(false_neg)} missed pairs agree on nothing but a name "
        "(every other field missing or different): only the rarity of the name tells them "
        "from namesakes"
    )


#: Comparisons that carry only the name: agreeing on them alone is what namesakes do too.
NAME_COMPARISONS = frozenset({"given_name", "family_name", "company"})


def _names_only(engine: MatchEngine, a: str, b: str) -> bool:
    """True when the pair agrees on no comparison besides the names."""
    parts = engine.explain(a, b).parts
    return not any(
        p.level not in ("missing", "else") and p.comparison not in NAME_COMPARISONS for p in parts
    )


def _report(engine: MatchEngine, pairs: list[tuple[str, str]], label, show: int) -> None:  # type: ignore[no-untyped-def]
    by_label: dict[str, list[tuple[str, str]]] = {}
    for pair in pairs:
        by_label.setdefault(label(pair), []).append(pair)
    for name, members in Counter({k: len(v) for k, v in by_label.items()}).most_common():
        print(f"  {members:6d}  {name}")
        for a, b in by_label[name][:show]:
            print(f"           {a} {b}: {levels(engine, a, b)}")


if __name__ == "__main__":
    main()
