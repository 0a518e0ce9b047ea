"""Comparison levels on the hard cases the issue lists."""

from __future__ import annotations

import numpy as np
import pytest

from crmhub.match import COMPARISONS, MatchRecord
from crmhub.match.comparisons import MISSING, PairBatch
from crmhub.match.table import RecordTable

from .population import Population


def level_of(comparison: str, left: MatchRecord, right: MatchRecord) -> str:
    table = RecordTable()
    table.upsert([left, right])
    batch = PairBatch(table, np.array([0]), np.array([1]))
    level = int(COMPARISONS[comparison].compare(batch)[0])
    return "missing" if level == MISSING else COMPARISONS[comparison].levels[level]


def person(rid: str, **values: object) -> MatchRecord:
    return MatchRecord.from_values(rid, "person", **values)  # type: ignore[arg-type]


def org(rid: str, **values: object) -> MatchRecord:
    return MatchRecord.from_values(rid, "organization", **values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("a", "b", "given", "family"),
    [
        (("Mario", "Rossi"), ("Mario", "Rossi"), "exact", "exact"),
        (("Mario", "Rossi"), ("Rossi", "Mario"), "exact", "exact"),  # swapped
        (("Nicolò", "D'Angelo"), ("Nicolo", "D Angelo"), "exact", "exact"),  # accents
        (("Mario", "Rossi"), ("Mraio", "Rosis"), "jw>=0.92", "jw>=0.92"),  # typos
        (("Mario", "Rossi"), ("M.", "Rossi"), "initial", "exact"),
        (("Mario", "Rossi"), ("L.", "Rossi"), "other initial", "exact"),
        (("Mario", "Rossi"), ("Luca", "Rossi"), "else", "exact"),
        # swapped on one side, abbreviated on the other: "G. Befao" is "Befao Giorgio"
        (("G.", "Befao"), ("Befao", "Giorgio"), "initial", "exact"),
        # a different initial explains nothing: no swap
        (("L.", "Befao"), ("Befao", "Giorgio"), "other initial", "else"),
    ],
)
def test_person_names(a: tuple[str, str], b: tuple[str, str], given: str, family: str) -> None:
    left = person("a", given_name=a[0], family_name=a[1])
    right = person("b", given_name=b[0], family_name=b[1])
    assert level_of("given_name", left, right) == given
    assert level_of("family_name", left, right) == family


def test_missing_value_gives_missing_level() -> None:
    assert level_of("birth_date", person("a", birth_date="1980-01-02"), person("b")) == "missing"


@pytest.mark.parametrize(
    ("a", "b", "level"),
    [
        ("1980-04-03", "1980-04-03", "exact"),
        ("1980-04-03", "1980-03-04", "day-month swapped"),
        ("1980-04-03", "1980-04-08", "1 edit"),
        ("1980-04-03", "1950-11-23", "else"),
    ],
)
def test_birth_dates(a: str, b: str, level: str) -> None:
    assert level_of("birth_date", person("a", birth_date=a), person("b", birth_date=b)) == level


@pytest.mark.parametrize(
    ("a", "b", "level"),
    [
        ("Mario.Rossi@gmail.com", "mario.rossi@GMAIL.com", "exact"),
        ("mario.rossi@gmail.com", "mariorossi@gmail.com", "same mailbox key"),
        ("mario.rossi@libero.it", "mariorossi@libero.it", "separators differ"),
        ("mario_rossi@libero.it", "mario.rossi@libero.it", "separators differ"),
        ("mario.rossi@libero.it", "mario.rosi@libero.it", "same domain, jw>=0.88"),
        ("mario.rossi@libero.it", "mario.rossi@tiscali.it", "else"),
        ("mario.rossi@libero.it", "mario.rossi65@libero.it", "else"),
        ("greta_gallo@yahoo.it", "gallo.greta@yahoo.it", "else"),
        ("mario.rossi@libero.it", "ufficio@acme.it", "else"),
    ],
)
def test_emails(a: str, b: str, level: str) -> None:
    assert level_of("email", person("a", emails=[a]), person("b", emails=[b])) == level


def test_any_of_several_emails_or_phones_agrees() -> None:
    left = person("a", emails=["x@a.it", "m@b.it"], phones=["+39061", "+39333"])
    right = person("b", emails=["m@b.it"], phones=["+39333"])
    assert level_of("email", left, right) == "exact"
    assert level_of("phone", left, right) == "exact"


