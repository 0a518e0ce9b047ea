"""Generate a realistic multi-system Italian CRM data set with ground truth.

People and companies are seen in 1-4 systems (ERP, e-commerce, marketing, CRM), each with its
own habits: missing fields, formats, typos, swapped given/family names, day/month swaps,
abbreviated streets, legal-form variants, VAT with and without the IT prefix, second
mailboxes. Hard negatives are built in: relatives at one address sharing a landline (father
and son, sometimes with the same given name), namesakes in other cities, look-alike
companies, group companies sharing a switchboard, and a call-centre number and a shared
mailbox typed into many records (keys that must be demoted).

    python bench/match/generate_crm.py --records 100000 --out bench/data/crm_100k.csv

Columns: record_id, entity_id, source, kind, given_name, family_name, company_name, email,
email2, phone, phone2, vat, codice_fiscale, birth_date, street, house_number, postcode, city.
Values are as a source system would hold them after canonical normalisation of phones (E.164)
and e-mails; names, streets and companies keep their raw spelling.
"""

from __future__ import annotations

import argparse
import csv
import random
import string
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from stdnum.it import codicefiscale

COLUMNS = (
    "record_id",
    "entity_id",
    "source",
    "kind",
    "given_name",
    "family_name",
    "company_name",
    "email",
    "email2",
    "phone",
    "phone2",
    "vat",
    "codice_fiscale",
    "birth_date",
    "street",
    "house_number",
    "postcode",
    "city",
)

