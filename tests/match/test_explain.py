"""Rendering explanations and score histograms."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console

from crmhub.match import MatchEngine, explanation_table, histogram_png, histogram_text
from crmhub.match.explain import PairExplanation, stored_parts
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


def test_a_stored_explanation_reads_back_as_the_explanation(engine: MatchEngine) -> None:
    """The store keeps each part as a list under ``part_fields`` (half the bytes of a dict
    per part); batch-built stored forms equal each explanation's own, and read back equal."""
    result = engine.run()
    ids = engine.table.ids
    pairs = [(ids[a], ids[b]) for a, b in zip(result.pairs.left[:300], result.pairs.right[:300])]
    stored = engine.explanations_to_store(pairs)
    explained = engine.explain_many(pairs)
    assert stored == [e.to_dict() for e in explained]
    read_back = [PairExplanation.from_dict(json.loads(json.dumps(s))) for s in stored]
    assert read_back == explained
    assert all(isinstance(part, tuple) for s in stored for part in s["parts"])


def test_explanations_stored_by_an_earlier_release_still_read() -> None:
    """Earlier releases stored a dict per part; the workbench and from_dict read both."""
    old = {
        "left_id": "1",
        "right_id": "2",
        "prior_weight": -12.0,
        "match_weight": 3.5,
        "probability": 0.918,
        "parts": [
            {
                "comparison": "email",
                "level": "exact",
                "left_value": "a@b.it",
                "right_value": "a@b.it",
                "m": 0.9,
                "u": 0.0001,
                "weight": 13.1,
                "tf_adjustment": 0.0,
            },
            {
                "comparison": "phone",
                "level": "else",
                "left_value": "391",
                "right_value": "392",
                "m": 0.1,
                "u": 0.9,
                "weight": -3.6,
                "tf_adjustment": 0.0,
            },
        ],
    }
    explanation = PairExplanation.from_dict(old)
    assert [p.comparison for p in explanation.parts] == ["email", "phone"]
    assert explanation.sum_of_parts() == pytest.approx(-12.0 + 13.1 - 3.6)
    assert stored_parts(old) == old["parts"]
    assert stored_parts(explanation.to_dict()) == old["parts"]
    assert stored_parts({"parts": [[1, 2], "junk"]}) == []  # a damaged row shows what it can
