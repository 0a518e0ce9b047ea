"""The engine end to end: merges, hard negatives, steward constraints, incremental runs."""

from __future__ import annotations

import json

import numpy as np
import pytest
from stdnum.it import codicefiscale

from crmhub.match import (
    ConstraintConflictError,
    FellegiSunterModel,
    InMemoryCandidateIndex,
    MatchEngine,
    MatchRecord,
    MatchSettings,
    ModelFormatError,
    ModelNotFittedError,
    StewardDecisions,
)
from crmhub.match.blocking import record_keys
from crmhub.match.scoring import probability

from .conftest import TEST_SETTINGS
from .population import Population


def household() -> list[MatchRecord]:
    """Father and son at one address sharing the landline; a record of one of them with only an
    initial; a namesake of the father elsewhere; and a true duplicate of the son."""
    home = {"street": "Via Garibaldi", "house_number": "12", "postcode": "00185", "city": "Roma"}
    landline = "+390612345678"
    return [
        MatchRecord.from_values(
            "father",
            given_name="Mario",
            family_name="Zappacosta",
            birth_date="1950-03-04",
            phones=[landline],
            emails=["mario.zappacosta@libero.it"],
            **home,
        ),
        MatchRecord.from_values(
            "son",
            given_name="Luca",
            family_name="Zappacosta",
            birth_date="1980-07-21",
            phones=[landline],
            emails=["luca.zappacosta@gmail.com"],
            **home,
        ),
        MatchRecord.from_values(
            "son-shop",
            given_name="Luca",
            family_name="Zapacosta",
            birth_date="1980-07-21",
            emails=["Luca.Zappacosta@gmail.com"],
            street="V. Garibaldi",
            postcode="00185",
            city="Roma",
        ),
        MatchRecord.from_values(
            "initial", given_name="M.", family_name="Zappacosta", phones=[landline], **home
        ),
        MatchRecord.from_values(
            "namesake",
            given_name="Mario",
            family_name="Zappacosta",
            birth_date="1971-11-30",
            emails=["mzappacosta@tiscali.it"],
            street="Corso Buenos Aires",
            house_number="5",
            postcode="20124",
            city="Milano",
        ),
    ]


def run_with(
    engine: MatchEngine, extra: list[MatchRecord], decisions: StewardDecisions | None = None
):
    engine.add(extra)
    return engine.run(decisions)


def same_cluster(result, a: str, b: str) -> bool:
    return result.cluster_of[a] == result.cluster_of[b]


def test_known_duplicates_are_merged(engine: MatchEngine, population: Population) -> None:
    result = engine.run()
    truth = population.truth
    by_entity: dict[str, set[str]] = {}
    for record, entity in truth.items():
        by_entity.setdefault(entity, set()).add(result.cluster_of[record])
    split = [e for e, clusters in by_entity.items() if len(clusters) > 1]
    clusters = result.clusters()
    mixed = [c for c, members in clusters.items() if len({truth[m] for m in members}) > 1]
    assert len(split) <= 0.01 * len(by_entity)
    assert not mixed


def test_relatives_and_namesakes_are_kept_apart(engine: MatchEngine) -> None:
    result = run_with(engine, household())
    assert same_cluster(result, "son", "son-shop")
    assert not same_cluster(result, "father", "son")
    assert not same_cluster(result, "father", "namesake")
    assert not same_cluster(result, "son", "namesake")


def test_father_and_son_are_not_chained_through_a_record_like_both(engine: MatchEngine) -> None:
    result = run_with(engine, household())
    # "M. Zappacosta" at the same address with the same phone scores high with both...
    assert engine.explain("initial", "father").probability > 0.9
    assert engine.explain("initial", "son").probability > 0.9
    # ...but may join only one of them.
    assert not same_cluster(result, "father", "son")
    assert any("strong negative evidence" in item.reason for item in result.review)


def test_a_mother_known_by_her_codice_fiscale_is_kept_apart_from_her_namesake_daughter(
    engine: MatchEngine,
) -> None:
    """Mother and daughter share name, address and landline. The mother's record states no
    birth date, but her codice fiscale encodes 1959; the daughter's records say 1987."""
    home = {"street": "Via Novembre", "house_number": "120", "postcode": "00137", "city": "Roma"}
    landline = "+39065992700"
    mother_code = "DXXRNI59A59H501" + codicefiscale.calc_check_digit("DXXRNI59A59H501")
    irene = {"given_name": "Irene", "family_name": "Dexo", **home}
    records = [
        MatchRecord.from_values("mother", national_id=mother_code, phones=[landline], **irene),
        MatchRecord.from_values("daughter", birth_date="1987-03-21", phones=[landline], **irene),
        MatchRecord.from_values(
            "daughter-shop", birth_date="1987-03-21", emails=["irene.dexo@outlook.it"], **irene
        ),
    ]
    result = run_with(engine, records)
    levels = {p.comparison: p.level for p in engine.explain("mother", "daughter").parts}
    assert levels["birth_date"] == "else"
    assert same_cluster(result, "daughter", "daughter-shop")
    assert not same_cluster(result, "mother", "daughter")