MALE = [
    "Marco",
    "Giuseppe",
    "Giovanni",
    "Antonio",
    "Mario",
    "Luigi",
    "Francesco",
    "Alessandro",
    "Andrea",
    "Luca",
    "Matteo",
    "Lorenzo",
    "Davide",
    "Stefano",
    "Paolo",
    "Roberto",
    "Simone",
    "Federico",
    "Riccardo",
    "Nicolò",
    "Gabriele",
    "Fabio",
    "Salvatore",
    "Vincenzo",
    "Pietro",
    "Emanuele",
    "Tommaso",
    "Daniele",
    "Michele",
    "Claudio",
    "Massimo",
    "Sergio",
    "Alberto",
    "Filippo",
    "Enrico",
    "Raffaele",
    "Carlo",
    "Giorgio",
    "Domenico",
    "Cristian",
    "Mattia",
    "Leonardo",
    "Edoardo",
    "Diego",
    "Samuele",
    "Christian",
    "Jacopo",
    "Ivan",
    "Gianluca",
    "Angelo",
    "Rocco",
    "Gaetano",
    "Pasquale",
    "Ciro",
]
FEMALE = [
    "Maria",
    "Anna",
    "Giulia",
    "Francesca",
    "Chiara",
    "Sara",
    "Laura",
    "Valentina",
    "Alessia",
    "Martina",
    "Elena",
    "Silvia",
    "Federica",
    "Paola",
    "Roberta",
    "Giovanna",
    "Rosa",
    "Angela",
    "Lucia",
    "Elisa",
    "Ilaria",
    "Alice",
    "Sofia",
    "Aurora",
    "Giorgia",
    "Beatrice",
    "Noemi",
    "Camilla",
    "Marta",
    "Arianna",
    "Serena",
    "Claudia",
    "Monica",
    "Barbara",
    "Simona",
    "Cristina",
    "Daniela",
    "Patrizia",
    "Antonella",
    "Veronica",
    "Erica",
    "Debora",
    "Rita",
    "Caterina",
    "Letizia",
    "Carmela",
    "Teresa",
    "Luisa",
    "Fabiola",
    "Graziella",
    "Nicoletta",
    "Irene",
    "Greta",
    "Ludovica",
]
SURNAMES = (
    (
        "Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco Bruno Gallo "
        "Conti De_Luca Mancini Costa Giordano Rizzo Lombardi Moretti Barbieri Fontana "
        "Santoro Mariani Rinaldi Caruso Ferrara Galli Martini Leone Longo Gentile Martinelli "
        "Vitale Lombardo Serra Coppola De_Santis D'Angelo Marchetti Parisi Villa Conte "
        "Ferraro Ferri Fabbri Bianco Marini Grasso Valentini Messina Sala De_Angelis Gatti "
        "Pellegrini Palumbo Sanna Farina Rizzi Monti Cattaneo Morelli Amato Silvestri Mazza "
        "Testa Grassi Pellegrino Carbone Giuliani Benedetti Barone Rossetti Caputo Montanari "
        "Guerra Palmieri Bernardi Martino Fiore De_Rosa Ferretti Bellini Basile Riva Donati "
        "Piras Vitali Battaglia Sartori Neri Costantini Milani Pagano Ruggiero Sorrentino "
        "D'Amico Orlando Damico Negri"
    )
    .replace("_", " ")
    .split()
)
COMMON_SURNAMES = frozenset(SURNAMES)
SYLLABLES = [
    "ba",
    "be",
    "bi",
    "bo",
    "bu",
    "ca",
    "ce",
    "ci",
    "co",
    "cu",
    "da",
    "de",
    "di",
    "do",
    "fa",
    "fe",
    "fi",
    "fo",
    "ga",
    "ge",
    "gi",
    "go",
    "la",
    "le",
    "li",
    "lo",
    "lu",
    "ma",
    "me",
    "mi",
    "mo",
    "mu",
    "na",
    "ne",
    "ni",
    "no",
    "pa",
    "pe",
    "pi",
    "po",
    "ra",
    "re",
    "ri",
    "ro",
    "ru",
    "sa",
    "se",
    "si",
    "so",
    "ta",
    "te",
    "ti",
    "to",
    "tu",
    "va",
    "ve",
    "vi",
    "vo",
    "za",
    "ze",
    "zi",
    "zo",
    "gna",
    "gno",
    "glia",
    "ghe",
    "chi",
    "sca",
    "sci",
    "spa",
    "sto",
    "tra",
    "tri",
]
ENDINGS = ["i", "o", "a", "e", "ini", "ello", "etti", "one", "ucci", "azzi", "ano", "ese"]
CITIES = (  # city, CAP base, CAP spread, province code for CF (Belfiore), weight
    ("Roma", 118, 81, "H501", 28),
    ("Milano", 20121, 40, "F205", 14),
    ("Napoli", 80121, 27, "F839", 9),
    ("Torino", 10121, 35, "L219", 8),
    ("Palermo", 90121, 30, "G273", 6),
    ("Genova", 16121, 45, "D969", 5),
    ("Bologna", 40121, 20, "A944", 4),
    ("Firenze", 50121, 24, "D612", 4),
    ("Bari", 70121, 11, "A662", 3),
    ("Catania", 95121, 11, "C351", 3),
    ("Venezia", 30121, 53, "L736", 3),
    ("Verona", 37121, 18, "L781", 3),
    ("Messina", 98121, 48, "F158", 2),
    ("Padova", 35121, 21, "G224", 2),
    ("Trieste", 34121, 28, "L424", 2),
    ("Brescia", 25121, 15, "B157", 2),
    ("Parma", 43121, 5, "G337", 2),
    ("Prato", 59100, 0, "G999", 1),
    ("Modena", 41121, 5, "F257", 1),
    ("Reggio Calabria", 89121, 14, "H224", 1),
    ("Perugia", 6121, 14, "G478", 1),
    ("Livorno", 57121, 7, "E625", 1),
    ("Ravenna", 48121, 4, "H199", 1),
    ("Cagliari", 9121, 13, "B354", 1),
    ("Foggia", 71121, 1, "D643", 1),
    ("Rimini", 47921, 3, "H294", 1),
    ("Salerno", 84121, 11, "H703", 1),
    ("Ferrara", 44121, 3, "D548", 1),
    ("Sassari", 7100, 0, "I452", 1),
    ("Latina", 4100, 0, "E472", 1),
    ("Monza", 20900, 0, "F704", 1),
    ("Bergamo", 24121, 8, "A794", 1),
    ("Pescara", 65121, 8, "G482", 1),
    ("Trento", 38121, 2, "L378", 1),
    ("Vicenza", 36100, 0, "L840", 1),
    ("Lecce", 73100, 0, "E506", 1),
    ("Sant'Elpidio a Mare", 63811, 0, "I324", 1),
    ("Forlì", 47121, 2, "D704", 1),
    ("Cantù", 22063, 0, "B639", 1),
)
STREET_TYPES = (
    ("Via", ("Via", "V.", "via", "VIA")),
    ("Viale", ("Viale", "V.le")),
    ("Piazza", ("Piazza", "P.zza", "P.za", "piazza")),
    ("Corso", ("Corso", "C.so")),
    ("Largo", ("Largo", "L.go")),
    ("Vicolo", ("Vicolo", "Vic.")),
)
STREET_NAMES = (
    (
        "Roma Garibaldi Mazzini Cavour Dante Alighieri Verdi Matteotti Marconi Gramsci "
        "Manzoni Vittorio_Emanuele_II XX_Settembre IV_Novembre Kennedy Leopardi Carducci "
        "Pascoli Galilei Colombo Puccini Battisti Nazionale Repubblica Libertà Indipendenza "
        "dei_Mille della_Pace San_Francesco Santa_Maria delle_Rose dei_Tigli Torino Milano "
        "Napoli Venezia Firenze Trieste Bologna Dalla_Chiesa Falcone Borsellino Moro "
        "Einaudi De_Gasperi Gobetti Rosselli Don_Minzoni Fermi Volta Meucci Pirandello "
        "Foscolo Petrarca Boccaccio Ariosto Tasso Machiavelli Michelangelo Raffaello "
        "Leonardo_da_Vinci Giotto Bellini Rossini Donizetti"
    )
    .replace("_", " ")
    .split()
)
PROVIDERS = (
    "gmail.com",
    "libero.it",
    "hotmail.it",
    "yahoo.it",
    "alice.it",
    "virgilio.it",
    "tiscali.it",
    "outlook.it",
    "icloud.com",
    "fastwebnet.it",
)
ACTIVITIES = [
    "Costruzioni",
    "Impianti",
    "Trasporti",
    "Alimentari",
    "Informatica",
    "Consulting",
    "Immobiliare",
    "Edilizia",
    "Servizi",
    "Meccanica",
    "Arredamenti",
    "Elettronica",
    "Logistica",
    "Ristorazione",
    "Tessile",
    "Commerciale",
    "Ingegneria",
    "Automazione",
    "Energia",
    "Farmaceutica",
    "Grafica",
    "Marmi",
    "Vini",
    "Serramenti",
    "Ceramiche",
]
LEGAL_FORMS = (
    ("S.r.l.", "SRL", "Srl", "s.r.l.", "S.R.L.", ""),
    ("S.p.A.", "SPA", "Spa", ""),
    ("S.n.c.", "SNC", "snc", ""),
    ("S.a.s.", "SAS", ""),
    ("S.r.l.s.", "SRLS", ""),
)
SOURCES = ("erp", "ecommerce", "marketing", "crm")
#: Probability that a source holds each field (the rest is missing).
FIELD_PRESENCE = {
    "erp": {"email": 0.55, "phone": 0.8, "dob": 0.75, "cf": 0.85, "address": 0.97, "vat": 0.97},
    "ecommerce": {
        "email": 1.0,
        "phone": 0.75,
        "dob": 0.25,
        "cf": 0.05,
        "address": 0.92,
        "vat": 0.6,
    },
    "marketing": {"email": 1.0, "phone": 0.35, "dob": 0.35, "cf": 0.0, "address": 0.35, "vat": 0.3},
    "crm": {"email": 0.85, "phone": 0.85, "dob": 0.5, "cf": 0.4, "address": 0.8, "vat": 0.9},
}
CALL_CENTRE = "390200000000"
SHARED_MAILBOX = "info@gmail.com"


