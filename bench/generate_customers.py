"""Realistic Italian customer exports, with the usual mess, for the ingest and matching benchmarks.

Day one (a full export)::

    python bench/generate_customers.py --rows 1000000 --out bench/data/customers_1m.csv \\
        [--seed 42] [--encoding utf-8|utf-8-sig|cp1252] [--delimiter ";"] [--title-line] \\
        [--duplicates-rate 0.05]

Day two (the same export a day later: some rows changed, some removed, some added)::

    python bench/generate_customers.py --mutate bench/data/customers_1m.csv \\
        --out bench/data/customers_1m_day2.csv --changed 5 --removed 1 --added 2

Output is deterministic for a given seed and streamed (memory stays flat in ``--rows``).
Side files, next to ``--out``:

* ``<out>.duplicates.csv`` (with ``--duplicates-rate``): ``original,duplicate,changes``, one line
  per near-duplicate row: the ground truth for the matching benchmark;
* ``<out>.changes.csv`` (with ``--mutate``): ``CODICE,change`` (changed / removed / added).

What the rows look like, as an ERP or a spreadsheet exports them:

* ``CODICE`` unique (CL0000001...); ``TIPO`` persona / azienda, mostly lower case, some
  capitalised or upper case;
* persons: ``COGNOME``, ``NOME`` (accents: Niccolò / Nicolò / Niccolo'), a ``CODICE_FISCALE``
  computed from name, birth date, sex and birth town (check character by python-stdnum), a few
  with a wrong check character or blank; about one in ten runs a business with a P.IVA;
* companies: ``RAGIONE_SOCIALE`` with legal-form variants (S.r.l., SRL, s.r.l., S.p.A., snc,
  sas...), ``PARTITA_IVA`` valid (Luhn, office code 001-100) mostly, some with an ``IT`` prefix,
  spaces, a lost leading zero, a few with a wrong check digit; ``CODICE_FISCALE`` the same
  digits or blank; ``PEC`` and ``CODICE_SDI`` (7 characters, 0000000 when invoices go by PEC);
* ``INDIRIZZO`` "Via Roma 12", "V. Garibaldi, 5/A", "P.za Duomo 1", "C.so Italia 33"...;
  ``CAP`` (some lost their leading zero to a spreadsheet), ``CITTA`` (Forlì / Forli' / FORLI'),
  ``PROVINCIA`` (RM, rm, Roma, blank), ``NAZIONE`` (Italia, IT, ITALY, blank);
* ``TELEFONO`` in every Italian format (+39, 0039, slashes, dashes, brackets, "tel.", two
  numbers), some blank or garbage; ``EMAIL`` mixed case, some invalid;
* ``DATA_NASCITA``, ``DATA_CREAZIONE`` dd/mm/yyyy; ``ULTIMA_MODIFICA`` dd/mm/yyyy hh:mm:ss;
  ``FIDO`` with decimal comma ("12.500,00"); ``CONSENSO_MARKETING`` SI / NO / blank;
* some rows in ALL CAPS, some values with trailing spaces; ``;`` delimiter, CRLF line ends.

Town cadastral codes (for the codice fiscale) are those of the listed towns as far as the author
knows; python-stdnum does not check them, and a wrong one would only make a code less realistic.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import random
import sys
import unicodedata
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from stdnum import luhn
from stdnum.it import codicefiscale

COLUMNS = (
    "CODICE",
    "TIPO",
    "RAGIONE_SOCIALE",
    "COGNOME",
    "NOME",
    "PARTITA_IVA",
    "CODICE_FISCALE",
    "INDIRIZZO",
    "CAP",
    "CITTA",
    "PROVINCIA",
    "NAZIONE",
    "TELEFONO",
    "EMAIL",
    "PEC",
    "CODICE_SDI",
    "DATA_NASCITA",
    "DATA_CREAZIONE",
    "FIDO",
    "CONSENSO_MARKETING",
    "ULTIMA_MODIFICA",
)
EXPORT_DAY = date(2025, 12, 31)
DAY_TWO = datetime(2026, 1, 1, 7, 0, 0)

# -- reference data ----------------------------------------------------------------------------

MALE_NAMES = (
    "Marco",
    "Giuseppe",
    "Giovanni",
    "Antonio",
    "Francesco",
    "Luca",
    "Alessandro",
    "Andrea",
    "Matteo",
    "Lorenzo",
    "Davide",
    "Simone",
    "Federico",
    "Riccardo",
    "Stefano",
    "Paolo",
    "Roberto",
    "Salvatore",
    "Vincenzo",
    "Mario",
    "Luigi",
    "Carlo",
    "Fabio",
    "Massimo",
    "Claudio",
    "Daniele",
    "Niccolò",
    "Nicolò",
    "Gabriele",
    "Tommaso",
    "Emanuele",
    "Pietro",
    "Giacomo",
    "Filippo",
    "Alberto",
    "Enrico",
    "Sergio",
    "Gianluca",
    "Domenico",
    "Angelo",
    "Raffaele",
    "Michele",
    "Cristian",
    "Nicola",
    "Diego",
    "Ivan",
    "Elia",
    "Gian Marco",
    "Pier Paolo",
    "Gianfranco",
)
FEMALE_NAMES = (
    "Giulia",
    "Francesca",
    "Chiara",
    "Sara",
    "Martina",
    "Valentina",
    "Alessia",
    "Elena",
    "Laura",
    "Federica",
    "Silvia",
    "Paola",
    "Maria",
    "Anna",
    "Roberta",
    "Elisa",
    "Giorgia",
    "Sofia",
    "Aurora",
    "Alice",
    "Beatrice",
    "Camilla",
    "Arianna",
    "Cristina",
    "Daniela",
    "Monica",
    "Barbara",
    "Simona",
    "Antonella",
    "Rosa",
    "Teresa",
    "Lucia",
    "Caterina",
    "Marta",
    "Irene",
    "Ilaria",
    "Serena",
    "Noemi",
    "Rebecca",
    "Ludovica",
    "Maria Grazia",
    "Anna Maria",
    "Licia",
)
SURNAMES = (
    "Rossi",
    "Russo",
    "Ferrari",
    "Esposito",
    "Bianchi",
    "Romano",
    "Colombo",
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
    "Rizzo",
    "Lombardi",
    "Moretti",
    "Barbieri",
    "Fontana",
    "Santoro",
    "Mariani",
    "Rinaldi",
    "Caruso",
    "Ferrara",
    "Galli",
    "Martini",
    "Leone",
    "Longo",
    "Gentile",
    "Martinelli",
    "Vitale",
    "Lombardo",
    "Serra",
    "Coppola",
    "De Santis",
    "D'Angelo",
    "Marchetti",
    "Parisi",
    "Villa",
    "Conte",
    "Ferraro",
    "Ferri",
    "Fabbri",
    "Bianco",
    "Marini",
    "Grasso",
    "Valentini",
    "Messina",
    "Sala",
    "De Angelis",
    "Gatti",
    "Pellegrini",
    "Palumbo",
    "Sanna",
    "Farina",
    "Rizzi",
    "Monti",
    "Cattaneo",
    "Morelli",
    "Amato",
    "Silvestri",
    "Mazza",
    "Testa",
    "Dell'Acqua",
    "Pellegrino",
    "Carbone",
    "Giuliani",
    "Benedetti",
    "Barone",
    "Rossetti",
    "Caputo",
    "Montanari",
    "Guerra",
    "Palmieri",
    "Bernardi",
    "Martino",
    "Fiore",
    "De Rosa",
    "Ferretti",
    "Bellini",
    "Basile",
    "Riva",
    "Donati",
    "Piras",
    "Vitali",
    "Battaglia",
    "Sartori",
    "Neri",
    "Costantini",
    "Milani",
    "Pagano",
    "Ruggiero",
    "Sorrentino",
    "D'Amico",
    "Orlando",
    "Damico",
    "Negri",
    "Cannavò",
    "Pirrò",
    "Garrè",
    "Lo Russo",
    "La Rosa",
    "Dall'Olio",
    "Fazzò",
    "Mazzà",
    "Nicolò",
)
# name, province, first CAP, last CAP, cadastral code
TOWNS = (
    ("Roma", "RM", 118, 199, "H501"),
    ("Milano", "MI", 20121, 20162, "F205"),
    ("Napoli", "NA", 80121, 80147, "F839"),
    ("Torino", "TO", 10121, 10156, "L219"),
    ("Palermo", "PA", 90121, 90151, "G273"),
    ("Genova", "GE", 16121, 16167, "D969"),
    ("Bologna", "BO", 40121, 40141, "A944"),
    ("Firenze", "FI", 50121, 50145, "D612"),
    ("Bari", "BA", 70121, 70132, "A662"),
    ("Catania", "CT", 95121, 95131, "C351"),
    ("Venezia", "VE", 30121, 30176, "L736"),
    ("Verona", "VR", 37121, 37142, "L781"),
    ("Messina", "ME", 98121, 98168, "F158"),
    ("Padova", "PD", 35121, 35143, "G224"),
    ("Trieste", "TS", 34121, 34151, "L424"),
    ("Brescia", "BS", 25121, 25136, "B157"),
    ("Parma", "PR", 43121, 43126, "G337"),
    ("Modena", "MO", 41121, 41126, "F257"),
    ("Prato", "PO", 59100, 59100, "G999"),
    ("Cagliari", "CA", 9121, 9134, "B354"),
    ("Perugia", "PG", 6121, 6135, "G478"),
    ("Bergamo", "BG", 24121, 24129, "A794"),
    ("Como", "CO", 22100, 22100, "C933"),
    ("Lecce", "LE", 73100, 73100, "E506"),
    ("Salerno", "SA", 84121, 84135, "H703"),
    ("Pescara", "PE", 65121, 65129, "G482"),
    ("Ancona", "AN", 60121, 60131, "A271"),
    ("Udine", "UD", 33100, 33100, "L483"),
    ("Trento", "TN", 38121, 38123, "L378"),
    ("Bolzano", "BZ", 39100, 39100, "A952"),
    ("Vicenza", "VI", 36100, 36100, "L840"),
    ("Ferrara", "FE", 44121, 44124, "D548"),
    ("Rimini", "RN", 47921, 47924, "H294"),
    ("Forlì", "FC", 47121, 47122, "D704"),
    ("Livorno", "LI", 57121, 57128, "E625"),
    ("Ravenna", "RA", 48121, 48125, "H199"),
    ("Monza", "MB", 20900, 20900, "F704"),
    ("Novara", "NO", 28100, 28100, "F952"),
    ("Piacenza", "PC", 29121, 29122, "G535"),
    ("Cantù", "CO", 22063, 22063, "B639"),
    ("Paternò", "CT", 95047, 95047, "G371"),
    ("Sassari", "SS", 7100, 7100, "I452"),
    ("Siracusa", "SR", 96100, 96100, "I754"),
    ("Reggio Emilia", "RE", 42121, 42124, "H223"),
    ("Lucca", "LU", 55100, 55100, "E715"),
    ("Pisa", "PI", 56121, 56128, "G702"),
    ("Arezzo", "AR", 52100, 52100, "A390"),
    ("Treviso", "TV", 31100, 31100, "L407"),
    ("Latina", "LT", 4100, 4100, "E472"),
    ("Taranto", "TA", 74121, 74123, "L049"),
    ("Foggia", "FG", 71121, 71122, "D643"),
    ("Aosta", "AO", 11100, 11100, "A326"),
    ("L'Aquila", "AQ", 67100, 67100, "A345"),
    ("Cefalù", "PA", 90015, 90015, "C421"),
    ("Città di Castello", "PG", 6012, 6012, "C745"),
    ("Nardò", "LE", 73048, 73048, "F842"),
)
PROVINCE_NAMES = {
    "RM": "Roma",
    "MI": "Milano",
    "NA": "Napoli",
    "TO": "Torino",
    "FC": "Forlì-Cesena",
}
STREETS = (
    "Roma",
    "Garibaldi",
    "Mazzini",
    "Cavour",
    "Dante Alighieri",
    "Giuseppe Verdi",
    "Matteotti",
    "Vittorio Emanuele II",
    "XX Settembre",
    "IV Novembre",
    "Duomo",
    "della Repubblica",
    "dei Mille",
    "Marconi",
    "Gramsci",
    "Italia",
    "San Francesco",
    "Manzoni",
    "Leopardi",
    "Cristoforo Colombo",
    "Piave",
    "Trieste",
    "della Libertà",
    "Aldo Moro",
    "Nazionale",
    "Kennedy",
    "De Gasperi",
    "San Martino",
    "dei Tigli",
    "Pascoli",
    "Carducci",
    "Fiume",
    "Solferino",
    "Risorgimento",
)
# canonical street type -> how exports write it
STREET_TYPES = {
    "Via": ("Via", "Via", "Via", "V.", "VIA", "via"),
    "Piazza": ("Piazza", "P.za", "P.zza", "Pza", "P.zza"),
    "Corso": ("Corso", "C.so", "C.so"),
    "Viale": ("Viale", "V.le", "V.le"),
    "Largo": ("Largo", "L.go"),
    "Vicolo": ("Vicolo", "Vic."),
}
STREET_TYPE_WEIGHTS = (60, 12, 10, 10, 4, 4)
LEGAL_FORMS = {
    "SRL": ("S.r.l.", "SRL", "s.r.l.", "Srl", "S.R.L.", "srl", "S.r.l"),
    "SPA": ("S.p.A.", "SPA", "S.p.a.", "spa", "S.P.A."),
    "SNC": ("snc", "S.n.c.", "s.n.c.", "SNC", "& C. snc"),
    "SAS": ("sas", "S.a.s.", "s.a.s.", "SAS"),
    "SRLS": ("S.r.l.s.", "SRLS", "srls"),
    "COOP": ("Soc. Coop.", "Società Cooperativa", "soc. coop."),
}
LEGAL_FORM_WEIGHTS = (55, 10, 12, 10, 8, 5)
SECTORS = (
    "Costruzioni",
    "Trasporti",
    "Impianti Elettrici",
    "Edilizia",
    "Servizi",
    "Informatica",
    "Logistica",
    "Alimentari",
    "Ristorazione",
    "Consulenze",
    "Arredamenti",
    "Tessile",
    "Meccanica",
    "Autoricambi",
    "Farmaceutica",
    "Immobiliare",
    "Termoidraulica",
    "Serramenti",
)
ADJECTIVES = (
    "Moderna",
    "Italiana",
    "Generale",
    "Nord",
    "Sud",
    "Centro",
    "Adriatica",
    "Tirrenica",
    "Nuova",
)
EMAIL_DOMAINS = (
    "gmail.com",
    "libero.it",
    "hotmail.it",
    "yahoo.it",
    "alice.it",
    "tiscali.it",
    "virgilio.it",
    "outlook.it",
    "fastwebnet.it",
    "tin.it",
    "icloud.com",
    "email.it",
)
PEC_DOMAINS = ("pec.it", "legalmail.it", "arubapec.it", "postecert.it", "pec.libero.it")
SDI_CODES = ("M5UXCR1", "KRRH6B9", "SUBM70N", "T9K4ZHO", "USAL8PV", "W7YVJK9", "5RUO82D", "J6URRTW")
MOBILE_PREFIXES = (
    "320",
    "328",
    "329",
    "330",
    "333",
    "334",
    "335",
    "338",
    "339",
    "340",
    "345",
    "347",
    "348",
    "349",
    "366",
    "380",
    "388",
    "389",
    "392",
    "393",
)
AREA_CODES = (
    "02",
    "06",
    "011",
    "081",
    "091",
    "010",
    "051",
    "055",
    "080",
    "095",
    "041",
    "045",
    "049",
    "040",
    "030",
    "0521",
    "059",
    "070",
    "075",
    "035",
    "031",
    "0832",
)
PHONE_GARBAGE = ("n.d.", "-", "0", "nessuno", "xxx", "000000", "non disponibile", "?", "tel")
CF_MONTHS = "ABCDEHLMPRST"

# -- the customer as it really is -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Customer:
    """One real-world customer; ``render`` writes it as an export row, messily."""

    is_company: bool
    female: bool
    surname: str
    name: str
    company: str  # company name without legal form
    legal_form: str  # key of LEGAL_FORMS, "" for persons
    vat: str  # 11 digits, "" when none
    cf: str  # 16 characters for persons, 11 digits for companies, "" when none
    cf_valid: bool
    street_type: str
    street: str
    number: str
    town: tuple[str, str, int, int, str]
    cap: int
    phone: str  # national number digits, "" when none
    phone_is_garbage: bool
    email: str  # as the customer typed it (may be invalid), "" when none
    pec: str
    sdi: str
    birth: date | None
    created: date
    modified: datetime
    credit_cents: int | None
    consent: str  # "SI", "NO", ""


def ascii_letters(text: str) -> str:
    """Upper-case A-Z only: accents dropped, spaces and apostrophes removed (for the CF)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed.upper() if "A" <= ch <= "Z")


