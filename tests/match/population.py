"""A small seeded population of MatchRecords with known duplicates, for the match tests.

Each entity (person or company) appears 1-3 times with typical noise: typos, missing fields,
case and dot variants of e-mails, abbreviated streets, swapped names, legal-form variants.
``truth`` maps record id -> entity id.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from crmhub.match import MatchRecord

SYLLABLES = [
    "ba",
    "be",
    "bi",
    "bo",
    "ca",
    "ce",
    "co",
    "da",
    "de",
    "di",
    "fa",
    "fe",
    "go",
    "la",
    "le",
    "li",
    "lo",
    "ma",
    "me",
    "mi",
    "mo",
    "na",
    "ne",
    "no",
    "pa",
    "pe",
    "po",
    "ra",
    "re",
    "ri",
    "ro",
    "sa",
    "se",
    "si",
    "so",
    "ta",
    "te",
    "to",
    "va",
    "ve",
    "vi",
    "za",
    "zo",
]
GIVEN = [
    "Mario",
    "Luca",
    "Paolo",
    "Anna",
    "Giulia",
    "Marco",
    "Sara",
    "Elena",
    "Giorgio",
    "Chiara",
    "Franco",
    "Laura",
    "Nicolò",
    "Matteo",
    "Sofia",
    "Pietro",
    "Irene",
    "Carlo",
    "Marta",
    "Bruno",
]
CITIES = (
    ("Roma", "00185"),
    ("Milano", "20121"),
    ("Torino", "10121"),
    ("Napoli", "80121"),
    ("Bologna", "40121"),
    ("Firenze", "50121"),
)
STREETS = ("Garibaldi", "Mazzini", "Cavour", "Verdi", "Dante", "Marconi", "Roma", "Manzoni")


@dataclass
class Population:
    """Records and their true entities."""

    records: list[MatchRecord] = field(default_factory=list)
    truth: dict[str, str] = field(default_factory=dict)
    #: record id -> the raw values its MatchRecord was built from (kind included)
    values: dict[str, dict[str, object]] = field(default_factory=dict)

    def add(self, record: MatchRecord, entity: str) -> MatchRecord:
        self.records.append(record)
        self.truth[record.id] = entity
        return record

    def add_values(self, rid: str, entity: str, kind: str, values: dict[str, object]) -> None:
        """Add the record built from raw ``values`` (and keep them for :func:`party_source`)."""
        self.add(MatchRecord.from_values(rid, kind, **values), entity)  # type: ignore[arg-type]
        self.values[rid] = {"kind": kind, **values}


def _surname(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(3)).capitalize() + rng.choice("aeio")


def _typo(rng: random.Random, text: str) -> str:
    i = rng.randrange(1, len(text) - 1)
    return text[:i] + text[i + 1] + text[i] + text[i + 2 :]


def person_entity(rng: random.Random, n: int) -> dict[str, str]:
    city, postcode = rng.choice(CITIES)
    given, family = rng.choice(GIVEN), _surname(rng)
    return {
        "given": given,
        "family": family,
        "dob": f"{rng.randint(1940, 2000)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        "email": f"{given.lower()}.{family.lower()}{n}@example.it",
        "phone": f"+393{rng.randint(10**8, 10**9 - 1)}",
        "street": f"Via {rng.choice(STREETS)}",
        "number": str(rng.randint(1, 200)),
        "postcode": postcode,
        "city": city,
    }


def person_record(
    rng: random.Random, rid: str, e: dict[str, str], noisy: bool, source: str = ""
) -> MatchRecord:
    return MatchRecord.from_values(rid, "person", **person_values(rng, e, noisy, source))


def person_values(
    rng: random.Random, e: dict[str, str], noisy: bool, source: str = ""
) -> dict[str, object]:
    given, family, email, street = e["given"], e["family"], e["email"], e["street"]
    if noisy:
        roll = rng.random()
        if roll < 0.3:
            family = _typo(rng, family)
        elif roll < 0.4:
            given, family = family, given
        if rng.random() < 0.3:
            email = email.upper()
        if rng.random() < 0.3:
            street = street.replace("Via", "V.")
    keep = (lambda p: rng.random() < p) if noisy else (lambda p: True)
    return {
        "source": source,
        "given_name": given,
        "family_name": family,
        "emails": [email] if keep(0.8) else [],
        "phones": [e["phone"]] if keep(0.7) else [],
        "birth_date": e["dob"] if keep(0.7) else None,
        "street": street,
        "house_number": e["number"],
        "postcode": e["postcode"],
        "city": e["city"],
    }


def company_entity(rng: random.Random, n: int) -> dict[str, str]:
    city, postcode = rng.choice(CITIES)
    name = f"{_surname(rng)} {rng.choice(('Costruzioni', 'Impianti', 'Trasporti'))}"
    return {
        "name": name,
        "vat": f"{rng.randint(10**10, 10**11 - 1)}",
        "city": city,
        "postcode": postcode,
        "email": f"info@{name.lower().replace(' ', '')}{n}.it",
        "street": f"Via {rng.choice(STREETS)}",
        "number": str(rng.randint(1, 200)),
    }


def company_record(rng: random.Random, rid: str, e: dict[str, str], noisy: bool) -> MatchRecord:
    return MatchRecord.from_values(rid, "organization", **company_values(rng, e, noisy))


def company_values(rng: random.Random, e: dict[str, str], noisy: bool) -> dict[str, object]:
    suffix = rng.choice(("S.r.l.", "SRL", "srl", "")) if noisy else "S.r.l."
    vat = ("IT" if rng.random() < 0.5 else "") + e["vat"]
    return {
        "company_name": f"{e['name']} {suffix}".strip(),
        "vat": vat if (not noisy or rng.random() < 0.8) else None,
        "emails": [e["email"]],
        "street": e["street"],
        "house_number": e["number"],
        "postcode": e["postcode"],
        "city": e["city"],
    }


def build(n_entities: int = 600, seed: int = 7, company_share: float = 0.2) -> Population:
    """Entities seen 1-3 times each; the first record of an entity is clean."""
    rng = random.Random(seed)
    population = Population()
    for n in range(n_entities):
        entity = f"E{n:05d}"
        company = rng.random() < company_share
        data = company_entity(rng, n) if company else person_entity(rng, n)
        for copy in range(rng.choice((1, 1, 2, 2, 3))):
            rid = f"{entity}-{copy}"
            if company:
                population.add_values(
                    rid, entity, "organization", company_values(rng, data, copy > 0)
                )
            else:
                population.add_values(rid, entity, "person", person_values(rng, data, copy > 0))
    return population


def party_source(values: dict[str, object]) -> dict[str, object]:
    """A source record (as a connector reads it, for ``Party.from_source``) carrying the raw
    values of one population record."""
    v = dict(values)
    address = {
        key: v.pop(name)
        for key, name in (
            ("street", "street"),
            ("house_number", "house_number"),
            ("postcode", "postcode"),
            ("city", "city"),
        )
        if v.get(name)
    }
    data: dict[str, object] = {
        "emails": list(v.get("emails", [])),
        "phones": list(v.get("phones", [])),
        "addresses": [{**address, "country": "IT"}] if address else [],
    }
    if v["kind"] == "organization":
        data["organization"] = {"legal_name": v["company_name"], "vat_id": v.get("vat")}
    else:
        data["person"] = {
            "given_name": v["given_name"],
            "family_name": v["family_name"],
            "birth_date": v.get("birth_date"),
        }
    return data
