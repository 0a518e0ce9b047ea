"""The benchmark data generator: deterministic, valid identifiers where intended, honest ground
truth, a consistent day-two file; and the file connector reads what it writes."""

from __future__ import annotations

import csv
import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from rapidfuzz import fuzz
from stdnum.it import codicefiscale, iva

from connectors.testing.contract_tests import read_all

from .helpers import STREAM, connector_for

GENERATOR = Path(__file__).resolve().parents[3] / "bench" / "generate_customers.py"


@pytest.fixture(scope="module")
def gen() -> Iterator[ModuleType]:
    spec = importlib.util.spec_from_file_location("generate_customers", GENERATOR)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being defined
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]


def rows_of(path: Path, encoding: str = "utf-8", skip: int = 0) -> list[dict[str, str]]:
    with path.open(encoding=encoding, newline="") as handle:
        for _ in range(skip):
            handle.readline()
        return list(csv.DictReader(handle, delimiter=";"))


def test_same_seed_same_bytes_other_seed_other_bytes(gen: ModuleType, tmp_path: Path) -> None:
    for name, seed in (("a.csv", 7), ("b.csv", 7), ("c.csv", 8)):
        gen.main(
            [
                "--rows",
                "1500",
                "--seed",
                str(seed),
                "--out",
                str(tmp_path / name),
                "--duplicates-rate",
                "0.05",
            ]
        )
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert (tmp_path / "a.csv.duplicates.csv").read_bytes() == (
        tmp_path / "b.csv.duplicates.csv"
    ).read_bytes()
    assert (tmp_path / "a.csv").read_bytes() != (tmp_path / "c.csv").read_bytes()


def test_identifiers_are_valid_where_intended(gen: ModuleType) -> None:
    import random

    factory = gen.CustomerFactory(random.Random(3))
    customers = [factory.customer() for _ in range(3000)]
    persons = [c for c in customers if not c.is_company and c.cf]
    assert persons and all(codicefiscale.is_valid(c.cf) == c.cf_valid for c in persons)
    assert any(not c.cf_valid for c in persons), "some codici fiscali are meant to be wrong"
    for c in persons:
        if c.cf_valid:
            assert codicefiscale.get_birth_date(c.cf, minyear=1930) == c.birth
            assert codicefiscale.get_gender(c.cf) == ("F" if c.female else "M")
    assert all(iva.is_valid(c.vat) for c in customers if c.vat)
    assert all(c.cf == c.vat for c in customers if c.is_company and c.cf)


def test_rendered_rows_are_messy_but_mostly_valid(gen: ModuleType, tmp_path: Path) -> None:
    out = tmp_path / "c.csv"
    gen.main(["--rows", "4000", "--out", str(out)])
    rows = rows_of(out)
    assert [r["CODICE"] for r in rows] == [f"CL{n:07d}" for n in range(1, 4001)]
    vats = [r["PARTITA_IVA"] for r in rows if r["PARTITA_IVA"].strip()]
    valid = sum(iva.is_valid(v) for v in vats) / len(vats)
    assert 0.85 < valid < 1.0, "mostly valid, with some IT prefixes and spaces, a few invalid"
    assert any(v.startswith("IT") for v in vats) and any(" " in v for v in vats)
    cfs = [r["CODICE_FISCALE"] for r in rows if len(r["CODICE_FISCALE"]) == 16]
    assert 0.95 < sum(codicefiscale.is_valid(v) for v in cfs) / len(cfs) < 1.0
    forms = {r["RAGIONE_SOCIALE"].rsplit(" ", 1)[-1] for r in rows if r["RAGIONE_SOCIALE"]}
    assert {"S.r.l.", "SRL", "s.r.l.", "S.p.A.", "snc", "sas"} <= forms
    addresses = " ".join(r["INDIRIZZO"] for r in rows)
    assert all(s in addresses for s in ("Via ", "V. ", "P.za ", "C.so "))
    assert {"Italia", "IT", "ITALY", ""} <= {r["NAZIONE"] for r in rows}
    assert {"SI", "NO", ""} <= {r["CONSENSO_MARKETING"] for r in rows}
    assert any("," in r["FIDO"] and "." in r["FIDO"] for r in rows)
    assert any(r["TELEFONO"].startswith("+39") for r in rows) and any(
        r["TELEFONO"] == "" for r in rows
    )
    assert any(r["EMAIL"] != r["EMAIL"].lower() for r in rows)
    assert any("'" in r["CITTA"] for r in rows) and any("ì" in r["CITTA"] for r in rows)
    assert any(v.endswith(" ") for r in rows for v in r.values())


