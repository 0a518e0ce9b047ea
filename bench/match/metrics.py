"""Accuracy metrics: pairwise precision/recall/F1, threshold sweeps and B-cubed for clusters."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping

import numpy as np


def prf(predicted: set[tuple[str, str]], truth: set[tuple[str, str]]) -> dict[str, float]:
    """Precision, recall and F1 of predicted pairs (sorted id tuples) against true pairs."""
    tp = len(predicted & truth)
    precision = tp / len(predicted) if predicted else 1.0
    recall = tp / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "tp": tp,
        "fp": len(predicted) - tp,
        "fn": len(truth) - tp,
    }


def sweep(
    pair_ids: list[tuple[str, str]], scores: np.ndarray, truth: set[tuple[str, str]]
) -> dict[str, float]:
    """Best F1 over every threshold on ``scores`` (pairs not scored count as misses)."""
    is_true = np.fromiter((p in truth for p in pair_ids), dtype=bool, count=len(pair_ids))
    order = np.argsort(-scores, kind="stable")
    tp = np.cumsum(is_true[order])
    predicted = np.arange(1, len(order) + 1)
    precision = tp / predicted
    recall = tp / max(len(truth), 1)
    f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0)
    best = int(np.argmax(f1)) if f1.size else 0
    if not f1.size:
        return {"threshold": float("nan"), "precision": 1.0, "recall": 0.0, "f1": 0.0}
    return {
        "threshold": float(scores[order][best]),
        "precision": float(precision[best]),
        "recall": float(recall[best]),
        "f1": float(f1[best]),
    }


def pairs_of_clusters(cluster_of: Mapping[str, str]) -> set[tuple[str, str]]:
    """Every pair of records put in the same cluster."""
    members: dict[str, list[str]] = defaultdict(list)
    for record, cluster in cluster_of.items():
        members[cluster].append(record)
    out = set()
    for group in members.values():
        group.sort()
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                out.add((a, b))
    return out


def true_pairs(entity_of: Mapping[str, str]) -> set[tuple[str, str]]:
    """Pairs of records of the same true entity."""
    return pairs_of_clusters(entity_of)


def b_cubed(cluster_of: Mapping[str, str], entity_of: Mapping[str, str]) -> dict[str, float]:
    """B-cubed precision, recall and F1 of a clustering against true entities."""
    joint = Counter((cluster_of[r], entity_of[r]) for r in entity_of)
    cluster_size = Counter(cluster_of[r] for r in entity_of)
    entity_size = Counter(entity_of.values())
    precision = sum(n * n / cluster_size[c] for (c, _), n in joint.items()) / len(entity_of)
    recall = sum(n * n / entity_size[e] for (_, e), n in joint.items()) / len(entity_of)
    return {
        "precision": precision,
        "recall": recall,
        "f1": 2 * precision * recall / (precision + recall),
    }


def sorted_pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


def id_pairs(ids: np.ndarray, left: Iterable[int], right: Iterable[int]) -> list[tuple[str, str]]:
    return [sorted_pair(ids[a], ids[b]) for a, b in zip(left, right)]
