"""The ingest's invariants, on SQLite and PostgreSQL: nothing lost, idempotent, bad input
quarantined without damage, state committed with the records it covers."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from crmhub.ingest.writer import MassDeletionRefused
from crmhub.store.schema import source_records
from tests.cyclic_garbage import cyclic_garbage_of
from tests.ingest.conftest import open_quarantine, saved_state, stored, sync, write_mapping
from tests.ingest.memory_system import MemoryConfig, MemorySystem, SimulatedCrash

GIVEN = ["Mario", "Giulia", "Luca", "Anna", "Marco", "Chiara", "Paolo", "Sara", "Piero", "Elena"]


def given(i: int) -> str:
    """A distinct real-looking given name per index (names with digits are refused)."""
    return GIVEN[i % 10] + ("" if i < 10 else " " + "".join(chr(ord("a") + int(d)) for d in str(i)).title())


def seeded(n: int = 10, **config) -> MemorySystem:  # type: ignore[no-untyped-def]
    system = MemorySystem(MemoryConfig(**config))
    for i in range(n):
        system.put(f"K{i:03}", TIPO="P", NOME=given(i), COGNOME="Rossi", EMAIL=f"n{i}@example.com",
                   TELEFONO=f"02 1234 {i:04}", DATA_NASCITA="01/02/1980")
    return system


def test_first_sync_stores_every_record_normalised(store_engine, mapping):
    counts = sync(store_engine, seeded(10), mapping)
    assert (counts.read, counts.new, counts.changed, counts.quarantined) == (10, 10, 0, 0)
    record = stored(store_engine)["K003"]["canonical"]
    assert record["person"] == {"given_name": "Anna", "family_name": "Rossi", "birth_date": "1980-02-01"}
    assert record["phones"][0]["value"] == "+390212340003"


def test_second_sync_with_nothing_changed_writes_nothing(store_engine, mapping):
    system = seeded(10)
    sync(store_engine, system, mapping)
    before = stored(store_engine)
    with store_engine.connect() as conn:
        stamps = dict(conn.execute(sa.select(source_records.c.source_key, source_records.c.updated_at)).all())
    counts = sync(store_engine, system, mapping)  # incremental: nothing newer than the state
    assert (counts.read, counts.new, counts.changed) == (0, 0, 0)
    # a full re-read (no state) of identical records changes nothing either
    with store_engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM connection_state"))
    counts = sync(store_engine, system, mapping)
    assert (counts.read, counts.new, counts.changed, counts.unchanged) == (10, 0, 0, 10)
    assert stored(store_engine) == before
    with store_engine.connect() as conn:
        after = dict(conn.execute(sa.select(source_records.c.source_key, source_records.c.updated_at)).all())
    assert after == stamps


def test_changed_record_is_updated_and_only_it(store_engine, mapping):
    system = seeded(5)
    sync(store_engine, system, mapping)
    before = stored(store_engine)
    system.put("K002", EMAIL="new.address@example.com")
    counts = sync(store_engine, system, mapping)
    assert (counts.read, counts.changed, counts.new) == (1, 1, 0)
    after = stored(store_engine)
    assert after["K002"]["canonical"]["emails"][0]["value"] == "new.address@example.com"
    assert {k: v for k, v in after.items() if k != "K002"} == {k: v for k, v in before.items() if k != "K002"}


def test_whitespace_only_change_keeps_content_and_counts_unchanged(store_engine, mapping):
    system = seeded(3)
    sync(store_engine, system, mapping)
    system.put("K001", NOME="  Giulia ")  # the canonical value is the same
    counts = sync(store_engine, system, mapping)
    assert (counts.changed, counts.unchanged) == (0, 1)
    assert stored(store_engine)["K001"]["raw"]["NOME"] == "  Giulia "


def test_bad_record_is_quarantined_and_the_stored_version_is_kept(store_engine, mapping):
    system = seeded(3)
    sync(store_engine, system, mapping)
    good = stored(store_engine)["K001"]
    system.put("K001", DATA_NASCITA="31/02/1980")
    system.put("K999", TIPO="X", NOME="Ignoto")
    counts = sync(store_engine, system, mapping)
    assert counts.quarantined == 2
    assert stored(store_engine)["K001"] == good
    entries = {e.source_key: e for e in open_quarantine(store_engine)}
    assert "'31/02/1980' is not a date" in entries["K001"].reason
    assert "DATA_NASCITA" in entries["K001"].reason
    assert entries["K001"].raw["DATA_NASCITA"] == "31/02/1980"
    assert "'X' is not in the lookup table" in entries["K999"].reason
    # fixed at the source: stored, and the quarantine entry is resolved
    system.put("K001", DATA_NASCITA="28/02/1980")
    sync(store_engine, system, mapping)
    assert stored(store_engine)["K001"]["canonical"]["person"]["birth_date"] == "1980-02-28"
    assert [e.source_key for e in open_quarantine(store_engine)] == ["K999"]


def test_validation_failure_names_the_field(store_engine, mapping):
    system = seeded(0)
    system.put("P1", TIPO="P")  # a person with no name, e-mail or phone
    sync(store_engine, system, mapping)
    (entry,) = open_quarantine(store_engine)
    assert entry.stage == "validate"
    assert "person" in entry.reason


def test_read_problem_is_quarantined_with_its_position(store_engine, mapping):
    from connectors.sdk import ReadProblem

    system = seeded(2)
    system.problems.append(ReadProblem("customers", "row 7 has 3 cells, the header has 9", {"CODICE": "K7"},
                                       key="K7", position="customers.csv line 7"))
    counts = sync(store_engine, system, mapping)
    assert (counts.new, counts.quarantined) == (2, 1)
    (entry,) = open_quarantine(store_engine)
    assert (entry.stage, entry.position) == ("read", "customers.csv line 7")


def test_tombstone_marks_the_record_deleted(store_engine, mapping):
    system = seeded(4)
    sync(store_engine, system, mapping)
    system.delete("K002")
    counts = sync(store_engine, system, mapping)
    assert counts.deleted == 1
    records = stored(store_engine)
    assert records["K002"]["deleted"] is True
    assert records["K002"]["canonical"]["person"]["given_name"] == "Luca"  # last known content kept
    system.put("K002", TIPO="P", NOME="Tornato", EMAIL="t@example.com")  # it comes back
    sync(store_engine, system, mapping)
    assert stored(store_engine)["K002"]["deleted"] is False


def test_snapshot_sweep_tombstones_keys_not_delivered(store_engine, mapping):
    system = seeded(30, snapshot=True)
    sync(store_engine, system, mapping, batch_size=7)
    system.delete("K005")
    system.delete("K017")
    counts = sync(store_engine, system, mapping, batch_size=7)
    assert counts.deleted == 2
    deleted = sorted(k for k, v in stored(store_engine).items() if v["deleted"])
    assert deleted == ["K005", "K017"]


def test_snapshot_that_would_delete_most_records_is_refused(store_engine, mapping):
    system = seeded(30, snapshot=True)
    sync(store_engine, system, mapping)
    for i in range(25):
        system.delete(f"K{i:03}")
    with pytest.raises(MassDeletionRefused, match="25 of 30 stored records"):
        sync(store_engine, system, mapping)
    assert not any(v["deleted"] for v in stored(store_engine).values())
    counts = sync(store_engine, system, mapping, allow_mass_delete=True)
    assert counts.deleted == 25


def test_crash_mid_read_then_rerun_ends_in_the_same_store(store_engine, store_factory, mapping):
    system = seeded(50, page_size=4)
    system.fail_after = 23
    with pytest.raises(SimulatedCrash):
        sync(store_engine, system, mapping, batch_size=5)
    state = saved_state(store_engine)
    assert state is not None and state["key"] <= "K023"  # never past what was committed
    system.fail_after = None
    sync(store_engine, system, mapping, batch_size=5)
    reference = store_factory.new_engine()
    sync(reference, system, mapping)
    assert stored(store_engine) == stored(reference)
    with store_engine.connect() as conn:
        total = conn.execute(sa.select(sa.func.count()).select_from(source_records)).scalar_one()
    assert total == 50


def test_mapping_change_maps_every_record_again(store_engine, tmp_path, mapping):
    system = seeded(3)
    sync(store_engine, system, mapping)
    changed = write_mapping(tmp_path, (tmp_path / "mapping.yaml").read_text().replace(
        "- {raw: EMAIL}", "- {raw: EMAIL, purpose: {const: work}}"))
    with store_engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM connection_state"))
    counts = sync(store_engine, system, changed)
    assert counts.changed == 3
    assert stored(store_engine)["K001"]["canonical"]["emails"][0]["purpose"] == "work"


def test_duplicate_key_in_one_batch_keeps_the_later_version(store_engine, mapping):
    system = seeded(2)
    records = list(system.read("customers", None))
    from connectors.sdk import SourceRecord

    later = SourceRecord("customers", "K000", {**records[0].data, "NOME": "Dopo"})

    class Twice(MemorySystem):
        def read(self, stream, state):  # type: ignore[no-untyped-def]
            yield from records[:-1]
            yield later
            yield records[-1]

    twice = Twice()
    counts = sync(store_engine, twice, mapping)
    assert counts.new == 2
    assert stored(store_engine)["K000"]["canonical"]["person"]["given_name"] == "Dopo"


@pytest.mark.parametrize("store_backend", ["sqlite"], indirect=True)
def test_worker_processes_store_exactly_what_one_process_stores(store_engine, store_factory, mapping):
    system = seeded(600)
    system.put("K010", DATA_NASCITA="99/99/1999")
    sync(store_engine, system, mapping, workers=2, batch_size=500)
    reference = store_factory.new_engine()
    sync(reference, system, mapping, workers=0)
    assert stored(store_engine) == stored(reference)
    assert len(open_quarantine(store_engine)) == 1


def test_a_rejection_in_the_same_batch_as_the_stored_row_stays_open(store_engine, mapping):
    # A file with the same key twice: the first row is stored, the second is a read problem.
    from connectors.sdk import ReadProblem

    system = seeded(3)
    system.problems.append(ReadProblem("customers", "key K001 repeats line 2", {"CODICE": "K001"},
                                       key="K001", position="customers.csv line 9"))
    sync(store_engine, system, mapping)
    (entry,) = open_quarantine(store_engine)
    assert (entry.source_key, entry.position) == ("K001", "customers.csv line 9")


def test_invalid_value_is_kept_flagged_unless_the_mapping_refuses_it(store_engine, tmp_path, mapping):
    system = seeded(0)
    system.put("A1", TIPO="A", RAGIONE_SOCIALE="Rossi Srl", EMAIL="rossi@", TELEFONO="02 1234 5678")
    sync(store_engine, system, mapping)
    email = stored(store_engine)["A1"]["canonical"]["emails"][0]
    assert email["raw"] == "rossi@" and email["valid"] is False and email["invalid_reason"]
    strict = write_mapping(tmp_path, (tmp_path / "mapping.yaml").read_text() + "reject_invalid: [emails]\n")
    system.put("A2", TIPO="A", RAGIONE_SOCIALE="Bianchi Spa", EMAIL="bianchi@", TELEFONO="02 1234 5679")
    sync(store_engine, system, strict)
    (entry,) = open_quarantine(store_engine)
    assert entry.source_key == "A2"
    assert "emails[0]" in entry.reason and "reject_invalid" in entry.reason
    assert "A2" not in stored(store_engine)


def test_gc_tuning_is_undone_after_the_ingest():
    import gc

    from crmhub.ingest.mapper import gc_tuned

    before = gc.get_threshold()
    with gc_tuned():
        assert gc.get_threshold() != before
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_batches_leave_no_reference_cycles_behind(store_factory, mapping):
    """An ingest runs the full collection rarely (``tune_gc``), so garbage that only the
    collector frees piles up for the whole read. A lookup statement built per batch left
    such cycles, each holding the batch's keys: 100 MB of a 1M-row first load. The second
    sync here runs every per-batch statement: look-ups, updates, resolving quarantine
    entries (one is open) and tombstones."""
    def garbage_after(batches: int) -> int:
        engine = store_factory.new_engine()
        system = seeded(batches * 10)
        system.put("K000", TIPO="X")  # quarantined: later batches resolve what they store
        sync(engine, system, mapping, batch_size=10)
        for i in range(1, batches * 10):
            system.put(f"K{i:03}", EMAIL=f"changed{i}@example.com")
        for i in range(5, batches * 10, 10):
            system.delete(f"K{i:03}")

        def second_sync() -> None:
            counts = sync(engine, system, mapping, batch_size=10)
            assert counts.deleted == batches and counts.changed > 0

        return cyclic_garbage_of(second_sync)

    few, many = garbage_after(2), garbage_after(12)
    assert many - few < 10, f"{few} objects in cycles after 2 batches, {many} after 12"