def _cf_part(text: str, *, is_name: bool) -> str:
    letters = ascii_letters(text)
    consonants = [ch for ch in letters if ch not in "AEIOU"]
    vowels = [ch for ch in letters if ch in "AEIOU"]
    if is_name and len(consonants) >= 4:
        return consonants[0] + consonants[2] + consonants[3]
    return "".join(consonants + vowels + ["X", "X", "X"])[:3]


def codice_fiscale(surname: str, name: str, birth: date, female: bool, town_code: str) -> str:
    """The codice fiscale of a person (without homocody handling); check character via stdnum."""
    day = birth.day + (40 if female else 0)
    body = (
        _cf_part(surname, is_name=False)
        + _cf_part(name, is_name=True)
        + f"{birth.year % 100:02d}{CF_MONTHS[birth.month - 1]}{day:02d}{town_code}"
    )
    return body + codicefiscale.calc_check_digit(body)


def partita_iva(rng: random.Random) -> str:
    """A valid P.IVA: 7-digit serial, office code 001-100, Luhn check digit."""
    body = f"{rng.randrange(1, 10**7):07d}{rng.randint(1, 100):03d}"
    return body + luhn.calc_check_digit(body)


def _wrong_check(code: str) -> str:
    """``code`` with its last character changed so that the check fails."""
    last = code[-1]
    if last.isdigit():
        return code[:-1] + str((int(last) + 1 + (int(last) == 8)) % 10)
    return code[:-1] + ("A" if last != "A" else "B")