def test_steward_decisions_hold_after_reestimation(engine: MatchEngine) -> None:
    first = run_with(engine, household())
    assert same_cluster(first, "son", "son-shop")
    decisions = StewardDecisions.from_pairs(
        same=[("father", "initial")], different=[("son", "son-shop")]
    )
    engine.fit(labels=decisions)  # re-estimate m with the steward's labels
    assert engine.model is not None and engine.model.training["labelled_pairs"] == 2
    for _ in range(2):  # and on every rerun
        result = engine.run(decisions)
        assert not same_cluster(result, "son", "son-shop")
        assert same_cluster(result, "father", "initial")
        decided = {(i.left_id, i.right_id) for i in result.review}
        assert ("son", "son-shop") not in decided


def test_must_link_overrides_a_veto_but_not_a_cannot_link(engine: MatchEngine) -> None:
    engine.add(household())
    result = engine.run(StewardDecisions.from_pairs(same=[("father", "son")]))
    assert same_cluster(result, "father", "son")
    conflicting = StewardDecisions.from_pairs(
        same=[("father", "initial"), ("initial", "son")], different=[("father", "son")]
    )
    with pytest.raises(ConstraintConflictError, match="'father' and 'son'"):
        engine.run(conflicting)


def test_a_pair_cannot_be_decided_both_ways() -> None:
    with pytest.raises(ConstraintConflictError, match="both same and different"):
        StewardDecisions.from_pairs(same=[("a", "b")], different=[("b", "a")])


def test_incremental_agrees_with_full_run(
    population: Population, fitted_model: FellegiSunterModel
) -> None:
    records = population.records + household()
    full = MatchEngine(TEST_SETTINGS, model=fitted_model)
    full.add(records)
    expected = full.run().cluster_of

    rng = np.random.default_rng(11)
    order = rng.permutation(len(records))
    shuffled = [records[i] for i in order]
    cut = int(len(shuffled) * 0.7)
    incremental = MatchEngine(TEST_SETTINGS, model=fitted_model)
    incremental.add(shuffled[:cut])
    incremental.run()
    for start in range(cut, len(shuffled), 40):
        incremental.upsert(shuffled[start : start + 40])
    got = {r.id: incremental.cluster_of(r.id) for r in records}

    assert _agreement(expected, got) >= 0.999


def _agreement(first: dict[str, str], second: dict[str, str]) -> float:
    """Share of records whose cluster has the same members in both clusterings."""

    def members(assignment: dict[str, str]) -> dict[str, frozenset[str]]:
        groups: dict[str, set[str]] = {}
        for record, cluster in assignment.items():
            groups.setdefault(cluster, set()).add(record)
        return {r: frozenset(groups[c]) for r, c in assignment.items()}

    a, b = members(first), members(second)
    return sum(a[r] == b[r] for r in a) / len(a)


def test_incremental_change_splits_and_remove_updates(engine: MatchEngine) -> None:
    engine.add(household())
    engine.run()
    assert engine.cluster_of("son-shop") == engine.cluster_of("son")
    changed = MatchRecord.from_values(
        "son-shop",
        given_name="Giulia",
        family_name="Verdi",
        emails=["giulia.verdi@acme.it"],
        city="Torino",
    )
    update = engine.upsert([changed])
    assert update.cluster_of["son-shop"] == "son-shop"
    assert update.cluster_of["son"] != "son-shop"
    removal = engine.remove(["son"])
    assert "son" not in removal.cluster_of


def test_explanation_parts_add_up_to_the_reported_weight(engine: MatchEngine) -> None:
    result = run_with(engine, household())
    pairs = result.pairs
    ids = engine.table.ids
    for k in range(min(len(pairs), 200)):
        explanation = engine.explain(ids[pairs.left[k]], ids[pairs.right[k]])
        assert explanation.sum_of_parts() == explanation.match_weight  # exactly
        assert explanation.match_weight == pairs.weight[k]  # the weight the run used
        assert explanation.probability == float(probability(explanation.match_weight))
    explanation = engine.explain("son", "son-shop")
    by_name = {p.comparison: p for p in explanation.parts}
    assert by_name["email"].level == "exact"
    assert by_name["birth_date"].level == "exact"
    assert by_name["family_name"].tf_adjustment == 0.0  # a typo is not an exact agreement
    assert by_name["phone"].level == "missing" and by_name["phone"].weight == 0.0