@dataclass
class Entity:
    """The truth about one customer."""

    id: str
    kind: str
    given: str = ""
    family: str = ""
    company: str = ""
    legal_forms: tuple[str, ...] = ()
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    vat: str = ""
    cf: str = ""
    dob: str = ""
    street_type: int = 0
    street: str = ""
    number: str = ""
    postcode: str = ""
    city: str = ""


class Generator:
    """Seeded generator of entities and their source records."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.surnames = list(SURNAMES) + self._synthetic_surnames(6000)
        # Zipf-like: the famous surnames are common, the long tail is rare.
        self.surname_weights = [1.0 / (i + 1) ** 0.9 for i in range(len(self.surnames))]
        self.city_weights = [c[4] for c in CITIES]
        self.used_emails: set[str] = set()
        self.used_vat: set[str] = set()
        self.counter = 0

    def _synthetic_surnames(self, n: int) -> list[str]:
        rng, out = random.Random(7), set()
        while len(out) < n:
            word = "".join(rng.choice(SYLLABLES) for _ in range(rng.choice((1, 2, 2, 3))))
            out.add((word + rng.choice(ENDINGS)).capitalize())
        return sorted(out)

    def _next_id(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter:08d}"

    # ---- entities ---------------------------------------------------------------------------

    def person(
        self,
        family: str | None = None,
        home: Entity | None = None,
        given: str | None = None,
        dob_year: int | None = None,
    ) -> Entity:
        rng = self.rng
        male = rng.random() < 0.5
        given = given or rng.choice(MALE if male else FEMALE)
        male = given in MALE
        family = family or rng.choices(self.surnames, self.surname_weights)[0]
        year = dob_year or rng.randint(1940, 2006)
        month, day = rng.randint(1, 12), rng.randint(1, 28)
        dob = f"{year:04d}-{month:02d}-{day:02d}"
        entity = Entity(self._next_id("P"), "person", given=given, family=family, dob=dob)
        if home is not None:
            entity.street_type, entity.street, entity.number = (
                home.street_type,
                home.street,
                home.number,
            )
            entity.postcode, entity.city = home.postcode, home.city
            entity.phones = [home.phones[0]] if home.phones else []
        else:
            self._address(entity)
            entity.phones = [self._landline()] if rng.random() < 0.3 else []
        city = next(c for c in CITIES if c[0] == entity.city)
        entity.cf = self._codice_fiscale(family, given, year, month, day, male, city[3])
        if rng.random() < 0.85:
            entity.phones.insert(0, self._mobile())
        entity.emails = [self._email(given, family)]
        if rng.random() < 0.25:
            entity.emails.append(self._email(given, family))
        return entity

    def company(self, base: str | None = None, near: Entity | None = None) -> Entity:
        rng = self.rng
        base = base or rng.choice(
            (
                rng.choices(self.surnames, self.surname_weights)[0],
                rng.choice(STREET_NAMES).split()[-1],
            )
        )
        name = f"{base} {rng.choice(ACTIVITIES)}"
        if rng.random() < 0.2:
            name += " " + rng.choice(("Italia", "Group", "Sud", "Nord", "& Figli", "Edile"))
        entity = Entity(
            self._next_id("C"),
            "organization",
            company=name,
            legal_forms=rng.choice(LEGAL_FORMS),
            vat=self._vat(),
        )
        if near is not None:
            entity.city, entity.postcode = near.city, near.postcode
            entity.street_type, entity.street = near.street_type, near.street
            entity.number = str(rng.randint(1, 200))
            entity.phones = [near.phones[0] if rng.random() < 0.3 else self._landline()]
        else:
            self._address(entity)
            entity.phones = [self._landline()]
        slug = "".join(ch for ch in name.lower() if ch.isalnum())[:20]
        while f"info@{slug}.it" in self.used_emails:  # a look-alike company has its own domain
            slug += str(rng.randint(0, 9))
        self.used_emails.add(f"info@{slug}.it")
        entity.emails = [f"{rng.choice(('info', 'amministrazione', 'commerciale'))}@{slug}.it"]
        if rng.random() < 0.5:
            entity.emails.append(f"{slug}@pec.it")
        return entity

    def _address(self, entity: Entity) -> None:
        rng = self.rng
        city = rng.choices(CITIES, self.city_weights)[0]
        entity.city = city[0]
        entity.postcode = f"{city[1] + rng.randint(0, city[2]):05d}"
        entity.street_type = rng.randrange(len(STREET_TYPES))
        entity.street = rng.choice(STREET_NAMES)
        entity.number = str(rng.randint(1, 250)) + (
            rng.choice("ABC") if rng.random() < 0.05 else ""
        )

    def _mobile(self) -> str:
        return "393" + "".join(self.rng.choices(string.digits, k=9))

    def _landline(self) -> str:
        return "390" + "".join(self.rng.choices(string.digits, k=rng_len(self.rng)))

    def _email(self, given: str, family: str) -> str:
        rng = self.rng
        g = _ascii(given).lower().replace(" ", "").replace("'", "")
        f = _ascii(family).lower().replace(" ", "").replace("'", "")
        pattern = rng.choice(
            (
                f"{g}.{f}",
                f"{g}{f}",
                f"{g[0]}.{f}",
                f"{f}.{g}",
                f"{g}_{f}",
                f"{g}.{f}{rng.randint(1, 99)}",
                f"{f}{g[0]}",
            )
        )
        email = f"{pattern}@{rng.choice(PROVIDERS)}"
        while email in self.used_emails:
            email = f"{pattern}{rng.randint(1, 9999)}@{rng.choice(PROVIDERS)}"
        self.used_emails.add(email)
        return email

    def _vat(self) -> str:
        while True:
            body = "".join(self.rng.choices(string.digits, k=10))
            vat = body + _luhn_digit(body)
            if vat not in self.used_vat:
                self.used_vat.add(vat)
                return vat

    @staticmethod
    def _codice_fiscale(
        family: str, given: str, year: int, month: int, day: int, male: bool, place: str
    ) -> str:
        def consonants(name: str) -> tuple[str, str]:
            letters = "".join(ch for ch in _ascii(name).upper() if ch.isalpha())
            return (
                "".join(c for c in letters if c not in "AEIOU"),
                "".join(c for c in letters if c in "AEIOU"),
            )

        fc, fv = consonants(family)
        gc, gv = consonants(given)
        family_part = (fc + fv + "XXX")[:3]
        given_part = (gc[0] + gc[2] + gc[3]) if len(gc) >= 4 else (gc + gv + "XXX")[:3]
        code = (
            f"{family_part}{given_part}{year % 100:02d}{'ABCDEHLMPRST'[month - 1]}"
            f"{day + (0 if male else 40):02d}{place}"
        )
        return code + codicefiscale.calc_check_digit(code)

    # ---- source records ---------------------------------------------------------------------

    def appearances(self, entity: Entity) -> Iterator[dict[str, str]]:
        rng = self.rng
        n = rng.choices((1, 2, 3, 4), (0.42, 0.3, 0.17, 0.11))[0]
        for source in rng.sample(SOURCES, n):
            yield self.record(entity, source)

    def record(self, e: Entity, source: str) -> dict[str, str]:
        rng = self.rng
        has = FIELD_PRESENCE[source]
        row = dict.fromkeys(COLUMNS, "")
        row.update(record_id=self._next_id("R"), entity_id=e.id, source=source, kind=e.kind)
        if e.kind == "person":
            given, family = _typo(rng, e.given, 0.06), _typo(rng, e.family, 0.06)
            if rng.random() < 0.08:
                given, family = _ascii(given), _ascii(family)
            if rng.random() < 0.04:
                given, family = family, given
            if source == "marketing" and rng.random() < 0.1:
                given = given[0] + "."
            row.update(given_name=given, family_name=family)
            if rng.random() < has["dob"]:
                row["birth_date"] = _dob_variant(rng, e.dob)
            if rng.random() < has["cf"]:
                row["codice_fiscale"] = e.cf
        else:
            name = _typo(rng, e.company, 0.04)
            form = rng.choice(e.legal_forms)
            row["company_name"] = f"{name} {form}".strip() if rng.random() < 0.8 else name
            if rng.random() < has["vat"]:
                row["vat"] = ("IT" if rng.random() < 0.5 else "") + e.vat
        emails = list(e.emails)
        if emails and rng.random() < has["email"]:
            chosen = emails[0] if len(emails) == 1 or rng.random() < 0.7 else emails[1]
            row["email"] = _email_variant(rng, chosen)
            if len(emails) > 1 and rng.random() < 0.2:
                row["email2"] = emails[1] if chosen == emails[0] else emails[0]
        if e.phones and rng.random() < has["phone"]:
            row["phone"] = rng.choice(e.phones)
            if len(e.phones) > 1 and rng.random() < 0.3:
                row["phone2"] = next(p for p in e.phones if p != row["phone"])
        if rng.random() < 0.004:
            row["phone"] = CALL_CENTRE  # a call-centre number typed in by an agent
        if e.kind == "person" and rng.random() < 0.002:
            row["email"] = SHARED_MAILBOX
        if rng.random() < has["address"]:
            street_type = rng.choice(STREET_TYPES[e.street_type][1])
            row["street"] = f"{street_type} {_typo(rng, e.street, 0.04)}"
            row["house_number"] = e.number if rng.random() < 0.92 else ""
            row["postcode"] = _typo_digits(rng, e.postcode, 0.02)
            row["city"] = _city_variant(rng, e.city)
        return row


def rng_len(rng: random.Random) -> int:
    return rng.choice((8, 9))


def _ascii(text: str) -> str:
    return (
        text.replace("ò", "o")
        .replace("ì", "i")
        .replace("à", "a")
        .replace("è", "e")
        .replace("ù", "u")
        .replace("é", "e")
    )


def _luhn_digit(body: str) -> str:
    """Partita IVA check digit (Luhn variant used by the Agenzia delle Entrate)."""
    total = 0
    for i, ch in enumerate(body):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            d = d - 9 if d > 9 else d
        total += d
    return str((10 - total % 10) % 10)


def _typo(rng: random.Random, text: str, rate: float) -> str:
    """One random edit (substitution, deletion, insertion, transposition) with ``rate``."""
    if not text or rng.random() >= rate or len(text) < 3:
        return text
    i = rng.randrange(1, len(text) - 1)
    letter = rng.choice("aeioulnrstcm")
    kind = rng.randrange(4)
    if kind == 0:
        return text[:i] + letter + text[i + 1 :]
    if kind == 1:
        return text[:i] + text[i + 1 :]
    if kind == 2:
        return text[:i] + letter + text[i:]
    return text[: i - 1] + text[i] + text[i - 1] + text[i + 1 :]


def _typo_digits(rng: random.Random, digits: str, rate: float) -> str:
    if not digits or rng.random() >= rate:
        return digits
    i = rng.randrange(len(digits))
    return digits[:i] + rng.choice(string.digits) + digits[i + 1 :]


def _dob_variant(rng: random.Random, dob: str) -> str:
    year, month, day = dob.split("-")
    roll = rng.random()
    if roll < 0.03 and int(day) <= 12:
        return f"{year}-{day}-{month}"  # day and month swapped on entry
    if roll < 0.05:
        return f"{year}-{month}-{_typo_digits(rng, day, 1.0)}"
    return rng.choice((dob, f"{day}/{month}/{year}")) if roll < 0.5 else dob


def _email_variant(rng: random.Random, email: str) -> str:
    roll = rng.random()
    local, _, domain = email.partition("@")
    if roll < 0.1:
        return email.upper() if rng.random() < 0.3 else email.capitalize()
    if roll < 0.14 and "." in local:
        return local.replace(".", "", 1) + "@" + domain
    return email


def _city_variant(rng: random.Random, city: str) -> str:
    roll = rng.random()
    if roll < 0.1:
        return city.upper()
    if roll < 0.15:
        return _ascii(city)
    return _typo(rng, city, 0.03)


def generate(n_records: int, seed: int = 1) -> Iterator[dict[str, str]]:
    """Yield about ``n_records`` source records (stops exactly at ``n_records``)."""
    gen = Generator(seed)
    rng = gen.rng
    produced = 0
    while produced < n_records:
        group = _entity_group(gen, rng)
        for entity in group:
            for row in gen.appearances(entity):
                yield row
                produced += 1
                if produced >= n_records:
                    return


def _entity_group(gen: Generator, rng: random.Random) -> list[Entity]:
    """One entity, sometimes with its hard negatives (relative, namesake, look-alike)."""
    if rng.random() < 0.2:
        company = gen.company()
        group = [company]
        if rng.random() < 0.12:
            base = company.company.split()[0]
            group.append(gen.company(base=base, near=company if rng.random() < 0.5 else None))
        return group
    person = gen.person()
    group = [person]
    roll = rng.random()
    if roll < 0.10:  # a relative at the same address, sharing the landline (or mobile)
        year = int(person.dob[:4])
        junior = rng.random() < 0.05
        relative = gen.person(
            family=person.family,
            home=person,
            given=person.given if junior else None,
            dob_year=min(year + rng.randint(20, 32), 2008)
            if rng.random() < 0.7
            else max(year - rng.randint(20, 32), 1920),
        )
        if not person.phones or rng.random() < 0.5:
            shared = gen._landline()
            person.phones.append(shared)
            relative.phones.append(shared)
        group.append(relative)
    elif roll < 0.13 and person.family in COMMON_SURNAMES:
        # a namesake elsewhere: two people share a name about as often as the name is common
        group.append(gen.person(family=person.family, given=person.given))
    return group


def write_csv(path: Path, n_records: int, seed: int) -> int:
    """Write the data set; returns the number of rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        for row in generate(n_records, seed):
            writer.writerow(row)
            count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    out = args.out or Path(f"bench/data/crm_{args.records}_s{args.seed}.csv")
    rows = write_csv(out, args.records, args.seed)
    print(f"wrote {rows} records to {out}")


if __name__ == "__main__":
    main()
