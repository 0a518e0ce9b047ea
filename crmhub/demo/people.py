"""The demo's customers as they really are, before any system gets them wrong.

``story_cast()`` is a fixed set of customers, each showing one thing the hub must get right
(the same person in all three systems, accents, typos, a company with and without its legal
form, a father and a son who share an address and a phone, a consent withdrawn later);
``generated(n, rng)`` adds plausible Italian customers to reach the size asked for.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from stdnum import luhn
from stdnum.it import codicefiscale

Kind = Literal["person", "organization"]
System = Literal["spreadsheet", "erp", "salesforce"]
ALL_SYSTEMS: tuple[System, ...] = ("spreadsheet", "erp", "salesforce")


@dataclass(frozen=True, slots=True)
class Place:
    street: str
    postcode: str
    city: str
    province: str


@dataclass(frozen=True)
class Customer:
    """One real customer. ``systems`` says where it is recorded; ``story`` why it is in the
    demo (empty for the generated ones); ``consent`` the marketing e-mail answer, if given."""

    ref: str
    kind: Kind
    systems: tuple[System, ...]
    given_name: str = ""
    family_name: str = ""
    legal_name: str = ""
    legal_form: str = ""
    vat_id: str = ""
    codice_fiscale: str = ""
    birth_date: date | None = None
    email: str = ""
    phone: str = ""
    place: Place | None = None
    consent: bool | None = None
    story: str = ""
    quirks: frozenset[str] = field(default_factory=frozenset)

    @property
    def display_name(self) -> str:
        if self.kind == "organization":
            return f"{self.legal_name} {self.legal_form}".strip()
        return f"{self.given_name} {self.family_name}"


GIVEN = (
    "Alessandro", "Chiara", "Francesca", "Lorenzo", "Matteo", "Sofia", "Giorgia", "Davide",
    "Elena", "Federico", "Martina", "Simone", "Valentina", "Riccardo", "Sara", "Tommaso",
    "Alice", "Gabriele", "Beatrice", "Pietro", "Ilaria", "Stefano", "Noemi", "Andrea",
)  # fmt: skip
FAMILY = (
    "Colombo", "Ricci", "Marino", "Greco", "Bruno", "Gallo", "Conti", "De Luca", "Mancini",
    "Costa", "Giordano", "Rizzo", "Lombardi", "Moretti", "Barbieri", "Fontana", "Santoro",
    "Mariani", "Rinaldi", "Caruso", "D'Angelo", "Ferri", "Fabbri", "Galli", "Martini",
)  # fmt: skip
TRADES = (
    ("Ferramenta", "S.n.c."), ("Trasporti", "S.r.l."), ("Costruzioni", "S.p.A."),
    ("Studio Tecnico", "S.r.l."), ("Panificio", "S.a.s."), ("Elettronica", "S.r.l."),
    ("Tipografia", "S.n.c."), ("Logistica", "S.p.A."), ("Serramenti", "S.r.l."),
)  # fmt: skip
CITIES = (
    ("Milano", "MI", "201"), ("Torino", "TO", "101"), ("Bologna", "BO", "401"),
    ("Firenze", "FI", "501"), ("Roma", "RM", "001"), ("Napoli", "NA", "801"),
    ("Bergamo", "BG", "241"), ("Verona", "VR", "371"), ("Padova", "PD", "351"),
    ("Genova", "GE", "161"),
)  # fmt: skip
STREETS = (
    "Via Roma", "Via Garibaldi", "Corso Italia", "Via Mazzini", "Viale Europa", "Via Dante",
    "Piazza della Libertà", "Via Cavour", "Via San Francesco", "Corso Vittorio Emanuele II",
)  # fmt: skip
MONTH_LETTERS = "ABCDEHLMPRST"


def vat_id(number: int) -> str:
    """A valid Italian VAT number (partita IVA): 7 digits, office 001-099, Luhn check digit."""
    body = f"{number % 10_000_000:07d}{number % 99 + 1:03d}"
    return body + luhn.calc_check_digit(body)


def fiscal_code(given: str, family: str, born: date, female: bool, town: str) -> str:
    """A codice fiscale in the real layout with a correct check character (the name letters
    are simplified: the first consonants, padded with X)."""

    def letters(text: str) -> str:
        plain = "".join(c for c in text.upper() if c.isalpha())
        consonants = [c for c in plain if c not in "AEIOU"]
        return ("".join(consonants) + "".join(c for c in plain if c in "AEIOU") + "XXX")[:3]

    day = born.day + (40 if female else 0)
    body = (
        f"{letters(family)}{letters(given)}{born.year % 100:02d}"
        f"{MONTH_LETTERS[born.month - 1]}{day:02d}{town}"
    )
    return body + codicefiscale.calc_check_digit(body)


MILANO_STREET = Place("Via Roma 12", "20121", "Milano", "MI")


def story_cast() -> list[Customer]:
    """The fixed customers every demo holds (see the module docstring)."""
    born_mario = date(1978, 3, 15)
    return [
        Customer(
            "mario-rossi", "person", ALL_SYSTEMS, "Mario", "Rossi",
            codice_fiscale=fiscal_code("Mario", "Rossi", born_mario, False, "F205"),
            birth_date=born_mario, email="mario.rossi@example.com", phone="+39 333 123 4567",
            place=MILANO_STREET, consent=True,
            story="the same person in the spreadsheet, the ERP and Salesforce",
        ),
        Customer(
            "nicolo-bianchi", "person", ("spreadsheet", "erp"), "Nicolò", "Bianchi",
            email="nicolo.bianchi@example.it", phone="+39 347 765 4321",
            place=Place("Corso Vittorio Emanuele II 45", "10123", "Torino", "TO"),
            story="an accented name: Nicolò in the ERP, NICOLO' in the spreadsheet",
            quirks=frozenset({"accent"}),
        ),
        Customer(
            "giulia-verdi", "person", ("spreadsheet", "salesforce"), "Giulia", "Verdi",
            email="giulia.verdi@example.org", phone="+39 338 222 3344",
            place=Place("Via Mazzini 8", "40121", "Bologna", "BO"),
            story="a typo, Giula Verdi, in Salesforce: the spreadsheet's spelling wins",
            quirks=frozenset({"typo"}),
        ),
        Customer(
            "brambilla", "organization", ALL_SYSTEMS, legal_name="Officine Meccaniche Brambilla",
            legal_form="S.p.A.", vat_id=vat_id(4_512_073), email="amministrazione@brambilla.it",
            phone="+39 02 5551 2345", place=Place("Viale Europa 101", "20099", "Milano", "MI"),
            story="one company: with its legal form in the ERP, without it in the spreadsheet",
            quirks=frozenset({"legal_form"}),
        ),
        Customer(
            "gino-ferrari", "person", ("erp",), "Gino", "Ferrari",
            codice_fiscale=fiscal_code("Gino", "Ferrari", date(1952, 6, 2), False, "A944"),
            birth_date=date(1952, 6, 2), phone="+39 051 234 5678",
            place=Place("Via Garibaldi 3", "40124", "Bologna", "BO"),
            story="a father and his son: same address and phone, two people",
        ),
        Customer(
            "gianni-ferrari", "person", ("spreadsheet", "salesforce"), "Gianni", "Ferrari",
            codice_fiscale=fiscal_code("Gianni", "Ferrari", date(1984, 9, 21), False, "A944"),
            birth_date=date(1984, 9, 21), email="gianni.ferrari@example.com",
            phone="+39 051 234 5678", place=Place("Via Garibaldi 3", "40124", "Bologna", "BO"),
            consent=True, story="the son: kept apart from his father",
            quirks=frozenset({"codice_fiscale"}),
        ),
        Customer(
            "anna-esposito", "person", ("spreadsheet", "salesforce"), "Anna", "Esposito",
            email="anna.esposito@example.net", phone="+39 339 876 5432",
            place=Place("Via Toledo 256", "80134", "Napoli", "NA"), consent=True,
            story="said yes to marketing e-mail at a trade fair, opted out in Salesforce later",
            quirks=frozenset({"opted_out_later"}),
        ),
        Customer(
            "luca-moretti", "person", ("erp",), "Luca", "Moretti",
            phone="+39 045 800 1234", place=Place("Via Dante 7", "37121", "Verona", "VR"),
            story="no e-mail anywhere: kept out of Salesforce, whose target wants one",
        ),
    ]  # fmt: skip


def generated(n: int, rng: random.Random, start: int = 0) -> list[Customer]:
    """``n`` plausible customers (about one in four a company), each in one to three systems."""
    return [_one(start + i, rng) for i in range(n)]


def _systems(rng: random.Random, kind: Kind) -> tuple[System, ...]:
    weights = {"spreadsheet": 0.55, "erp": 0.7, "salesforce": 0.5 if kind == "person" else 0.35}
    chosen = tuple(s for s in ALL_SYSTEMS if rng.random() < weights[s])
    return chosen or (rng.choice(ALL_SYSTEMS),)


def _place(rng: random.Random) -> Place:
    city, province, prefix = rng.choice(CITIES)
    street = f"{rng.choice(STREETS)} {rng.randint(1, 180)}"
    return Place(street, f"{prefix}{rng.randint(21, 49)}", city, province)


def _one(i: int, rng: random.Random) -> Customer:
    place = _place(rng)
    if rng.random() < 0.25:
        trade, form = rng.choice(TRADES)
        name = f"{trade} {rng.choice(FAMILY)}"
        domain = name.lower().replace(" ", "").replace("'", "")
        return Customer(
            f"c{i:04d}", "organization", _systems(rng, "organization"), legal_name=name,
            legal_form=form, vat_id=vat_id(1_000_003 + i * 7919), email=f"info@{domain}.it",
            phone=f"+39 0{rng.randint(10, 99)} {rng.randint(100_000, 9_999_999)}", place=place,
        )  # fmt: skip
    given, family = rng.choice(GIVEN), rng.choice(FAMILY)
    local = f"{given}.{family}".lower().replace(" ", "").replace("'", "")
    has_email = rng.random() < 0.9
    return Customer(
        f"c{i:04d}", "person", _systems(rng, "person"), given, family,
        email=f"{local}{i}@example.com" if has_email else "",
        phone=f"+39 3{rng.randint(20, 49)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}",
        place=place, consent=rng.choice((True, False, None)),
    )  # fmt: skip
