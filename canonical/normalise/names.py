"""Person names: display form, matching fold, and splitting a full name.

Display form: whitespace collapsed; names typed in capitals (or all in lower case)
are title-cased sensibly ("D'ANGELO" -> "D'Angelo", "DE LUCA" -> "De Luca",
"MCDONALD" -> "McDonald", "VAN DER BERG" -> "van der Berg", "Mario ROSSI" ->
"Mario Rossi"); words typed in mixed or lower case inside a mixed-case name are
kept as written ("McDonald", "de Luca"), because the person chose that spelling.
Accents are kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from canonical.normalise.result import Normalised
from canonical.normalise.text import collapse_whitespace, fold, is_single_case, title_case

__all__ = ["NameParts", "NameResult", "fold", "normalise_name", "split_full_name"]

# Particles written in lower case inside a name (Dutch, German, Portuguese, French).
# Italian particles (De, Di, Del, Della, Lo, La) are capitalised, as Italians write them.
LOWERCASE_PARTICLES: frozenset[str] = frozenset(
    {
        "van",
        "von",
        "der",
        "den",
        "ter",
        "ten",
        "zu",
        "zum",
        "zur",
        "vom",
        "dos",
        "das",
        "du",
    }
)
# Words that start a surname made of several words ("De Luca", "van der Berg").
SURNAME_PARTICLES: frozenset[str] = LOWERCASE_PARTICLES | frozenset(
    {
        "de",
        "di",
        "da",
        "del",
        "della",
        "dell",
        "dello",
        "dei",
        "degli",
        "delle",
        "dal",
        "dalla",
        "lo",
        "la",
        "li",
        "mac",
        "st",
        "san",
        "santa",
        "d",
        "o",
        "y",
    }
)
_HAS_LETTER = re.compile(r"[^\W\d_]")
_HAS_DIGIT = re.compile(r"\d")


@dataclass(frozen=True, slots=True, kw_only=True)
class NameResult(Normalised[str]):
    """A person name in display form."""


class NameParts(NamedTuple):
    """A full name split into given and family name (either may be ``None``)."""

    given: str | None
    family: str | None


@lru_cache(maxsize=65536)
def normalise_name(raw: str) -> NameResult:
    """Return the display form of a person name (see the module docstring for the rules)."""
    text = collapse_whitespace(raw)
    if not _HAS_LETTER.search(text):
        return NameResult.fail(raw, f"{raw!r} is not a name: it has no letters")
    if _HAS_DIGIT.search(text):
        return NameResult.fail(raw, f"{raw!r} is not a person name: it contains digits")
    text = title_case(
        text, LOWERCASE_PARTICLES, capitalise_first=False, only_upper_words=not is_single_case(text)
    )
    return NameResult.ok(raw, text)


def split_full_name(raw: str, *, family_first: bool = False) -> NameParts:
    """Split a full name into given and family name.

    "Mario Rossi" -> ("Mario", "Rossi"); with ``family_first`` (as many Italian
    registries write names) "ROSSI MARIO" -> ("Mario", "Rossi"). A comma always means
    family first ("Rossi, Mario"). A surname particle (De, Di, Della, van, von, ...)
    starts a compound surname: "Maria Grazia De Luca" -> ("Maria Grazia", "De Luca").
    Every other word before the surname counts as given name.
    """
    if "," in raw:
        family, _, given = raw.partition(",")
        return NameParts(_display_or_none(given), _display_or_none(family))
    words = collapse_whitespace(raw).split(" ") if raw.strip() else []
    if len(words) < 2:
        return NameParts(_display_or_none(raw), None)
    cut = _family_first_end(words) if family_first else _family_start(words)
    family_words, given_words = (
        (words[:cut], words[cut:]) if family_first else (words[cut:], words[:cut])
    )
    return NameParts(
        _display_or_none(" ".join(given_words)), _display_or_none(" ".join(family_words))
    )


def _is_particle(word: str) -> bool:
    return fold(word) in SURNAME_PARTICLES


def _family_start(words: list[str]) -> int:
    """Index where the surname starts in a given-first name: at the first particle, else last word."""
    for i in range(1, len(words) - 1):
        if _is_particle(words[i]):
            return i
    return len(words) - 1


def _family_first_end(words: list[str]) -> int:
    """Index where the surname ends in a family-first name: after its particles and their noun."""
    i = 0
    while i < len(words) - 2 and _is_particle(words[i]):
        i += 1
    return i + 1


def _display_or_none(text: str) -> str | None:
    result = normalise_name(text) if text.strip() else None
    if result is None:
        return None
    return result.value if result.valid else collapse_whitespace(text)
