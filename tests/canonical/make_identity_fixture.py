"""Write the golden file that proves the canonical model's optimisations change no result.

    python tests/canonical/make_identity_fixture.py [--out tests/canonical/data/identity_2000.json.gz]

It was run ONCE, on the canonical package as it was before the speed work (commit 692ca40),
and its output is committed: ``test_canonical_identity.py`` validates the same inputs with the
current code and demands the same answers. Do not regenerate it to make that test pass; a
deliberate change of behaviour regenerates it and says so in the commit.

The records:
  * 1,300 rows of the benchmark's ERP export (``bench/generate_customers.py``, seed 11, with
    near-duplicates), mapped by ``bench/ingest/customers_mapping.yaml`` exactly as the ingest
    maps them;
  * 700 of the same kind of row made messier, one to five edits each, from pools of tricky
    values: foreign and odd phone numbers, e-mails email-validator must judge, EU VAT numbers
    of other countries, omocodia codici fiscali, every legal-form spelling in the table, free
    text address lines, web handles, identifiers of every scheme, stored (already checked)
    contact points, other default countries, and inputs the model must refuse.

For each record it stores the validation context, the mapped input and either the outcome
(stored dump, full JSON dump, content hash, a digest of the Python ``repr``) or the
validation errors (location, type, message).
"""

from __future__ import annotations

import argparse
import copy
import csv
import gzip
import hashlib
import io
import json
import random
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUT = ROOT / "tests" / "canonical" / "data" / "identity_2000.json.gz"

PLAIN_ROWS = 1300
MESSY_ROWS = 700