def test_common_values_weigh_less_than_rare_ones(engine: MatchEngine) -> None:
    common = [
        MatchRecord.from_values(f"rossi{i}", given_name="Mario", family_name="Rossi", city="Roma")
        for i in range(30)
    ]
    rare = [
        MatchRecord.from_values(
            f"rare{i}", given_name="Mario", family_name="Zappacosta", city="Roma"
        )
        for i in range(2)
    ]
    engine.add(common + rare)
    engine.fit()
    rossi = engine.explain("rossi0", "rossi1")
    zappa = engine.explain("rare0", "rare1")
    family = lambda e: next(p for p in e.parts if p.comparison == "family_name")
    assert family(rossi).weight == family(zappa).weight  # same level, same m/u
    assert family(rossi).tf_adjustment < family(zappa).tf_adjustment
    assert family(rossi).tf_adjustment < 0  # agreeing on the commonest surname is weak
    assert rossi.match_weight < zappa.match_weight


def test_a_common_surname_agreeing_through_a_swap_is_not_a_rare_given_name(
    engine: MatchEngine,
) -> None:
    """ "Rossi Mario" vs "Mario Rossi": the given names agree on "rossi", a value the
    given-name column hardly holds, but it is the commonest surname: it must weigh as such."""
    crowd = [
        MatchRecord.from_values(f"r{i}", given_name=g, family_name="Rossi", city="Roma")
        for i, g in enumerate(["Mario", "Luca", "Anna", "Paolo", "Sara", "Marco"] * 5)
    ]
    swapped = [
        MatchRecord.from_values("plain", given_name="Giulio", family_name="Rossi"),
        MatchRecord.from_values("swapped", given_name="Rossi", family_name="Giulio"),
    ]
    rare_given = [
        MatchRecord.from_values(f"o{i}", given_name="Ottavio", family_name=f)
        for i, f in enumerate(["Zappa", "Zappa"])
    ]
    engine.add(crowd + swapped + rare_given)
    engine.fit()
    parts = {p.comparison: p for p in engine.explain("swapped", "plain").parts}
    assert parts["given_name"].level == "exact" and parts["family_name"].level == "exact"
    rare = {p.comparison: p for p in engine.explain("o0", "o1").parts}
    # "rossi" agreed as a given name (seen once in that column) would weigh more than
    # "Ottavio" (seen twice); as the surname 31 records share, it weighs far less
    assert parts["given_name"].tf_adjustment < rare["given_name"].tf_adjustment - 3


def test_model_round_trips_through_json(
    engine: MatchEngine, fitted_model: FellegiSunterModel
) -> None:
    loaded = FellegiSunterModel.from_dict(json.loads(json.dumps(fitted_model.to_dict())))
    again = MatchEngine(TEST_SETTINGS, model=loaded)
    again.add(engine.table.record(r) for r in range(len(engine.table)))
    assert again.run().cluster_of == engine.run().cluster_of


def test_bad_models_are_rejected_with_the_reason(fitted_model: FellegiSunterModel) -> None:
    data = fitted_model.to_dict()
    with pytest.raises(ModelFormatError, match="version 99"):
        FellegiSunterModel.from_dict({**data, "version": 99})
    broken = json.loads(json.dumps(data))
    broken["comparisons"][0]["m"] = [0.5]
    with pytest.raises(ModelFormatError, match=r"comparisons\[0\] \('given_name'\)"):
        FellegiSunterModel.from_dict(broken)
    with pytest.raises(ModelFormatError, match="trained on comparisons"):
        MatchEngine(MatchSettings(comparisons=("email", "phone")), model=fitted_model)


