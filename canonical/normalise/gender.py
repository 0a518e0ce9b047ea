"""Gender values as sources write them ("M", "Maschio", "female", ...) -> one vocabulary."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from canonical.normalise.result import Normalised
from canonical.normalise.text import fold


class Gender(StrEnum):
    """A person's gender as recorded by a source system."""

    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"


_SYNONYMS: dict[str, Gender] = {
    **dict.fromkeys(
        (
            "f",
            "female",
            "femmina",
            "donna",
            "woman",
            "w",
            "signora",
            "sig ra",
            "mrs",
            "ms",
            "miss",
            "frau",
            "femme",
        ),
        Gender.FEMALE,
    ),
    **dict.fromkeys(
        ("m", "male", "maschio", "uomo", "man", "signor", "sig", "mr", "herr", "homme"), Gender.MALE
    ),
    **dict.fromkeys(
        ("x", "other", "altro", "non binary", "nonbinary", "diverse", "divers", "nb"), Gender.OTHER
    ),
    **dict.fromkeys(
        (
            "u",
            "unknown",
            "sconosciuto",
            "non specificato",
            "n d",
            "nd",
            "prefer not to say",
            "not specified",
            "?",
        ),
        Gender.UNKNOWN,
    ),
}


@dataclass(frozen=True, slots=True, kw_only=True)
class GenderResult(Normalised[Gender]):
    """A normalised gender value."""


@lru_cache(maxsize=1024)
def normalise_gender(raw: str) -> GenderResult:
    """Map a written gender (Italian, English, German, French, titles) to :class:`Gender`."""
    gender = _SYNONYMS.get(fold(raw)) or _SYNONYMS.get(raw.strip())
    if gender is None:
        known = ", ".join(sorted(g.value for g in Gender))
        return GenderResult.fail(raw, f"{raw!r} is not a known gender (expected one of {known})")
    return GenderResult.ok(raw, gender)