@pytest.mark.parametrize(
    ("a", "b", "level"),
    [
        ("Rossi Costruzioni S.r.l.", "Rossi Costruzioni S.r.l.", "exact"),
        ("Rossi Costruzioni S.r.l.", "ROSSI COSTRUZIONI", "same without legal form"),
        ("Rossi Costruzioni Edili Srl", "Rossi Costruzioni", "token set>=90"),
        ("Rossi Costruzioni", "Bianchi Trasporti", "else"),
    ],
)
def test_companies(a: str, b: str, level: str) -> None:
    assert level_of("company", org("a", company_name=a), org("b", company_name=b)) == level


def test_vat_with_and_without_prefix_agree() -> None:
    assert level_of("vat", org("a", vat="IT01234567890"), org("b", vat="01234567890")) == "exact"


@pytest.mark.parametrize(
    ("a", "b", "level"),
    [
        ("P.zza Garibaldi", "Piazza Garibaldi", "exact"),
        ("Via Giuseppe Verdi", "Verdi Giuseppe Via", "token sort>=90"),
        ("Via Garibaldi", "Viale Garibaldo", "jw>=0.80"),
        ("Via Roma", "Corso Francia", "else"),
    ],
)
def test_streets(a: str, b: str, level: str) -> None:
    assert level_of("street", person("a", street=a), person("b", street=b)) == level


def test_scoring_each_distinct_value_pair_once_gives_the_same_similarities(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from rapidfuzz.distance import JaroWinkler

    from crmhub.match import comparisons

    names = ["Mario", "Maria", "Rossi", "Rosi", "Marco", ""]
    table = RecordTable()
    table.upsert(
        MatchRecord.from_values(f"r{i}", given_name=names[i % 6], family_name=names[i % 5])
        for i in range(60)
    )
    rng = np.random.default_rng(1)
    left, right = rng.integers(0, 60, 2_000), rng.integers(0, 60, 2_000)
    scorer = JaroWinkler.normalized_similarity
    results = []
    for share in (0.0, 1.0):  # never / always score distinct value pairs only
        monkeypatch.setattr(comparisons, "DEDUPLICATE_BELOW", share)
        batch = PairBatch(table, left, right)
        results.append(
            (
                batch.similarity(scorer, "given_name"),
                batch.similarity(scorer, "given_name", "family_name"),
            )
        )
    for direct, deduplicated in zip(*results):
        assert direct.dtype == deduplicated.dtype
        assert np.array_equal(direct, deduplicated)


def test_a_few_pairs_against_a_big_table_code_their_own_values_and_give_the_same_levels(
    population: Population, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An incremental upsert compares a few pairs against the whole table: coding the table's
    every row for them cost ~250 ms per record at 50k rows. The batch codes its own values
    instead, and its levels are those the table-wide codes give."""
    from crmhub.match import comparisons
    from crmhub.match import table as table_module

    table = RecordTable()
    table.upsert(population.records)
    rng = np.random.default_rng(3)
    # same-entity pairs (most levels agree) and random ones (most do not)
    by_entity: dict[str, list[int]] = {}
    for record in population.records:
        by_entity.setdefault(population.truth[record.id], []).append(table.row_of(record.id))
    twins = [rows[:2] for rows in by_entity.values() if len(rows) > 1][:40]
    left = np.concatenate([[a for a, _ in twins], rng.integers(0, len(table), 40)])
    right = np.concatenate([[b for _, b in twins], rng.integers(0, len(table), 40)])
    everything = list(COMPARISONS.values())

    local = comparisons.compare_pairs(table, left, right, everything)
    assert table.cached_keys() == []  # nothing was derived for the whole table
    monkeypatch.setattr(table_module, "LOCAL_BELOW", 0.0)
    table_wide = comparisons.compare_pairs(table, left, right, everything)
    assert any(key[0] == "codes" for key in table.cached_keys())  # type: ignore[index]
    assert np.array_equal(local, table_wide)
    assert (local == 0).sum() > 0 and (local > 0).sum() > 0


def test_a_batch_uses_the_tables_codes_once_they_are_cached() -> None:
    table = RecordTable()
    table.upsert(MatchRecord.from_values(f"r{i}", given_name=f"n{i % 7}") for i in range(100))
    from crmhub.match.comparisons import column_codes

    column_codes(table, "given_name")
    batch = PairBatch(table, np.array([1]), np.array([8]))
    a, b = batch.codes("given_name")
    assert a[0] == b[0] == column_codes(table, "given_name")[1]
