"""Blocking keys, pair generation and demotion of over-common keys."""

from __future__ import annotations

import itertools
import random

import numpy as np

from crmhub.match import InMemoryCandidateIndex, MatchRecord
from crmhub.match.blocking import block_pairs, family_by_name, record_keys
from crmhub.match.table import RecordTable

SWITCHBOARD = "+390200000000"


def _table(records: list[MatchRecord]) -> RecordTable:
    table = RecordTable()
    table.upsert(records)
    return table


def test_pairs_equal_brute_force_over_shared_keys() -> None:
    rng = random.Random(3)
    records = [
        MatchRecord.from_values(
            f"r{i}",
            given_name=rng.choice("ABCD"),
            family_name=rng.choice(["Rossi", "Bianchi"]),
            emails=[f"u{rng.randrange(40)}@x.it"],
            phones=[f"+39{rng.randrange(30)}"],
        )
        for i in range(200)
    ]
    table = _table(records)
    families = family_by_name(["email", "phone", "given_family"])
    left, right, stats = block_pairs(table, families, cap=1000)
    keys = record_keys(table, np.arange(len(records)), families)
    expected = {
        (i, j)
        for i, j in itertools.combinations(range(len(records)), 2)
        if set(keys[i]) & set(keys[j])
    }
    assert set(zip(left.tolist(), right.tolist())) == expected
    assert stats.candidate_pairs == len(expected)
    assert (left < right).all()


def test_over_common_key_is_demoted_and_makes_no_pairs() -> None:
    # 60 unrelated people share a call-centre number; two of them also share an e-mail.
    records = [
        MatchRecord.from_values(f"p{i}", phones=[SWITCHBOARD], emails=[f"x{i}@y.it"])
        for i in range(60)
    ]
    records[1] = MatchRecord.from_values("p1", phones=[SWITCHBOARD], emails=["x0@y.it"])
    table = _table(records)
    left, right, stats = block_pairs(table, family_by_name(["email", "phone"]), cap=50)
    assert set(zip(left.tolist(), right.tolist())) == {(0, 1)}  # only the e-mail pair
    assert stats.demoted == {"phone": 1}
    assert stats.demoted_examples["phone"] == ["phone:390200000000"]


def test_key_at_the_cap_still_makes_pairs() -> None:
    records = [MatchRecord.from_values(f"p{i}", phones=[SWITCHBOARD]) for i in range(5)]
    left, _, stats = block_pairs(_table(records), family_by_name(["phone"]), cap=5)
    assert left.size == 10 and not stats.demoted


def test_in_memory_index_honours_the_cap_and_removal() -> None:
    index = InMemoryCandidateIndex()
    for i in range(4):
        index.add(f"r{i}", ["phone:1", f"email:{i}"])
    assert index.candidates(["phone:1"], cap=4) == {"r0", "r1", "r2", "r3"}
    assert index.candidates(["phone:1"], cap=3) == set()  # demoted
    index.remove("r0")
    assert index.candidates(["phone:1"], cap=3) == {"r1", "r2", "r3"}
    assert index.key_sizes(["phone:1", "email:0"]) == {"phone:1": 3, "email:0": 0}


def test_swapped_names_share_the_name_keys() -> None:
    table = _table(
        [
            MatchRecord.from_values("a", given_name="Mario", family_name="Rossi"),
            MatchRecord.from_values("b", given_name="Rossi", family_name="Mario"),
        ]
    )
    families = family_by_name(["phonetic_given_family", "name_prefixes"])
    keys = record_keys(table, np.arange(2), families)
    assert keys[0] == keys[1] and len(keys[0]) == 2


def test_a_first_email_meets_another_records_second_one() -> None:
    # one key family, two columns: the pair is found as an index look-up would find it
    records = [
        MatchRecord.from_values("a", given_name="Anna", emails=["anna@x.it"]),
        MatchRecord.from_values("b", given_name="Anna", emails=["ab@y.it", "anna@x.it"]),
        MatchRecord.from_values("c", given_name="Carla", emails=["c@y.it", "c@y.it"]),
    ]
    left, right, stats = block_pairs(_table(records), family_by_name(["email"]), cap=10)
    assert list(zip(left.tolist(), right.tolist())) == [(0, 1)]
    assert stats.keys["email"] == 3  # anna@x.it, ab@y.it, c@y.it: each (record, key) once


def test_pooled_family_keys_count_records_towards_the_cap() -> None:
    records = [
        MatchRecord.from_values(f"r{i}", emails=[f"own{i}@x.it", "info@shared.it"])
        for i in range(4)
    ]
    left, _, stats = block_pairs(_table(records), family_by_name(["email"]), cap=3)
    assert left.size == 0 and stats.demoted["email"] == 1


def test_key_codes_give_the_pairs_and_stats_of_the_string_keys() -> None:
    import dataclasses

    from crmhub.match.blocking import KEY_FAMILIES

    rng = random.Random(11)
    names = ["Mario", "Maria Grazia", "Rossi", "Rosi", "De Luca", "Bianchi", ""]
    records = [
        MatchRecord.from_values(
            f"r{i}",
            rng.choice(["person", "organization"]),
            given_name=rng.choice(names),
            family_name=rng.choice(names),
            company_name=rng.choice(["Rossi S.r.l.", "Rossi Costruzioni", "Bianchi & C.", ""]),
            emails=[rng.choice(["a@x.it", "A@x.it", "b@y.it", ""]), rng.choice(["a@x.it", ""])],
            phones=[rng.choice(["+391", "+392", ""]), rng.choice(["+391", ""])],
            vat=rng.choice(["IT01234567890", "01234567890", ""]),
            birth_date=rng.choice(["1980-01-02", "1980-02-01", ""]),
            street=rng.choice(["Via Roma", "V. Roma", ""]),
            house_number=rng.choice(["1", "2", ""]),
            postcode=rng.choice(["20100", "00100", ""]),
            city=rng.choice(["Milano", "Roma", ""]),
        )
        for i in range(300)
    ]
    # unfolded values a caller may pass straight in: blank words, several words, one letter
    odd = [" ", "ma ro", "ma", "ro", "mar rossi", "m", "", "ross mar", "x y z"]
    records += [
        MatchRecord(f"o{i}", given_name=rng.choice(odd), family_name=rng.choice(odd))
        for i in range(300)
    ]
    table = _table(records)
    for family in KEY_FAMILIES.values():
        assert family.codes is not None, family.name
        strings_only = dataclasses.replace(family, codes=None)
        for cap in (3, 40, 1000):
            left, right, stats = block_pairs(table, [family], cap)
            s_left, s_right, s_stats = block_pairs(table, [strings_only], cap)
            assert left.tolist() == s_left.tolist(), (family.name, cap)
            assert right.tolist() == s_right.tolist(), (family.name, cap)
            assert stats == s_stats, (family.name, cap)