PHONES = (
    "+49 30 1234567",
    "0049 30 12345678",
    "+44 20 7946 0958",
    "+1 212 555 0123",
    "+33 1 23 45 67 89",
    "+41 44 668 18 00",
    "+39 02 1234567 int. 23",
    "02 1234567 ext. 5",
    "800 123456",
    "803 116",
    "899 123456",
    "848 123456",
    "199 123456",
    "112",
    "1234",
    "n.d.",
    "---",
    "tel",
    "02-ABC-DEFG",
    "+39 0",
    "+39",
    "00",
    "0039",
    "3471234567.0",
    "+390212345678",
    "+39 347 123456789012",
    "347 12345",
    "06 6982",
    "+378 0549 882555",
    "+39 06 698 1",
    "0039 06 69812345",
    "(02) 123 4567",
    "+39 (0)2 1234567",
    "+39 02/1234567",
    "+7 495 123-45-67",
    "+86 10 1234 5678",
    "+999 1234567",
    "12345678901234567890",
    "tel. 02.1234567",
    "cell: 333 1234567",
    "3331234567 - 3339876543",
    "+39 3331234567x12",
    "035 4567890",
    "0471 123456",
    "+39 0471 123456",
    "55 1234567",
    "0",
    "+",
    "+39 123",
)
EMAILS = (
    "Mario Rossi <mario.rossi@example.it>",
    "mailto:info@rossi.it",
    "MAILTO: Info@Rossi.IT",
    "josé@exämple.it",
    "a@b",
    "a..b@c.it",
    "x@localhost",
    "x@test.invalid",
    "x@sub.example",
    "x@-bad.it",
    "double@@x.it",
    "a@b.c",
    "a" * 65 + "@x.it",
    "Info@Rossi.IT",
    "Mario.Rossi+tag@GMail.com",
    "m.a.r.i.o@googlemail.com",
    "a@xn--bcher-kva.ch",
    "uno@x.it; due@y.it",
    "uno@x.it due@y.it",
    "pippo@",
    "@pippo.it",
    "pippo.it",
    '"quoted local"@example.com',
    "user@[192.168.0.1]",
    "user@192.168.0.1",
    "ab-@x.it",
    "x@a--b.it",
    "x@domain.c0m",
    "x@domain.toolongtldxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "x_y.z-w!#$%&'*+/=?^`{|}~@ex-ample.co.uk",
    "ÄÖÜ@münchen.de",
    "smtp:rossi@libero.it",
    "rossi@libero.it.",
    "rossi@.libero.it",
    "rossi@libero..it",
    "ROSSI@LIBERO.IT",
    "info@example.local",
    "info@example.onion",
    "x@example.com ",
    " x@example.com",
)
VATS = (
    "DE136695976",
    "DE 136 695 976",
    "FR40303265045",
    "FR 40 303 265 045",
    "EL094259216",
    "GR094259216",
    "ATU13585627",
    "XX123",
    "IT 007 431 101 57",
    "IT00743110158",
    "123",
    "CHE-123.456.789",
    "007.431.101-57",
    "IT-00743110157",
    "it00743110157",
    "NL004495445B01",
    "ESA12345674",
    "BE0403019261",
    "PL8567346215",
    "XI980780684",
    "GB980780684",
    "IT 1234567890",
    "IT0074311015",
    "IT007431101577",
    "ABCDEFGHIJK",
    "IT0000000000",
    "00000000000",
    "IT/00743110157",
    "DK13585628",
    "SE556188840401",
    "LU15027442",
    "CZ25123891",
    "HU12892312",
    "IE6433435F",
    "  IT  00743110157  ",
    "IT00743110157 ",
    "1",
    "IT",
    "EL",
    "DE",
    "ÄT123",
)
CODICI_FISCALI = (
    "RSSMRA85T10A562S",
    "rssmra85t10a562s",
    "RSS MRA 85T10 A562S",
    "RSSMRA85T10A562X",
    "RSSMRAURTMLARSNL",
    "RSSMRA85T1LA562V",
    "RSSMRA8RTMLA562S",
    "RSSMRA85T10A56",
    "12345678901",
    "00743110157",
    "00743110158",
    "RSSMRA85Z10A562S",
    "RSSMRA85T72A562I",
    "RSSMRA85T10A562",
    "RSSMRA85T10A562SS",
    "RSS-MRA-85T10-A562S",
    "BNCLRA90A41F205U",
    "BNCLRA90A41F2O5U",
    "XXXXXXXXXXXXXXXX",
    "RSSMRA00A01H501",
    "1234",
    "RSSMRA85T10A562S.",
    "rss.mra.85t10.a562s",
)
LEGAL_NAMES = (
    "Bar Sport S.a.s. di Rossi Mario & C.",
    "A.S.D. Calcio Milano",
    "Rossi Mario S.r.l. unipersonale",
    "ROSSI SRL IN LIQUIDAZIONE",
    "Acme GmbH",
    "Acme Ltd.",
    "Foo Limited",
    "S.r.l.",
    "SRL",
    "Società a responsabilità limitata",
    "Rossi & Figli s.n.c.",
    "Alfa Soc. Coop. a r.l.",
    "---",
    "Alfa srl srl",
    "Beta S.p.A. - in liquidazione",
    "F.lli Rossi S.R.L.S.",
    "Gamma SAS",
    "Delta S.A.",
    "Epsilon SA",
    "Zeta B.V.",
    "S.n.c. di Bianchi Luigi & C.",
    "Omega s.r.l. in liq.",
    "Ditta Individuale Rossi",
    "Rossi, S.r.l.",
    "Rossi S.r.l. (unipersonale)",
    "ROSSI S R L",
    "Rossi S. R. L.",
    "Rossi s.r.l.s",
    "Rossi srls semplificata",
    "Rossi -",
    "S.p.A. Rossi",
    "Coop. Sociale Il Sole",
    "Il Sole Cooperativa Sociale Onlus",
    "Rossi Mario e Figli S.n.c.",
    "Società Agricola Rossi S.S.",
    "Rossi Inc.",
    "Rossi Corp",
    "Rossi LLC",
    "Rossi AG",
    "Rossi KG",
    "Rossi GmbH & Co. KG",
    "Rossi SARL",
    "Rossi S.L.",
    "Rossi Srl Srl",
    "&",
    "1234",
    "Rossi di",
    "di Rossi srl",
    "Rossi s.r.l. a socio unico",
    "Ròssì Società per Azioni",
    "  Rossi   Srl  ",
)
ADDRESS_LINES = (
    "Via Roma 12, 20121 Milano (MI), Italia",
    "V.le Monza 12, 20121 MILANO MI",
    "Piazza Duomo 1",
    "Hauptstraße 5, 10115 Berlin, Germania",
    "20121 Milano",
    "C.so Vittorio Emanuele II 45, 10121 Torino (TO)",
    "Via dei Mille snc, 80121 Napoli NA, IT",
    "Via Roma, 00100 Roma",
    "Rue de Rivoli 10, F-75001 Paris, Francia",
    "???",
    "Via Roma 1/A int. 3",
    "Via G. Verdi, 7 scala B, 40121 Bologna (BO)",
    "Loc. Case Sparse 3, 53024 Montalcino SI",
)
WEB = (
    "www.Rossi.it/",
    "http://twitter.com/mario_rossi?lang=it",
    "linkedin.com/in/mario-rossi/",
    "not a url",
    "https://it.linkedin.com/company/acme",
    "ftp://rossi.it",
    "https://www.rossi.it/chi-siamo?x=1",
    "facebook.com/rossi.mario",
    "youtube.com/c/rossi",
    "https://tiktok.com/@rossi",
    "rossi",
    "http://",
    "https://xn--bcher-kva.ch",
    "www.rossi",
    "https://www.instagram.com/rossi/",
)
IDENTIFIERS: tuple[dict[str, Any], ...] = (
    {"scheme": "LEI", "raw": "5493001KJTIIGC8Y1R12"},
    {"scheme": "LEI", "raw": "5493001KJTIIGC8Y1R13"},
    {"scheme": "DUNS", "raw": "15-048-3782"},
    {"scheme": "DUNS", "raw": "1234"},
    {"scheme": "IT_PIVA", "raw": "00743110157"},
    {"scheme": "IT_PIVA", "raw": "DE136695976"},
    {"scheme": "it_cf", "raw": "RSSMRA85T10A562S"},
    {"scheme": "REA", "raw": "MI-1234567"},
    {"scheme": "EU_VAT", "raw": "FR40303265045", "verification": "registry"},
    {"scheme": "EU_VAT", "value": "IT00743110157"},
    {"scheme": "TAX_ID", "raw": " 12 34  56 "},
    {"scheme": "SYSTEM", "system": "crm", "raw": 12345},
    {"scheme": "SYSTEM", "raw": "x"},  # refused: no system
    {"scheme": "bad scheme", "raw": "x"},  # refused: not a scheme name
    {"scheme": "EU_VAT", "raw": "bad", "valid": False, "invalid_reason": "stored"},
    {"scheme": "EU_VAT", "raw": "bad", "valid": False},  # refused: no reason
)
STORED_PHONES: tuple[Any, ...] = (
    {"raw": "02 1234567", "value": "+39021234567", "valid": True, "kind": "fixed"},
    {"raw": "x", "valid": False, "invalid_reason": "kept"},
    {"raw": "02 1234567", "value": "+39021234567"},
    {"value": "+4930123456"},
    3471234567,
    3471234567.0,
    {"raw": "  "},
    "   ",
    {"raw": "02 1234567", "purpose": "nonsense"},  # refused: unknown purpose
)
GENDERS = ("M", "F", "maschio", "Female", "x", "?", "boh", "Sig.ra", "")
LANGUAGES = ("IT", "ita", "it-IT", "Italiano", "English", "zz", "de_DE", "")
BIRTH_DATES = ("1980-02-29", "1981-02-29", "31/02/1980", "10/12/25", "1.2.1960", "")
COUNTRIES = ("DE", "FR", "CH", "GB", "US", "ES", "it", "XX")
NAMES = (
    "D'ANGELO",
    "DE LUCA",
    "MCDONALD",
    "VAN DER BERG",
    "Mario ROSSI",
    "niccolo'",
    "R2D2",
    "---",
    "maria grazia",
    "DELL'ACQUA",
    "Jean-Luc",
    "ß",
)


