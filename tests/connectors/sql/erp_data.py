"""The rows of the test ERP: 30 customers with their addresses, contacts, invoices, due dates
and credit blocks. Deterministic, so tests can name what they expect.

Customers C0001-C0006 carry the awkward text real ERPs hold (quotes of every kind, a backslash,
accents, an emoji); C0011-C0013 share one updated-at second; C0007 and C0019 are cancelled
(``annullato = 'S'``); C0029 and C0030 were migrated from the old ERP with no updated-at at all.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from stdnum import luhn

BASE = datetime(2026, 11, 2, 8, 30, 0)
CUSTOMER_COUNT = 30
SAME_SECOND = ("C0011", "C0012", "C0013")
CANCELLED = ("C0007", "C0019")
NO_TIMESTAMP = ("C0029", "C0030")

AWKWARD_NAMES = {
    "C0001": 'L\'Antica Pizzeria "Da Michele" S.a.s.',
    "C0002": "Società Agricola Sant'Agata di Mèrcato",
    "C0003": "Caffè Ñandú – Torrefazione 😀",
    "C0004": "Back\\slash Informatica S.p.A.",
    "C0005": "Müller & Søn Import-Export GmbH",
    "C0006": 'Ufficio `Backtick` e "Virgolette"',
}
_SURNAMES = [
    "Rossi",
    "Bianchi",
    "Esposito",
    "Colombo",
    "Romano",
    "Ricci",
    "Marino",
    "Greco",
    "Bruno",
    "Gallo",
    "Conti",
    "De Luca",
    "Mancini",
    "Costa",
    "Giordano",
]
_TRADES = [
    "Impianti",
    "Ferramenta",
    "Tipografia",
    "Officina Meccanica",
    "Studio Tecnico",
    "Autotrasporti",
    "Edilizia",
    "Farmacia",
]
_FORMS = ["S.r.l.", "S.n.c.", "S.p.A.", "di {n} {s}", "S.a.s."]
_FIRST_NAMES = ["Giuseppe", "Maria", "Giovanni", "Anna", "Francesco", "Chiara", "Luca", "Giulia"]
_CITIES = [
    ("Milano", "MI", "20121"),
    ("Roma", "RM", "00184"),
    ("Napoli", "NA", "80133"),
    ("Torino", "TO", "10121"),
    ("Bologna", "BO", "40121"),
    ("Bari", "BA", "70121"),
]
# Delete in this order, insert in the reverse: foreign keys point up the list.
TABLES = [
    "scadenziario",
    "fatture",
    "blocchi_credito",
    "contatti",
    "indirizzi",
    "anagrafica_clienti",
    "clienti_crmhub",
]


def code(number: int) -> str:
    """The ERP code of customer ``number``: C0001..."""
    return f"C{number:04d}"


def partita_iva(number: int) -> str:
    """A well-formed Italian VAT number (Luhn check digit) for customer ``number``."""
    body = f"{1_000_000 + number * 7919:07d}"[-7:] + f"{number % 100 + 1:03d}"
    return body + luhn.calc_check_digit(body)


def customer_timestamp(number: int) -> datetime | None:
    """The updated-at of customer ``number`` (None for the migrated ones)."""
    key = code(number)
    if key in NO_TIMESTAMP:
        return None
    if key in SAME_SECOND:
        return BASE + timedelta(minutes=11)
    return BASE + timedelta(minutes=number)


def _name(number: int) -> str:
    key = code(number)
    if key in AWKWARD_NAMES:
        return AWKWARD_NAMES[key]
    surname = _SURNAMES[number % len(_SURNAMES)]
    form = _FORMS[number % len(_FORMS)].format(n=_FIRST_NAMES[number % 8], s=surname)
    return f"{_TRADES[number % len(_TRADES)]} {surname} {form}"


def customers() -> list[dict[str, Any]]:
    """Every customer row."""
    rows = []
    for number in range(1, CUSTOMER_COUNT + 1):
        key = code(number)
        rows.append(
            {
                "codice": key,
                "ragione_sociale": _name(number),
                "partita_iva": partita_iva(number),
                "codice_fiscale": partita_iva(number),
                "tipo": "P" if number % 9 == 0 else "C",
                "email": f"amministrazione@cliente{number:02d}.it",
                "telefono": f"+39 02 {5550000 + number}",
                "fido": Decimal(f"{number * 1000}.50"),
                "data_creazione": BASE - timedelta(days=400 - number),
                "data_ultima_modifica": customer_timestamp(number),
                "annullato": "S" if key in CANCELLED else "N",
                "note": "riga 1\nriga 2\twith tab" if number == 1 else None,
            }
        )
    return rows


def addresses() -> list[dict[str, Any]]:
    """Registered office and billing address of every customer, a delivery address for some."""
    rows = []
    for number in range(1, CUSTOMER_COUNT + 1):
        city, province, cap = _CITIES[number % len(_CITIES)]
        stamp = BASE + timedelta(minutes=number, seconds=30)
        kinds = ["SL", "FA"] + (["DM"] if number % 3 == 0 else [])
        for offset, kind in enumerate(kinds):
            rows.append(
                {
                    "codice_cliente": code(number),
                    "tipo_indirizzo": kind,
                    "indirizzo": f"Via {_SURNAMES[(number + offset) % 15]} {number + offset * 10}",
                    "cap": cap,
                    "citta": city,
                    "provincia": province,
                    "nazione": "IT",
                    "data_ultima_modifica": stamp,
                }
            )
    return rows


def contacts(per_customer: int = 2) -> list[dict[str, Any]]:
    """People at each customer; their updated-at has microseconds."""
    rows = []
    for number in range(1, CUSTOMER_COUNT + 1):
        for progressive in range(1, per_customer + 1):
            first = _FIRST_NAMES[(number + progressive) % 8]
            rows.append(
                {
                    "codice_cliente": code(number),
                    "progressivo": progressive,
                    "nome": first,
                    "cognome": _SURNAMES[(number * progressive) % 15],
                    "ruolo": "Amministrazione" if progressive == 1 else "Acquisti",
                    "telefono": f"+39 347 {1000000 + number * 10 + progressive}",
                    "email": f"{first.lower()}@cliente{number:02d}.it",
                    "data_ultima_modifica": BASE
                    + timedelta(minutes=number, microseconds=123456 + progressive),
                }
            )
    return rows


def invoices() -> list[dict[str, Any]]:
    """Two invoices for each of the first 20 customers; invoice 2026/40 is a zero-total one."""
    rows = []
    number = 0
    for customer in range(1, 21):
        for _ in range(2):
            number += 1
            taxable = Decimal(f"{customer * 100 + number}.00")
            total = Decimal("0.00") if number == 40 else taxable * Decimal("1.22")
            rows.append(
                {
                    "anno": 2026,
                    "numero": number,
                    "codice_cliente": code(customer),
                    "data_documento": date(2026, 10, 1) + timedelta(days=number % 28),
                    "imponibile": Decimal("0.00") if number == 40 else taxable,
                    "aliquota_iva": Decimal("22.00"),
                    "totale": total.quantize(Decimal("0.01")),
                    "data_ultima_modifica": BASE + timedelta(minutes=customer, seconds=45),
                }
            )
    return rows


def due_dates() -> list[dict[str, Any]]:
    """Two instalments (30 and 60 days) of every invoice."""
    rows = []
    for invoice in invoices():
        half = (invoice["totale"] / 2).quantize(Decimal("0.01"))
        for days in (30, 60):
            rows.append(
                {
                    "anno": invoice["anno"],
                    "numero": invoice["numero"],
                    "data_scadenza": invoice["data_documento"] + timedelta(days=days),
                    "importo": half,
                    "pagato": "S" if days == 30 and invoice["numero"] % 2 else "N",
                    "data_ultima_modifica": invoice["data_ultima_modifica"],
                }
            )
    return rows


def credit_blocks() -> list[dict[str, Any]]:
    """Credit blocks of three customers (one lifted)."""
    return [
        {
            "codice_cliente": "C0003",
            "bloccato": True,
            "motivo": "Insoluti oltre 90 giorni",
            "data_blocco": date(2026, 9, 15),
            "fido_residuo": Decimal("0.00"),
        },
        {
            "codice_cliente": "C0008",
            "bloccato": True,
            "motivo": "Fido superato",
            "data_blocco": date(2026, 10, 2),
            "fido_residuo": Decimal("-1250.75"),
        },
        {
            "codice_cliente": "C0015",
            "bloccato": False,
            "motivo": "Sbloccato dopo rientro",
            "data_blocco": None,
            "fido_residuo": Decimal("4000.00"),
        },
    ]


def all_rows() -> dict[str, list[dict[str, Any]]]:
    """Every table's rows, in an order that satisfies the foreign keys."""
    return {
        "anagrafica_clienti": customers(),
        "indirizzi": addresses(),
        "contatti": contacts(),
        "fatture": invoices(),
        "scadenziario": due_dates(),
        "blocchi_credito": credit_blocks(),
    }
