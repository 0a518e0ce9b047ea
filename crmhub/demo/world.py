"""The demo's customers as each system holds them: the same people, recorded by different hands.

``make_world(size, seed)`` renders every customer into the records of the systems it is in,
messing them up the way real exports are: names in capitals, phones in five formats, e-mails
in odd case, accents dropped, missing fields, a typo, a legal form left out. The story cast's
mess is fixed (``people.story_cast``); the generated customers' is drawn from ``seed``.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from crmhub.demo.people import Customer, generated, story_cast

SPREADSHEET_COLUMNS = (
    "ID", "TIPO", "AZIENDA", "NOME", "COGNOME", "PARTITA_IVA", "CODICE_FISCALE", "EMAIL",
    "TELEFONO", "INDIRIZZO", "CAP", "CITTA", "PROVINCIA", "CONSENSO_MARKETING", "AGGIORNATO",
)  # fmt: skip
ERP_COLUMNS = (
    "codice", "tipo", "ragione_sociale", "nome", "cognome", "codice_fiscale", "partita_iva",
    "email", "telefono", "indirizzo", "cap", "citta", "provincia", "consenso_marketing",
    "aggiornato",
)  # fmt: skip

SPREADSHEET_FROM = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)
ERP_FROM = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)
SALESFORCE_FROM = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)


@dataclass
class World:
    """Every system's records; ``refs`` maps (system, record key) to the customer's ``ref``
    (Salesforce records get their key, the Id, when they are seeded)."""

    customers: list[Customer]
    spreadsheet: list[dict[str, str]] = field(default_factory=list)
    erp: list[dict[str, Any]] = field(default_factory=list)
    contacts: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (ref, fields)
    accounts: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    refs: dict[tuple[str, str], str] = field(default_factory=dict)

    def by_ref(self, ref: str) -> Customer:
        return next(c for c in self.customers if c.ref == ref)


# -- the mess ------------------------------------------------------------------------------------


def phone_as(phone: str, style: int) -> str:
    """``+39 333 123 4567`` written one of five ways Italians write it."""
    digits = phone.replace("+39", "").replace(" ", "")
    return (
        phone,
        digits,
        f"0039 {digits}",
        f"{digits[:3]}-{digits[3:6]}-{digits[6:]}",
        f"(+39) {digits[:3]} {digits[3:]}",
    )[style % 5]


def strip_accents(text: str) -> str:
    """``Nicolò`` -> ``Nicolo``."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _name_case(rng: random.Random) -> Callable[[str], str]:
    return rng.choice((str, str, str.upper, str.title))


def _keep(rng: random.Random, value: str, chance: float = 0.9) -> str:
    return value if rng.random() < chance else ""


@dataclass(frozen=True)
class _Hand:
    """How one system's clerk wrote one customer down."""

    case: Callable[[str], str]
    phone: str
    email: str
    with_address: bool


def _hand(rng: random.Random, customer: Customer) -> _Hand:
    # A clerk may leave out a phone or an address, but not all that tells a person without an
    # e-mail from a namesake: such a record could not be matched by anyone, hub or human.
    sparing = 0.9 if customer.email else 1.0
    phone = phone_as(customer.phone, rng.randrange(5)) if customer.phone else ""
    return _Hand(
        case=_name_case(rng),
        phone=_keep(rng, phone, sparing),
        email=rng.choice((str.lower, str.lower, str.title))(customer.email),
        with_address=rng.random() < (0.85 if customer.email else 1.0),
    )


# -- each system's records ------------------------------------------------------------------------


def _spreadsheet_row(c: Customer, hand: _Hand, n: int, at: datetime) -> dict[str, str]:
    person = c.kind == "person"
    given, family = hand.case(c.given_name), hand.case(c.family_name)
    if "accent" in c.quirks:
        given = strip_accents(c.given_name).upper() + "'"
        family = family.upper()
    place = c.place if hand.with_address and c.place else None
    consent = {True: "SI", False: "NO", None: ""}[c.consent]
    return {
        "ID": f"F{n:04d}",
        "TIPO": "P" if person else "A",
        "AZIENDA": "" if person else hand.case(c.legal_name),  # forms left out by the clerk
        "NOME": given if person else "",
        "COGNOME": family if person else "",
        "PARTITA_IVA": c.vat_id,
        "CODICE_FISCALE": c.codice_fiscale if "codice_fiscale" in c.quirks else "",
        "EMAIL": hand.email,
        "TELEFONO": hand.phone,
        "INDIRIZZO": place.street if place else "",
        "CAP": place.postcode if place else "",
        "CITTA": place.city.upper() if place else "",
        "PROVINCIA": place.province if place else "",
        "CONSENSO_MARKETING": consent,
        "AGGIORNATO": at.strftime("%d/%m/%Y %H:%M"),
    }


