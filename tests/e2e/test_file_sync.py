"""A spreadsheet export synced through the command line, as a user runs it, on both stores."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.conftest import open_quarantine, store_rows

HEADER = "CODICE;TIPO;RAGIONE_SOCIALE;NOME;COGNOME;CODICE_FISCALE;PARTITA_IVA;EMAIL;TELEFONO;INDIRIZZO;CAP;CITTA;PROVINCIA;DATA_NASCITA;ULTIMA_MODIFICA"


def write_export(project: Path, rows: list[str], encoding: str = "utf-8") -> None:
    (project / "data" / "customers.csv").write_bytes(("\n".join([HEADER, *rows]) + "\n").encode(encoding))


GOOD = [
    "C1;P;;Mario;Rossi;RSSMRA78C15F205V;;mario.rossi@example.com;+39 333 123 4567;Via Roma 12;20121;Milano;MI;15/03/1978;02/10/2026 09:14:00",
    "C2;A;Rossi Costruzioni S.r.l.;;;;02748510969;amm@rossi.example.com;02 8765 4321;Viale Monza 150;20127;Milano;MI;;30/06/2026 15:00:00",
    "C3;P;;Giulia;Bianchi;BNCGLI90S42L219M;;giulia@example.org;347 765 4321;Corso Francia 4;10143;Torino;TO;02/11/1990;21/09/2026 11:02:45",
]


def test_demo_project_syncs_and_an_unchanged_rerun_writes_nothing(crmhub, store_url):
    first = crmhub("sync", "--all")
    assert first.exit_code == 0, first.output
    assert "legacy_crm" in first.stdout
    stored = store_rows(store_url)
    assert len(stored) == 20
    assert [q.source_key for q in open_quarantine(store_url)] == ["C019"]  # 31/04/1980
    again = crmhub("sync", "--all")
    assert again.exit_code == 0
    full = crmhub("sync", "--all", "--full")  # a full re-read still writes nothing
    assert full.exit_code == 0
    assert store_rows(store_url) == stored
    status = crmhub("status")
    assert status.exit_code == 0 and "succeeded" in status.stdout


def test_malformed_rows_are_quarantined_and_stored_records_are_not_damaged(project, crmhub, store_url):
    write_export(project, GOOD)
    assert crmhub("sync", "--all").exit_code == 0
    before = store_rows(store_url)
    bad = [
        GOOD[0].replace("15/03/1978", "35/13/1978"),  # a date that is not a date, on a stored record
        GOOD[1],
        GOOD[2],
        "C4;P;;Luca;Verdi",  # a short row
        "C5;P;;Ren@@;Dupont;;;r@example.com;;;;;;;",  # a stray Latin-1 byte in a UTF-8 file
        "C6;A;Farmacia Città di Forlì S.n.c.;;;;04633800282;f@example.com;049 876 5432;Via Niccolò Tommaseo 3;35122;Padova;PD;;15/05/2026 08:00:00",
    ]
    data = ("\n".join([HEADER, *bad]) + "\n").encode("utf-8").replace(b"@@", b"\xe9")
    (project / "data" / "customers.csv").write_bytes(data)
    result = crmhub("sync", "--all")
    assert result.exit_code == 0, result.output
    after = store_rows(store_url)
    assert after["C1"] == before["C1"]  # the stored version of C1 is untouched
    reasons = {q.source_key: (q.stage, q.reason, q.position) for q in open_quarantine(store_url)}
    assert "'35/13/1978' is not a date" in reasons["C1"][1]
    assert reasons["C4"][0] == "read" and "line 5" in reasons["C4"][2]
    assert reasons["C5"][0] == "read"
    assert "C6" in after  # an invalid VAT check digit is kept, flagged with its reason
    assert "C5" not in after
    listed = crmhub("quarantine", "list")
    assert "C4" in listed.stdout and "35/13/1978" in listed.stdout


def test_a_mapping_typo_is_refused_before_anything_is_read(project, crmhub, store_url):
    assert crmhub("sync", "--all").exit_code == 0
    before = store_rows(store_url)
    mapping = project / "mappings" / "legacy_crm_customers.yaml"
    mapping.write_text(mapping.read_text().replace("person.family_name:", "person.family_nme:"))
    (project / "data" / "customers.csv").write_text(HEADER + "\n" + GOOD[0] + "\n")
    result = crmhub("sync", "--all")
    assert result.exit_code == 2
    assert "legacy_crm_customers.yaml:" in result.stderr and "family_nme" in result.stderr
    assert "did you mean 'family_name'" in result.stderr
    assert store_rows(store_url) == before


def test_a_row_removed_from_the_file_becomes_a_tombstone(project, crmhub, store_url):
    write_export(project, GOOD)
    assert crmhub("sync", "--all").exit_code == 0
    write_export(project, GOOD[:2])
    result = crmhub("sync", "--all")
    assert result.exit_code == 0
    assert store_rows(store_url)["C3"][1] is True


def test_quarantine_replay_after_fixing_the_mapping(project, crmhub, store_url):
    assert crmhub("sync", "--all").exit_code == 0
    mapping = project / "mappings" / "legacy_crm_customers.yaml"
    # accept the impossible date by not mapping birth dates at all: C019 then passes
    text = mapping.read_text()
    start = text.index("  person.birth_date:")
    end = text.index("  emails:")
    mapping.write_text(text[:start] + text[end:])
    replay = crmhub("quarantine", "replay", "legacy_crm")
    assert replay.exit_code == 0, replay.output
    assert "1 stored" in replay.stdout
    assert open_quarantine(store_url) == []
    assert "C019" in store_rows(store_url)


def test_mappings_check_and_preview(project, crmhub):
    check = crmhub("mappings", "check")
    assert check.exit_code == 0 and "1 mapping(s) OK" in check.stdout
    preview = crmhub("mappings", "preview", "legacy_crm", "customers", "--limit", "2", "--json")
    assert preview.exit_code == 0
    assert '"value": "+393331234567"' in preview.stdout  # the demo's first phone, normalised
    mapping = project / "mappings" / "legacy_crm_customers.yaml"
    mapping.write_text(mapping.read_text().replace("from: DATA_NASCITA", "from: DATA_NASCTA"))
    broken = crmhub("mappings", "check")
    assert broken.exit_code == 2
    assert "the stream has no field 'DATA_NASCTA'; did you mean 'DATA_NASCITA'?" in broken.stderr


def test_status_shows_a_syncs_counts_per_stream(crmhub):
    assert crmhub("sync", "--all").exit_code == 0
    status = crmhub("status")
    assert "customers: read 21, new 20, quarantined 1" in status.stdout


def test_sync_exits_3_naming_the_holder_when_another_run_holds_the_lock(crmhub, store_url):
    from crmhub.store import connection_lock, create_store_engine

    engine = create_store_engine(store_url)
    try:
        with connection_lock(engine, "connection:legacy_crm"):
            result = crmhub("sync", "legacy_crm")
    finally:
        engine.dispose()
    assert result.exit_code == 3
    assert "legacy_crm" in result.stderr and "hint:" in result.stderr
    assert store_rows(store_url) == {}