def _mapped_plain_rows(count: int, seed: int) -> list[dict[str, Any]]:
    sys.path.insert(0, str(ROOT / "bench"))
    import generate_customers as gen

    from crmhub.mapping.loader import load_mapping

    mapping = load_mapping(ROOT / "bench" / "ingest" / "customers_mapping.yaml")
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(gen.COLUMNS)
    for row, _pair in gen.customer_rows(count, seed, 0.1):
        writer.writerow(row)
    buffer.seek(0)
    return [mapping.apply(row)[0] for row in csv.DictReader(buffer, delimiter=";")]


def _mess_up(record: dict[str, Any], rng: random.Random) -> tuple[dict[str, Any], str]:
    """One to five edits from the pools above; returns the record and its default country."""
    record = copy.deepcopy(record)
    country = "IT"
    org = record.get("organization")
    person = record.get("person")
    edits = rng.sample(range(16), rng.randint(1, 5))
    for edit in edits:
        if edit == 0:
            record["phones"] = [{"raw": rng.choice(PHONES), "purpose": "work"}]
        elif edit == 1:
            record["emails"] = [rng.choice(EMAILS), {"raw": rng.choice(EMAILS), "primary": True}]
        elif edit == 2 and org is not None:
            org["vat_id"] = rng.choice(VATS)
        elif edit == 3:
            target = person if person is not None else org
            key = "codice_fiscale" if person is not None else "tax_code"
            if target is not None:
                target[key] = rng.choice(CODICI_FISCALI)
        elif edit == 4 and org is not None:
            org["legal_name"] = rng.choice(LEGAL_NAMES)
        elif edit == 5 and org is not None:
            org["legal_form"] = rng.choice(
                ("S.r.l.", "gmbh", "Ditta", {"code": "SPA"}, {"code": "XYZ"})
            )
        elif edit == 6:
            record["addresses"] = [
                rng.choice(ADDRESS_LINES),
                {"lines": [rng.choice(ADDRESS_LINES)]},
            ]
        elif edit == 7:
            record["web"] = [rng.choice(WEB), {"raw": "@mario_rossi", "platform": "instagram"}]
        elif edit == 8:
            record["identifiers"] = [*record.get("identifiers", []), rng.choice(IDENTIFIERS)]
        elif edit == 9:
            record["phones"] = [rng.choice(STORED_PHONES), *record.get("phones", [])]
        elif edit == 10:
            country = rng.choice(COUNTRIES)
        elif edit == 11 and person is not None:
            person["gender"] = rng.choice(GENDERS)
            person["language"] = rng.choice(LANGUAGES)
            person["middle_names"] = rng.choice(NAMES)
        elif edit == 12 and person is not None:
            person["birth_date"] = rng.choice(BIRTH_DATES)
            person["given_name"] = rng.choice(NAMES)
        elif edit == 13:
            record["provenance"] = {
                "system": "erp",
                "external_id": f"X{rng.randrange(10**6)}",
                "read_at": "2025-01-02T03:04:05+01:00",
            }
            record["display_name"] = rng.choice(("  Rossi   e figli ", "", None, "Shop\tName"))
        elif edit == 14:
            record["status"] = rng.choice(("lead", "blocked", "gone"))
            record["kind"] = rng.choice(("person", "organization", record["kind"]))
        elif edit == 15:
            phone = rng.choice(record.get("phones") or [{"raw": "3331234567"}])
            digits = str(phone.get("raw", "")) if isinstance(phone, dict) else str(phone)
            if digits:
                i = rng.randrange(len(digits))
                digits = digits[:i] + rng.choice(("", "1", "0", "9", " ", "x")) + digits[i + 1 :]
            record["phones"] = [{"raw": digits, "purpose": "work"}]
    return record, country


