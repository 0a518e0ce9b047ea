"""Text folding and match keys: the normalised forms every comparison and blocking key reads.

All functions here are pure and cached, because the same names, cities and streets repeat
across many records.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import jellyfish

from canonical.data.street_types import STREET_TYPES
from canonical.normalise.email import email_match_key
from canonical.normalise.legal_form import normalise_legal_form

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_NON_DIGIT = re.compile(r"[^0-9]+")
_CACHE = 1 << 17

#: Words left around a company name once its legal form is gone ("Rossi & C.", "di").
COMPANY_JOINERS = frozenset({"di", "e", "c", "and", "co", "the", "unipersonale"})

#: English street-word abbreviations (FEBRL and other non-Italian data); the Italian ones come
#: from canonical's street-type table.
ENGLISH_STREET_ABBREVIATIONS: dict[str, str] = {
    "st": "street",
    "rd": "road",
    "ave": "avenue",
    "av": "avenue",
    "pl": "place",
    "cres": "crescent",
    "ct": "court",
    "dr": "drive",
    "hwy": "highway",
    "pde": "parade",
    "tce": "terrace",
    "cct": "circuit",
    "cl": "close",
    "ln": "lane",
    "gr": "grove",
}


def _street_abbreviations() -> dict[str, str]:
    """Folded single-word abbreviation -> folded street word."""
    table = dict(ENGLISH_STREET_ABBREVIATIONS)
    for spelling, word in STREET_TYPES.items():
        short, full = fold(spelling.replace(".", "")), fold(word)
        if short and " " not in short and " " not in full and short != full:
            table[short] = full
    return table


@lru_cache(maxsize=_CACHE)
def fold(text: str) -> str:
    """Lower-case, strip accents and punctuation, collapse spaces: ``"D'Àngelo  S.r.l."`` ->
    ``"d angelo s r l"``."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_ALNUM.sub(" ", stripped.lower()).strip()


@lru_cache(maxsize=_CACHE)
def company_key(name: str) -> str:
    """The folded company name without its legal form (canonical's legal-form table) and
    joiners: ``"Rossi Costruzioni S.r.l."`` and ``"ROSSI COSTRUZIONI"`` both give
    ``"rossi costruzioni"``."""
    bare = normalise_legal_form(name).value or name
    tokens = fold(bare).split()
    kept = tokens[:1] + [t for t in tokens[1:] if t not in COMPANY_JOINERS]
    return " ".join(kept)


@lru_cache(maxsize=_CACHE)
def street_key(street: str) -> str:
    """Folded street with abbreviations expanded: ``"P.zza Garibaldi"`` -> ``"piazza
    garibaldi"``, ``"V.Roma"`` -> ``"via roma"``, ``"wallaby pl"`` -> ``"wallaby place"``."""
    abbreviations = STREET_ABBREVIATIONS
    words: list[str] = []
    for token in street.split():
        undotted = fold(token.replace(".", ""))
        if undotted in abbreviations:
            words.append(abbreviations[undotted])
            continue
        words.extend(abbreviations.get(part, part) for part in fold(token).split())
    return " ".join(words)


def email_address(email: str) -> str:
    """The e-mail as compared for exact agreement: trimmed and lower-cased."""
    return email.strip().lower()


@lru_cache(maxsize=_CACHE)
def email_key(email: str) -> str:
    """The mailbox key (canonical's: case folded; dots and ``+tags`` dropped where the provider
    ignores them, as Gmail does)."""
    address = email_address(email)
    return email_match_key(address) if "@" in address else address


#: Folded abbreviation -> street word, Italian and English.
STREET_ABBREVIATIONS: dict[str, str] = _street_abbreviations()


def phone_digits(phone: str) -> str:
    """Digits of a phone number (E.164 without the plus)."""
    return _NON_DIGIT.sub("", phone)


@lru_cache(maxsize=_CACHE)
def phonetic(name: str) -> str:
    """Phonetic code of a folded name (metaphone of the tokens, joined)."""
    return "".join(jellyfish.metaphone(tok) for tok in name.split()) if name else ""


def vat_key(vat: str) -> str:
    """VAT id without spaces, punctuation and the country prefix: ``"IT 01234567890"`` and
    ``"01234567890"`` give ``"01234567890"``."""
    compact = compact_id(vat)
    if len(compact) > 2 and compact[:2].isalpha() and compact[2:3].isdigit():
        compact = compact[2:]
    return compact


def compact_id(value: str) -> str:
    """An identifier folded and without spaces (codice fiscale, social security number)."""
    if not value:
        return ""
    if value.isascii():  # the usual case: skip Unicode folding
        return _NON_ALNUM.sub("", value.lower())
    return fold(value).replace(" ", "")


def date_key(value: str) -> str:
    """A birth date as ``YYYYMMDD`` from ``YYYY-MM-DD``, ``YYYYMMDD`` or ISO datetime text;
    anything else yields ``""`` (missing)."""
    if not value:
        return ""
    digits = _NON_DIGIT.sub("", value[:10])
    return digits if len(digits) == 8 else ""
