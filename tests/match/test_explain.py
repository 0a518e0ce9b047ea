"""Rendering explanations and score histograms."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from rich.console import Console

from crmhub.match import MatchEngine, explanation_table, histogram_png, histogram_text
from crmhub.match.scoring import weight_of


def test_rich_table_shows_every_part_and_the_total(engine: MatchEngine) -> None:
    result = engine.run()
    ids = engine.table.ids
    explanation = engine.explain(ids[result.pairs.left[0]], ids[result.pairs.right[0]])
    console = Console(record=True, width=200)
    console.print(explanation_table(explanation))
    text = console.export_text()
    for part in explanation.parts:
        assert part.comparison in text
    assert f"{explanation.match_weight:+.2f}" in text
    assert f"p={explanation.probability:.4f}" in text


def test_text_histogram_marks_thresholds_and_counts_every_pair() -> None:
    weights = np.array([-20.0, -15.0, -3.0, 2.0, 9.0, 9.5, 25.0])
    thresholds = [("merge", weight_of(0.9)), ("review", weight_of(0.5))]
    text = histogram_text(weights, thresholds, bins=10)
    counts = [int(line.split("|")[1].split("<--")[0].split()[-1]) for line in text.splitlines()]
    assert sum(counts) == weights.size
    assert "<-- merge" in text and "<-- review" in text


def test_png_histogram_is_written(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    out = histogram_png(
        np.random.default_rng(0).normal(0, 10, 1000),
        [("merge", 3.2), ("review", 0.0)],
        tmp_path / "scores.png",
    )
    assert out is not None and out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_explaining_many_pairs_at_once_equals_explaining_each(engine: MatchEngine) -> None:
    """A full run stores an explanation per pair, explained in batches: each must be the one a
    steward gets for that pair alone, and add up to the weight the run scored."""
    result = engine.run()
    ids = engine.table.ids
    pairs = [(ids[a], ids[b]) for a, b in zip(result.pairs.left, result.pairs.right)]
    batch = engine.explain_many(pairs)
    assert len(batch) == len(pairs) > 100
    for k in range(0, len(pairs), max(1, len(pairs) // 150)):
        alone = engine.explain(*pairs[k])
        assert batch[k] == alone
        assert batch[k].match_weight == result.pairs.weight[k]
        assert batch[k].sum_of_parts() == batch[k].match_weight
    missing = [p for e in batch for p in e.parts if p.level == "missing"]
    assert missing and all(p.m is None and p.u is None and p.weight == 0.0 for p in missing)


def test_two_valued_attributes_show_the_values_that_agreed(engine: MatchEngine) -> None:
    from crmhub.match import MatchRecord

    engine.add(
        [
            MatchRecord.from_values(
                "shown-a",
                given_name="Ada",
                family_name="Zuccotti",
                phones=("+39 02 1111111", "+39 333 2222222"),
                emails=("ada@work.example", "ada.zuccotti@gmail.com"),
            ),
            MatchRecord.from_values(
                "shown-b",
                given_name="Ada",
                family_name="Zuccotti",
                phones=("+39 333 2222222",),
                emails=("adazuccotti@gmail.com",),
            ),
        ]
    )
    parts = {p.comparison: p for p in engine.explain("shown-a", "shown-b").parts}
    assert parts["phone"].level == "exact"
    assert parts["phone"].left_value == parts["phone"].right_value  # the second phone on the left
    assert parts["email"].level != "exact"
    assert "zuccotti" in parts["email"].left_value  # the address that agreed, not the work one