def _slug(text: str) -> str:
    return ascii_letters(text).lower()


class CustomerFactory:
    """Makes customers, renders them as rows, and derives near-duplicates and day-two changes."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    # -- making customers ------------------------------------------------------------------

    def customer(self) -> Customer:
        rng = self.rng
        is_company = rng.random() < 0.4
        female = rng.random() < 0.5
        surname = rng.choice(SURNAMES)
        name = rng.choice(FEMALE_NAMES if female else MALE_NAMES)
        town = rng.choice(TOWNS)
        created = EXPORT_DAY - timedelta(days=rng.randrange(0, 26 * 365))
        modified = datetime.combine(created, datetime.min.time()) + timedelta(
            seconds=rng.randrange(0, max(1, (EXPORT_DAY - created).days) * 86400)
        )
        birth = None
        if is_company:
            legal_form = rng.choices(list(LEGAL_FORMS), LEGAL_FORM_WEIGHTS)[0]
            company = self._company_name(surname, name, town[0])
            vat = partita_iva(rng)
            cf = vat if rng.random() < 0.7 else ""
            cf_valid = True
        else:
            legal_form, company = "", ""
            birth = date(1935, 1, 1) + timedelta(days=rng.randrange(0, 70 * 365))
            vat = partita_iva(rng) if rng.random() < 0.1 else ""
            cf = codice_fiscale(surname, name, birth, female, rng.choice(TOWNS)[4])
            cf_valid = rng.random() >= 0.02
            if not cf_valid:
                cf = _wrong_check(cf)
            elif rng.random() < 0.05:
                cf = ""
        pec = (
            self._pec(surname, name, company)
            if (is_company and rng.random() < 0.7) or rng.random() < 0.03
            else ""
        )
        return Customer(
            is_company=is_company,
            female=female,
            surname=surname,
            name=name,
            company=company,
            legal_form=legal_form,
            vat=vat,
            cf=cf,
            cf_valid=cf_valid,
            street_type=rng.choices(list(STREET_TYPES), STREET_TYPE_WEIGHTS)[0],
            street=rng.choice(STREETS),
            number=self._house_number(),
            town=town,
            cap=rng.randint(town[2], town[3]),
            phone=self._phone_digits() if rng.random() < 0.88 else "",
            phone_is_garbage=rng.random() < 0.03,
            email=self._email(surname, name, company) if rng.random() < 0.85 else "",
            pec=pec,
            sdi=self._sdi(is_company, bool(pec)),
            birth=birth,
            created=created,
            modified=modified,
            credit_cents=self._credit(is_company),
            consent=rng.choices(("SI", "NO", ""), (45, 35, 20))[0],
        )

    def _company_name(self, surname: str, name: str, town: str) -> str:
        rng = self.rng
        pattern = rng.randrange(7)
        other = rng.choice(SURNAMES)
        sector = rng.choice(SECTORS)
        return (
            f"{surname}",
            f"{surname} & {other}",
            f"{sector} {rng.choice(ADJECTIVES)}",
            f"{sector} {surname}",
            f"{surname} {name}",
            f"{town} {sector}",
            f"F.lli {surname}",
        )[pattern]

    def _house_number(self) -> str:
        rng = self.rng
        number = str(rng.randint(1, 250))
        roll = rng.random()
        if roll < 0.08:
            return f"{number}/{rng.choice('ABCD')}"
        if roll < 0.11:
            return "snc"
        if roll < 0.14:
            return f"{number} int. {rng.randint(1, 20)}"
        return number

    def _phone_digits(self) -> str:
        rng = self.rng
        if rng.random() < 0.6:
            return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**7):07d}"
        area = rng.choice(AREA_CODES)
        return area + str(rng.randrange(10 ** (9 - len(area)), 10 ** (10 - len(area))))

    def _email(self, surname: str, name: str, company: str) -> str:
        rng = self.rng
        first, last = _slug(name), _slug(surname)
        if company and rng.random() < 0.7:
            local = rng.choice(("info", "amministrazione", "ufficio", "contabilita", first))
            domain = rng.choice(
                (
                    f"{_slug(company)[:20]}.it",
                    f"{_slug(company)[:20]}.com",
                    rng.choice(EMAIL_DOMAINS),
                )
            )
        else:
            local = rng.choice(
                (
                    f"{first}.{last}",
                    f"{first[0]}.{last}",
                    f"{first}{last}",
                    f"{last}.{first}",
                    f"{first}.{last}{rng.randint(60, 99)}",
                    f"{first}_{last}",
                )
            )
            domain = rng.choice(EMAIL_DOMAINS)
        email = f"{local}@{domain}"
        if rng.random() < 0.04:  # typed wrong
            email = rng.choice(
                (
                    email.replace("@", ""),
                    email.replace("@", "@@"),
                    email.replace(".", " ", 1),
                    email.rsplit(".", 1)[0],
                    email.replace(".", ",", 1),
                    email + ".",
                )
            )
        return email

    def _pec(self, surname: str, name: str, company: str) -> str:
        rng = self.rng
        who = _slug(company)[:20] if company else f"{_slug(name)}.{_slug(surname)}"
        if company and rng.random() < 0.3:
            return f"amministrazione@pec.{who}.it"
        return f"{who}@{rng.choice(PEC_DOMAINS)}"

    def _sdi(self, is_company: bool, has_pec: bool) -> str:
        rng = self.rng
        if not is_company:
            return "0000000" if rng.random() < 0.2 else ""
        if has_pec and rng.random() < 0.4:
            return "0000000"
        if rng.random() < 0.15:
            return ""
        if rng.random() < 0.5:
            return rng.choice(SDI_CODES)
        return "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(7))

    def _credit(self, is_company: bool) -> int | None:
        rng = self.rng
        if rng.random() < 0.15:
            return None
        if not is_company:
            return 0 if rng.random() < 0.7 else rng.randrange(5, 50) * 10000
        return rng.choice(
            (rng.randrange(1, 100) * 50000, rng.randrange(1, 500) * 100000, rng.randrange(0, 10**9))
        )

    # -- writing a customer as a row ------------------------------------------------------

    def render(self, c: Customer, code: str) -> list[str]:
        """The export row for ``c`` under ``code``, with formatting chosen at random."""
        rng = self.rng
        town, province, *_ = c.town
        row = [
            code,
            self._kind(c.is_company),
            self._company(c)
            if c.is_company
            else (f"{c.surname} {c.name}" if c.vat and rng.random() < 0.5 else ""),
            "" if c.is_company else self._accented(c.surname),
            "" if c.is_company else self._accented(c.name),
            self._vat(c.vat),
            c.cf if rng.random() > 0.05 else c.cf.lower(),
            self._address(c),
            self._cap(c.cap),
            self._accented(town),
            self._province(province),
            rng.choices(("Italia", "IT", "ITALY", "", "italia", "Italia "), (50, 20, 8, 15, 4, 3))[
                0
            ],
            self._phone(c),
            self._email_case(c.email),
            c.pec,
            c.sdi,
            c.birth.strftime("%d/%m/%Y") if c.birth else "",
            c.created.strftime("%d/%m/%Y"),
            self._money(c.credit_cents),
            c.consent if rng.random() > 0.03 else rng.choice(("Si", "si", "No", "S", "N")),
            c.modified.strftime("%d/%m/%Y %H:%M:%S"),
        ]
        roll = rng.random()
        if roll < 0.08:  # a legacy system that upper-cases everything
            row = [value.upper() for value in row]
        elif roll < 0.13:  # someone pasted values with trailing spaces
            i = rng.randrange(1, len(row))
            row[i] = row[i] + " " * rng.randint(1, 3) if row[i] else row[i]
        return row

    def _kind(self, is_company: bool) -> str:
        kind = "azienda" if is_company else "persona"
        roll = self.rng.random()
        return kind if roll < 0.9 else kind.capitalize() if roll < 0.96 else kind.upper()

    def _company(self, c: Customer) -> str:
        form = self.rng.choice(LEGAL_FORMS[c.legal_form])
        separator = ", " if self.rng.random() < 0.1 else " "
        return f"{self._accented(c.company)}{separator}{form}"

    def _accented(self, text: str) -> str:
        """Accented vowels as written, or with an apostrophe (Niccolo'), or dropped."""
        if text.isascii():
            return text
        roll = self.rng.random()
        if roll < 0.7:
            return text
        plain = "".join(
            ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
        )
        if roll < 0.9:
            return "".join(p + "'" if p != t else p for p, t in zip(plain, text))
        return plain

    def _vat(self, vat: str) -> str:
        if not vat:
            return ""
        roll = self.rng.random()
        if roll < 0.03:
            return _wrong_check(vat)
        if roll < 0.10:
            return "IT" + vat
        if roll < 0.13:
            return f"IT {vat}"
        if roll < 0.16:
            return f"{vat[:3]} {vat[3:6]} {vat[6:]}"
        if roll < 0.20 and vat.startswith("0"):
            return vat.lstrip("0")  # a spreadsheet took it for a number
        return vat

    def _address(self, c: Customer) -> str:
        rng = self.rng
        street_type = rng.choice(STREET_TYPES[c.street_type])
        separator = rng.choices((" ", ", ", " n. ", ", n. "), (70, 20, 6, 4))[0]
        street = c.street if rng.random() < 0.9 else c.street.upper()
        return f"{street_type} {street}{separator}{c.number}"

    def _cap(self, cap: int) -> str:
        return f"{cap:05d}" if self.rng.random() < 0.93 else str(cap)  # some lost the leading zero

    def _province(self, code: str) -> str:
        roll = self.rng.random()
        if roll < 0.8:
            return code
        if roll < 0.88:
            return code.lower()
        if roll < 0.94:
            return PROVINCE_NAMES.get(code, code)
        return ""

    def _phone(self, c: Customer) -> str:
        rng = self.rng
        if c.phone_is_garbage:
            return rng.choice(PHONE_GARBAGE)
        digits = c.phone
        if not digits:
            return ""
        if digits[0] == "3":
            head, tail = digits[:3], digits[3:]
            formats = (
                f"+39 {head} {tail}",
                f"+39 {digits}",
                f"0039 {head} {tail}",
                f"{head} {tail}",
                f"{head}-{tail}",
                f"{head}/{tail}",
                digits,
                f"{head} {tail[:3]} {tail[3:]}",
                f"(+39) {head} {tail}",
                f"cell. {head} {tail}",
                f"+39{digits}",
            )
        else:
            area = next(
                a for a in sorted(AREA_CODES, key=len, reverse=True) if digits.startswith(a)
            )
            tail = digits[len(area) :]
            formats = (
                f"{area} {tail}",
                f"{area}-{tail}",
                f"{area}/{tail}",
                f"({area}) {tail}",
                f"+39 {area} {tail}",
                f"+39{digits}",
                digits,
                f"tel. {area} {tail}",
                f"0039 {area} {tail}",
                f"{area} {tail[:3]} {tail[3:]}",
            )
        phone = rng.choice(formats)
        if rng.random() < 0.03:  # two numbers in one cell
            phone += f" / {rng.choice(MOBILE_PREFIXES)} {rng.randrange(10**7):07d}"
        return phone

    def _email_case(self, email: str) -> str:
        if not email:
            return ""
        roll = self.rng.random()
        if roll < 0.8:
            return email
        if roll < 0.9:
            return email.upper()
        if roll < 0.97:
            local, _, domain = email.partition("@")
            return f"{local.title()}@{domain.capitalize()}" if domain else email.title()
        return f" {email} "

    def _money(self, cents: int | None) -> str:
        if cents is None:
            return ""
        units, rest = divmod(cents, 100)
        grouped = f"{units:,}".replace(",", ".")
        roll = self.rng.random()
        if roll < 0.9:
            return f"{grouped},{rest:02d}"
        if roll < 0.95:
            return f"{units},{rest:02d}"
        return str(units)

    # -- near-duplicates and day-two changes -------------------------------------------------

    def near_duplicate(self, c: Customer) -> tuple[Customer, list[str]]:
        """The same customer as another clerk typed it in: typos, gaps, other formats."""
        rng = self.rng
        changes: list[str] = []
        edits = rng.sample(
            (
                "typo",
                "accent",
                "no_phone",
                "no_email",
                "other_phone",
                "no_cf",
                "email_typo",
                "street",
            ),
            rng.randint(1, 3),
        )
        for edit in edits:
            if edit == "typo":
                if c.is_company:
                    c = replace(c, company=_typo(rng, c.company))
                else:
                    c = replace(c, surname=_typo(rng, c.surname))
            elif edit == "accent":
                plain = "".join(
                    ch
                    for ch in unicodedata.normalize("NFKD", c.name)
                    if not unicodedata.combining(ch)
                )
                c = replace(c, name=plain if plain != c.name else _typo(rng, c.name))
            elif edit == "no_phone":
                c = replace(c, phone="")
            elif edit == "no_email":
                c = replace(c, email="")
            elif edit == "other_phone":
                c = replace(c, phone=self._phone_digits())
            elif edit == "no_cf":
                c = replace(c, cf="")
            elif edit == "email_typo" and c.email:
                c = replace(c, email=_typo(rng, c.email))
            elif edit == "street":
                c = replace(c, number=self._house_number())
            changes.append(edit)
        created = EXPORT_DAY - timedelta(days=rng.randrange(0, 3 * 365))
        return replace(
            c,
            created=created,
            modified=datetime.combine(created, datetime.min.time())
            + timedelta(hours=rng.randint(8, 18)),
        ), changes

    def change_row(self, row: dict[str, str]) -> None:
        """Day two: one to three fields of ``row`` changed in place, and a new ULTIMA_MODIFICA."""
        rng = self.rng
        fresh = self.customer()
        fields = rng.sample(
            ("TELEFONO", "EMAIL", "INDIRIZZO", "FIDO", "CONSENSO_MARKETING", "PEC", "CAP"),
            rng.randint(1, 3),
        )
        for field in fields:
            if field == "TELEFONO":
                row[field] = self._phone(
                    replace(fresh, phone_is_garbage=False, phone=self._phone_digits())
                )
            elif field == "EMAIL":
                row[field] = self._email_case(fresh.email or "nuovo.indirizzo@gmail.com")
            elif field == "INDIRIZZO":
                row[field] = self._address(fresh)
            elif field == "FIDO":
                row[field] = self._money(rng.randrange(0, 10**8))
            elif field == "CONSENSO_MARKETING":
                row[field] = {"SI": "NO", "NO": "SI"}.get(row[field].strip().upper(), "SI")
            elif field == "PEC":
                row[field] = fresh.pec or self._pec(
                    row["COGNOME"] or "ditta", row["NOME"] or "x", row["RAGIONE_SOCIALE"]
                )
            elif field == "CAP":
                row[field] = self._cap(fresh.cap)
        row["ULTIMA_MODIFICA"] = (
            DAY_TWO + timedelta(seconds=rng.randrange(0, 12 * 3600))
        ).strftime("%d/%m/%Y %H:%M:%S")


def _typo(rng: random.Random, text: str) -> str:
    """One keyboard slip: two letters swapped, one dropped, one doubled or one replaced."""
    if len(text) < 3:
        return text + text[-1:]
    i = rng.randrange(1, len(text) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    if kind == 1:
        return text[:i] + text[i + 1 :]
    if kind == 2:
        return text[:i] + text[i] + text[i:]
    return text[:i] + rng.choice("aeiourstnl") + text[i + 1 :]


# -- writing files -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ExportFormat:
    """How the export file is written."""

    encoding: str = "utf-8"
    delimiter: str = ";"
    title_line: bool = False

    def writer(self, handle: TextIO) -> Any:
        """A ``csv.writer`` for ``handle`` (opened with this encoding and ``newline=""``)."""
        return csv.writer(handle, delimiter=self.delimiter, lineterminator="\r\n")

    def write_title(self, writer: Any) -> None:
        """A title line and an empty line above the header, as office exports do."""
        if self.title_line:
            writer.writerow(
                [f"Esportazione clienti al {EXPORT_DAY:%d/%m/%Y}"] + [""] * (len(COLUMNS) - 1)
            )
            writer.writerow([""] * len(COLUMNS))


def customer_rows(
    rows: int, seed: int, duplicates_rate: float
) -> Iterator[tuple[list[str], tuple[str, str, str] | None]]:
    """``rows`` export rows, each with its ground truth when it is a near-duplicate:
    (original CODICE, duplicate CODICE, changes)."""
    factory = CustomerFactory(random.Random(seed))
    recent: deque[tuple[str, Customer]] = deque(maxlen=5000)
    for n in range(1, rows + 1):
        code = f"CL{n:07d}"
        if recent and factory.rng.random() < duplicates_rate:
            original_code, original = factory.rng.choice(recent)
            duplicate, changes = factory.near_duplicate(original)
            yield factory.render(duplicate, code), (original_code, code, "|".join(changes))
            continue
        customer = factory.customer()
        recent.append((code, customer))
        yield factory.render(customer, code), None


def generate(
    out: Path, rows: int, seed: int, fmt: ExportFormat, duplicates_rate: float
) -> Path | None:
    """Write the day-one export; returns the ground-truth file written, if any."""
    out.parent.mkdir(parents=True, exist_ok=True)
    truth_path = out.with_name(out.name + ".duplicates.csv") if duplicates_rate > 0 else None
    with contextlib.ExitStack() as files:
        writer = fmt.writer(files.enter_context(out.open("w", encoding=fmt.encoding, newline="")))
        truth = (
            csv.writer(files.enter_context(truth_path.open("w", encoding="utf-8", newline="")))
            if truth_path
            else None
        )
        fmt.write_title(writer)
        writer.writerow(COLUMNS)
        if truth:
            truth.writerow(("original", "duplicate", "changes"))
        for row, pair in customer_rows(rows, seed, duplicates_rate):
            writer.writerow(row)
            if pair and truth:
                truth.writerow(pair)
    return truth_path


def mutate(
    base: Path,
    out: Path,
    seed: int,
    fmt: ExportFormat,
    changed: float,
    removed: float,
    added: float,
) -> Path:
    """Write the day-two version of ``base``: ``changed``/``removed`` percent of its rows
    changed/removed, ``added`` percent new rows at the end. Returns the changes file."""
    factory = CustomerFactory(random.Random(seed * 7919 + 1))
    changes_path = out.with_name(out.name + ".changes.csv")
    highest = count = 0
    with contextlib.ExitStack() as files:
        reader = csv.reader(
            files.enter_context(base.open(encoding=fmt.encoding, newline="")),
            delimiter=fmt.delimiter,
        )
        writer = fmt.writer(files.enter_context(out.open("w", encoding=fmt.encoding, newline="")))
        log = csv.writer(files.enter_context(changes_path.open("w", encoding="utf-8", newline="")))
        log.writerow(("CODICE", "change"))
        for cells in reader:  # copy title lines up to and including the header
            writer.writerow(cells)
            if cells and cells[0].strip() == "CODICE":
                header = cells
                break
        else:
            raise SystemExit(
                f"{base}: no header row starting with CODICE (wrong --encoding or --delimiter?)"
            )
        for cells in reader:
            row = dict(zip(header, cells))
            code = row["CODICE"].strip()
            highest = max(highest, int(code.upper().removeprefix("CL")))
            count += 1
            roll = factory.rng.random() * 100
            if roll < removed:
                log.writerow((code, "removed"))
                continue
            if roll < removed + changed:
                factory.change_row(row)
                log.writerow((code, "changed"))
            writer.writerow([row[name] for name in header])
        for n in range(highest + 1, highest + 1 + round(count * added / 100)):
            code = f"CL{n:07d}"
            writer.writerow(factory.render(factory.customer(), code))
            log.writerow((code, "added"))
    return changes_path


def main(argv: list[str] | None = None) -> int:
    """The command line (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="CSV file to write")
    parser.add_argument("--rows", type=int, default=100_000, help="rows to write (day one)")
    parser.add_argument("--seed", type=int, default=42, help="random seed: same seed, same file")
    parser.add_argument("--encoding", default="utf-8", choices=("utf-8", "utf-8-sig", "cp1252"))
    parser.add_argument("--delimiter", default=";", help="cell delimiter (default ';')")
    parser.add_argument(
        "--title-line",
        action="store_true",
        help="put a title line and an empty line above the header",
    )
    parser.add_argument(
        "--duplicates-rate",
        type=float,
        default=0.0,
        help="share of rows (0-1) that near-duplicate an earlier customer",
    )
    parser.add_argument(
        "--mutate", type=Path, metavar="BASE", help="write the day-two version of BASE instead"
    )
    parser.add_argument(
        "--changed", type=float, default=5.0, help="with --mutate: percent of rows changed"
    )
    parser.add_argument(
        "--removed", type=float, default=1.0, help="with --mutate: percent of rows removed"
    )
    parser.add_argument(
        "--added", type=float, default=2.0, help="with --mutate: percent of rows added"
    )
    args = parser.parse_args(argv)
    delimiter = "\t" if args.delimiter in ("tab", "\\t") else args.delimiter
    fmt = ExportFormat(args.encoding, delimiter, args.title_line)
    if args.mutate:
        side = mutate(args.mutate, args.out, args.seed, fmt, args.changed, args.removed, args.added)
    else:
        if not 0 <= args.duplicates_rate < 1:
            parser.error("--duplicates-rate must be between 0 and 1")
        side = generate(args.out, args.rows, args.seed, fmt, args.duplicates_rate)
    print(f"wrote {args.out}" + (f" and {side}" if side else ""), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
