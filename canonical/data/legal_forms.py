"""Legal forms of companies: code, label, countries and the ways sources write them.

Spellings are written once with dots where the abbreviation has them: the
matcher makes dots and the spaces between abbreviated letters optional, so
"s.r.l." also matches "srl", "S.R.L", "S. r. l." and "s.r.l". A spelling listed
for several codes (SAS: Italian accomandita semplice, French société par actions
simplifiée) is resolved by the source's country; the first row wins otherwise.
"""

from __future__ import annotations

from typing import NamedTuple


class LegalFormRow(NamedTuple):
    """One legal form: normalised ``code``, human ``label``, ``countries`` (ISO), ``spellings``."""

    code: str
    label: str
    countries: tuple[str, ...]
    spellings: tuple[str, ...]


LEGAL_FORMS: tuple[LegalFormRow, ...] = (
    # Italy
    LegalFormRow(
        "SRL",
        "Società a responsabilità limitata",
        ("IT",),
        (
            "s.r.l.",
            "società a responsabilità limitata",
            "societa a responsabilita limitata",
            "soc. a resp. lim.",
        ),
    ),
    LegalFormRow(
        "SRLS",
        "Società a responsabilità limitata semplificata",
        ("IT",),
        (
            "s.r.l.s.",
            "s.r.l. semplificata",
            "società a responsabilità limitata semplificata",
            "societa a responsabilita limitata semplificata",
        ),
    ),
    LegalFormRow(
        "SPA", "Società per azioni", ("IT",), ("s.p.a.", "società per azioni", "societa per azioni")
    ),
    LegalFormRow(
        "SAPA",
        "Società in accomandita per azioni",
        ("IT",),
        (
            "s.a.p.a.",
            "s.acc.p.a.",
            "società in accomandita per azioni",
            "societa in accomandita per azioni",
        ),
    ),
    LegalFormRow(
        "SAS",
        "Società in accomandita semplice",
        ("IT",),
        ("s.a.s.", "società in accomandita semplice", "societa in accomandita semplice"),
    ),
    LegalFormRow(
        "SNC",
        "Società in nome collettivo",
        ("IT", "FR"),
        (
            "s.n.c.",
            "società in nome collettivo",
            "societa in nome collettivo",
            "société en nom collectif",
            "societe en nom collectif",
        ),
    ),
    LegalFormRow(
        "SS",
        "Società semplice",
        ("IT",),
        ("s.s.", "società semplice", "societa semplice", "società agricola semplice"),
    ),
    LegalFormRow(
        "COOP",
        "Società cooperativa",
        ("IT",),
        (
            "soc. coop.",
            "soc. coop. a r.l.",
            "società cooperativa",
            "societa cooperativa",
            "società cooperativa sociale",
            "coop.",
            "s.c.a.r.l.",
            "s.c.r.l.",
            "s.c. a r.l.",
            "soc. coop. sociale",
            "coop. sociale",
            "cooperativa sociale",
        ),
    ),
    LegalFormRow(
        "SSD",
        "Società sportiva dilettantistica",
        ("IT",),
        ("s.s.d.", "s.s.d. a r.l.", "s.s.d.r.l.", "società sportiva dilettantistica"),
    ),
    LegalFormRow(
        "ASD",
        "Associazione sportiva dilettantistica",
        ("IT",),
        ("a.s.d.", "associazione sportiva dilettantistica"),
    ),
    LegalFormRow(
        "ONLUS", "Organizzazione non lucrativa di utilità sociale", ("IT",), ("o.n.l.u.s.",)
    ),
    LegalFormRow("ETS", "Ente del terzo settore", ("IT",), ("e.t.s.",)),
    # Germany, Austria, Switzerland
    LegalFormRow(
        "GMBH_CO_KG",
        "GmbH & Co. KG",
        ("DE", "AT"),
        ("g.m.b.h. & co. k.g.", "g.m.b.h. und co. k.g.", "g.m.b.h. & co. kg"),
    ),
    LegalFormRow(
        "GMBH",
        "Gesellschaft mit beschränkter Haftung",
        ("DE", "AT", "CH"),
        (
            "g.m.b.h.",
            "gesellschaft mit beschränkter haftung",
            "gesellschaft mit beschrankter haftung",
        ),
    ),
    LegalFormRow(
        "UG",
        "Unternehmergesellschaft (haftungsbeschränkt)",
        ("DE",),
        ("u.g. (haftungsbeschränkt)", "u.g. (haftungsbeschrankt)", "u.g."),
    ),
    LegalFormRow("AG", "Aktiengesellschaft", ("DE", "AT", "CH"), ("a.g.", "aktiengesellschaft")),
    LegalFormRow("KG", "Kommanditgesellschaft", ("DE", "AT"), ("k.g.", "kommanditgesellschaft")),
    LegalFormRow(
        "OHG", "Offene Handelsgesellschaft", ("DE",), ("o.h.g.", "offene handelsgesellschaft")
    ),
    LegalFormRow("EK", "Eingetragener Kaufmann", ("DE",), ("e.k.", "e.kfm.")),
    # United Kingdom, Ireland, United States
    LegalFormRow("LTD", "Private company limited by shares", ("GB", "IE"), ("ltd.", "limited")),
    LegalFormRow(
        "PLC", "Public limited company", ("GB", "IE"), ("p.l.c.", "public limited company")
    ),
    LegalFormRow(
        "LLP",
        "Limited liability partnership",
        ("GB", "US"),
        ("l.l.p.", "limited liability partnership"),
    ),
    LegalFormRow(
        "LLC", "Limited liability company", ("US",), ("l.l.c.", "limited liability company")
    ),
    LegalFormRow("INC", "Incorporated", ("US",), ("inc.", "incorporated")),
    LegalFormRow("CORP", "Corporation", ("US",), ("corp.", "corporation")),
    # France, Belgium, Luxembourg, Spain, Portugal
    LegalFormRow(
        "SAS_FR",
        "Société par actions simplifiée",
        ("FR",),
        ("s.a.s.", "société par actions simplifiée", "societe par actions simplifiee"),
    ),
    LegalFormRow("SASU", "Société par actions simplifiée unipersonnelle", ("FR",), ("s.a.s.u.",)),
    LegalFormRow(
        "SARL",
        "Société à responsabilité limitée",
        ("FR", "LU", "BE", "CH"),
        (
            "s.a.r.l.",
            "s.à r.l.",
            "société à responsabilité limitée",
            "societe a responsabilite limitee",
        ),
    ),
    LegalFormRow(
        "EURL", "Entreprise unipersonnelle à responsabilité limitée", ("FR",), ("e.u.r.l.",)
    ),
    LegalFormRow(
        "SA",
        "Société anonyme / Sociedad anónima",
        ("FR", "BE", "LU", "CH", "ES", "PT"),
        ("s.a.", "société anonyme", "societe anonyme", "sociedad anónima", "sociedad anonima"),
    ),
    LegalFormRow(
        "SL",
        "Sociedad limitada",
        ("ES",),
        ("s.l.", "s.l.u.", "sociedad limitada", "sociedad de responsabilidad limitada"),
    ),
    LegalFormRow("LDA", "Sociedade por quotas", ("PT",), ("lda.", "ltda.", "limitada")),
    # Benelux, Nordics, Central Europe
    LegalFormRow("BV", "Besloten vennootschap", ("NL", "BE"), ("b.v.", "besloten vennootschap")),
    LegalFormRow("NV", "Naamloze vennootschap", ("NL", "BE"), ("n.v.", "naamloze vennootschap")),
    LegalFormRow("AB", "Aktiebolag", ("SE", "FI"), ("a.b.", "aktiebolag")),
    LegalFormRow("AS", "Aksjeselskap / Aktieselskab", ("NO", "DK"), ("a.s.", "a/s")),
    LegalFormRow("APS", "Anpartsselskab", ("DK",), ("aps",)),
    LegalFormRow("OY", "Osakeyhtiö", ("FI",), ("oy", "oyj")),
    LegalFormRow(
        "SPZOO", "Spółka z ograniczoną odpowiedzialnością", ("PL",), ("sp. z o.o.", "spółka z o.o.")
    ),
    LegalFormRow("SRO", "Společnost s ručením omezeným", ("CZ", "SK"), ("s.r.o.",)),
    LegalFormRow("KFT", "Korlátolt felelősségű társaság", ("HU",), ("kft.",)),
    LegalFormRow("DOO", "Društvo s ograničenom odgovornošću", ("HR", "SI", "RS"), ("d.o.o.",)),
    LegalFormRow("SE", "Societas Europaea", ("EU",), ("s.e.", "societas europaea")),
)

# Forms that Italian sources also write before the name ("A.S.D. Calcio Milano"). Any
# form may lead when followed by "di" ("S.a.s. di Rossi Mario & C.").
LEADING_FORMS: frozenset[str] = frozenset({"ASD", "SSD", "COOP", "ONLUS"})

# Words that may follow a legal form and describe the company's state, not its name.
LEGAL_FORM_QUALIFIERS: dict[str, str] = {
    "unipersonale": "single_member",
    "a socio unico": "single_member",
    "con socio unico": "single_member",
    "in liquidazione": "in_liquidation",
    "in liquidation": "in_liquidation",
    "in fallimento": "bankrupt",
    "in concordato preventivo": "composition_with_creditors",
}