def test_running_without_a_model_says_what_to_do(population: Population) -> None:
    engine = MatchEngine(TEST_SETTINGS)
    engine.add(population.records[:10])
    with pytest.raises(ModelNotFittedError, match="fit"):
        engine.run()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"comparisons": ("email", "shoe_size")}, "shoe_size"),
        ({"key_families": ("nope",)}, "unknown blocking key family 'nope'"),
        ({"merge_threshold": 0.4, "review_threshold": 0.6}, "review_threshold"),
        ({"vetoes": {"birth_date": ("very different",)}}, "very different"),
        ({"merge_threshold": 1.0}, "merge_threshold"),
    ],
)
def test_bad_settings_name_the_field(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        MatchSettings(**kwargs)  # type: ignore[arg-type]


def test_link_only_never_pairs_records_of_one_source(fitted_model: FellegiSunterModel) -> None:
    twins = [
        MatchRecord.from_values(
            f"{s}{i}", source=s, given_name="Anna", family_name="Neri", emails=["anna.neri@x.it"]
        )
        for s in "ab"
        for i in range(2)
    ]
    engine = MatchEngine(
        MatchSettings(link_type="link_only", u_sample_pairs=1000), model=fitted_model
    )
    engine.add(twins)
    left, right, _, _ = engine.candidates()
    sources = engine.table.column("source")
    assert left.size == 4 and (sources[left] != sources[right]).all()


class CountingIndex(InMemoryCandidateIndex):
    """A store-like index: filled by its owner, and counting the look-ups the engine makes."""

    def __init__(self) -> None:
        super().__init__()
        self.lookups = 0

    def candidates(self, keys, cap):  # type: ignore[no-untyped-def]
        self.lookups += 1
        return super().candidates(keys, cap)


def test_an_index_owned_by_the_store_is_used_not_rebuilt(
    population: Population, fitted_model: FellegiSunterModel
) -> None:
    index = CountingIndex()
    engine = MatchEngine(TEST_SETTINGS, model=fitted_model, index=index)
    engine.add(population.records)
    rows = np.arange(len(engine.table))
    for row, keys in zip(rows, record_keys(engine.table, rows, engine.families)):
        index.add(engine.table.ids[row], keys)  # what the store's blocking-keys table holds
    engine.run()
    known = population.records[0]
    twin = MatchRecord.from_values(
        "twin",
        given_name=known.given_name,
        family_name=known.family_name,
        emails=known.emails,
        birth_date=known.birth_date,
        city=known.city,
    )
    result = engine.upsert([twin])
    assert index.lookups == 1 and len(index) == len(population.records) + 1
    assert result.cluster_of["twin"] == engine.cluster_of(known.id)


def test_settings_from_a_config_mapping() -> None:
    settings = MatchSettings.from_dict(
        {
            "comparisons": ["email", "phone"],
            "key_families": ["email"],
            "merge_threshold": 0.97,
            "training_blocks": [["email"]],
            "vetoes": {},
        }
    )
    assert settings.comparisons == ("email", "phone")
    assert settings.training_block_indexes() == [[0]]
    with pytest.raises(ValueError, match=r"crmhub.yaml: match: unknown key\(s\) \['treshold'\]"):
        MatchSettings.from_dict({"treshold": 0.9}, where="crmhub.yaml: match")
    with pytest.raises(ValueError, match="crmhub.yaml: match: MatchSettings.merge_threshold"):
        MatchSettings.from_dict({"merge_threshold": 2}, where="crmhub.yaml: match")


def test_fit_gives_the_same_model_with_u_estimated_in_a_child_or_here(
    population: Population,
) -> None:
    import threading

    def fitted() -> dict:
        engine = MatchEngine(TEST_SETTINGS)
        engine.add(population.records)
        model = engine.fit().to_dict()
        model["training"].pop("seconds")
        return model

    in_child = fitted()  # forks when the test runner runs one thread
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()  # a second thread: u is estimated in this process
    try:
        here = fitted()
    finally:
        stop.set()
        other.join()
    assert in_child == here


def test_term_frequencies_weigh_the_same_for_a_full_run_and_for_a_few_pairs(
    engine: MatchEngine,
) -> None:
    """A full run looks each row's value frequency up once; an upsert looks up its few pairs'
    values: both must give the same weights, to the bit."""
    engine.add(
        MatchRecord.from_values(f"r{i}", given_name=g, family_name="Rossi", city="Roma")
        for i, g in enumerate(["Mario", "Luca", "Anna", "Rossi", "Sara"] * 8)
    )
    engine.fit()
    left, _, gamma, _ = engine.candidates()
    assert left.size * 2 >= len(engine.table)  # the full-run path is taken below
    whole = engine.scorer.weigh(engine.table, left, gamma)
    one_by_one = np.concatenate(
        [
            engine.scorer.weigh(engine.table, left[i : i + 1], gamma[i : i + 1])
            for i in range(left.size)
        ]
    )
    assert whole.tolist() == one_by_one.tolist()