def _outcome(record: dict[str, Any], country: str) -> dict[str, Any]:
    from pydantic import ValidationError

    from canonical import Party

    try:
        party = Party.model_validate(record, context={"default_country": country})
    except ValidationError as exc:
        return {
            "errors": [
                {"loc": list(e["loc"]), "type": e["type"], "msg": e["msg"]}
                for e in exc.errors(include_url=False)
            ]
        }
    return {
        "dump": party.model_dump(mode="json", exclude_none=True, exclude_defaults=True),
        "full": party.model_dump(mode="json"),
        "hash": party.content_hash(),
        "repr": hashlib.blake2b(repr(party).encode(), digest_size=16).hexdigest(),
    }


def build(out: Path) -> None:
    """Build the cases and write them, gzipped JSON, to ``out``."""
    rng = random.Random(20260101)
    cases = [{"country": "IT", "input": r} for r in _mapped_plain_rows(PLAIN_ROWS, seed=11)]
    for base in _mapped_plain_rows(MESSY_ROWS, seed=12):
        record, country = _mess_up(base, rng)
        cases.append({"country": country, "input": record})
    for case in cases:
        case.update(_outcome(case["input"], case["country"]))
    text = json.dumps(cases, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    out.parent.mkdir(parents=True, exist_ok=True)
    with gzip.GzipFile(out, "wb", mtime=0) as handle:
        handle.write(text.encode())
    failed = sum("errors" in c for c in cases)
    print(f"wrote {out}: {len(cases)} cases, {failed} refused", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    build(parser.parse_args().out)


if __name__ == "__main__":
    main()