def test_cp1252_with_a_title_line_is_read_by_the_file_connector(
    gen: ModuleType, tmp_path: Path
) -> None:
    gen.main(
        [
            "--rows",
            "3000",
            "--out",
            str(tmp_path / "win.csv"),
            "--encoding",
            "cp1252",
            "--title-line",
        ]
    )
    raw = (tmp_path / "win.csv").read_bytes()
    assert raw.startswith(b"Esportazione clienti al 31/12/2025;")
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    connector = connector_for(tmp_path, "win.csv")
    assert "cp1252" in connector.check().message
    run = read_all(connector, STREAM, None)
    assert not run.problems
    assert len(run.records) == 3000
    assert run.records[0].position == "win.csv line 4"
    expected = rows_of(tmp_path / "win.csv", "cp1252", skip=2)
    assert [r.data for r in run.records] == expected


def test_duplicates_ground_truth(gen: ModuleType, tmp_path: Path) -> None:
    out = tmp_path / "d.csv"
    gen.main(["--rows", "3000", "--out", str(out), "--duplicates-rate", "0.1"])
    by_code = {r["CODICE"]: r for r in rows_of(out)}
    with (tmp_path / "d.csv.duplicates.csv").open(newline="") as handle:
        pairs = list(csv.DictReader(handle))
    assert 200 < len(pairs) < 400
    for pair in pairs:
        original, duplicate = by_code[pair["original"]], by_code[pair["duplicate"]]
        assert pair["original"] < pair["duplicate"]
        assert original["TIPO"].strip().lower() == duplicate["TIPO"].strip().lower()
        name = " ".join(
            (original["RAGIONE_SOCIALE"], original["COGNOME"], original["NOME"])
        ).lower()
        other = " ".join(
            (duplicate["RAGIONE_SOCIALE"], duplicate["COGNOME"], duplicate["NOME"])
        ).lower()
        assert fuzz.WRatio(name, other) >= 70, (name, other, pair["changes"])


def test_day_two_file(gen: ModuleType, tmp_path: Path) -> None:
    day1, day2 = tmp_path / "day1.csv", tmp_path / "day2.csv"
    gen.main(["--rows", "3000", "--out", str(day1), "--title-line"])
    gen.main(
        [
            "--mutate",
            str(day1),
            "--out",
            str(day2),
            "--changed",
            "10",
            "--removed",
            "5",
            "--added",
            "3",
            "--title-line",
        ]
    )
    before = {r["CODICE"]: r for r in rows_of(day1, skip=2)}
    after = {r["CODICE"]: r for r in rows_of(day2, skip=2)}
    with (tmp_path / "day2.csv.changes.csv").open(newline="") as handle:
        changes: dict[str, Any] = {r["CODICE"]: r["change"] for r in csv.DictReader(handle)}
    kinds = {
        kind: {code for code, k in changes.items() if k == kind}
        for kind in ("changed", "removed", "added")
    }
    assert 200 < len(kinds["changed"]) < 400 and 80 < len(kinds["removed"]) < 220
    assert len(kinds["added"]) == 90
    assert set(after) == (set(before) - kinds["removed"]) | kinds["added"]
    for code in kinds["changed"]:
        assert after[code] != before[code]
        assert after[code]["ULTIMA_MODIFICA"].startswith("01/01/2026")
    untouched = set(before) - kinds["changed"] - kinds["removed"]
    assert all(after[code] == before[code] for code in untouched)

    # the incremental read of day two: every row, then a complete snapshot without the removed
    first = read_all(connector_for(tmp_path, "day1.csv"), STREAM, None)
    day2.replace(day1)
    second = read_all(connector_for(tmp_path, "day1.csv"), STREAM, first.state)
    assert not second.problems
    assert set(second.keys) == set(after)
    assert second.items[-1].snapshot_complete  # type: ignore[union-attr]