def _erp_row(c: Customer, hand: _Hand, n: int, at: datetime) -> dict[str, Any]:
    person = c.kind == "person"
    place = c.place  # an ERP invoices: it always has the billing address
    consent = {True: "S", False: "N", None: None}[c.consent]
    return {
        "codice": f"C{n:05d}",
        "tipo": "P" if person else "A",
        "ragione_sociale": None if person else f"{c.legal_name} {c.legal_form}",
        "nome": c.given_name if person else None,
        "cognome": c.family_name if person else None,
        "codice_fiscale": c.codice_fiscale or None,
        "partita_iva": c.vat_id or None,
        "email": hand.email or None,
        "telefono": hand.phone or None,
        "indirizzo": place.street if place else None,
        "cap": place.postcode if place else None,
        "citta": place.city if place else None,
        "provincia": place.province if place else None,
        "consenso_marketing": consent,
        "aggiornato": at.replace(tzinfo=None),
    }


def _contact(c: Customer, hand: _Hand) -> dict[str, Any]:
    given = "Giula" if "typo" in c.quirks else c.given_name
    place = c.place if hand.with_address and c.place else None
    fields: dict[str, Any] = {
        "FirstName": given,
        "LastName": c.family_name,
        "Email": hand.email or None,
        "Phone": hand.phone or None,
        "HasOptedOutOfEmail": c.consent is False or "opted_out_later" in c.quirks,
    }
    if place:
        fields |= {
            "MailingStreet": place.street,
            "MailingCity": place.city,
            "MailingPostalCode": place.postcode,
            "MailingState": place.province,
            "MailingCountry": "Italy",
        }
    return fields


def _account(c: Customer, hand: _Hand) -> dict[str, Any]:
    form = c.legal_form.replace(".", "")  # S.p.A. -> SpA, as sales reps type it
    fields: dict[str, Any] = {"Name": f"{c.legal_name} {form}", "Phone": hand.phone or None}
    if hand.with_address and c.place:
        fields |= {
            "BillingStreet": c.place.street,
            "BillingCity": c.place.city,
            "BillingPostalCode": c.place.postcode,
            "BillingState": c.place.province,
            "BillingCountry": "IT",
        }
    return fields


STORY_HANDS: dict[tuple[str, str], dict[str, Any]] = {
    ("mario-rossi", "spreadsheet"): {"case": str.upper, "phone": "3331234567"},
    ("mario-rossi", "erp"): {"phone": "+39 333 1234567"},
    ("mario-rossi", "salesforce"): {
        "email": "Mario.Rossi@Example.com", "phone": "(+39) 333-123-4567", "with_address": False,
    },
    ("brambilla", "spreadsheet"): {"case": str.upper},
}  # fmt: skip


def _story_hand(c: Customer, system: str) -> _Hand:
    fixed = STORY_HANDS.get((c.ref, system), {})
    return _Hand(
        case=fixed.get("case", str),
        phone=fixed.get("phone", c.phone),
        email=fixed.get("email", c.email),
        with_address=fixed.get("with_address", True),
    )


def make_world(size: int, seed: int) -> World:
    """The story cast plus generated customers up to ``size`` customers in all, rendered."""
    rng = random.Random(seed)
    cast = story_cast()
    world = World(cast + generated(max(0, size - len(cast)), rng))
    for n, c in enumerate(world.customers):

        def hand(system: str, c: Customer = c) -> _Hand:
            return _story_hand(c, system) if c.story else _hand(rng, c)

        if "spreadsheet" in c.systems:
            at = SPREADSHEET_FROM + timedelta(hours=7 * n)
            world.spreadsheet.append(_spreadsheet_row(c, hand("spreadsheet"), n + 1, at))
            world.refs["spreadsheet", world.spreadsheet[-1]["ID"]] = c.ref
        if "erp" in c.systems:
            at = ERP_FROM + timedelta(hours=5 * n)
            world.erp.append(_erp_row(c, hand("erp"), n + 1, at))
            world.refs["erp", world.erp[-1]["codice"]] = c.ref
        if "salesforce" in c.systems:
            record = _contact if c.kind == "person" else _account
            chosen = world.contacts if c.kind == "person" else world.accounts
            chosen.append((c.ref, record(c, hand("salesforce"))))
    return world
