"""Languages written as codes, locales or names -> ISO 639-1 two-letter code."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache

import pycountry

from canonical.normalise.result import Normalised
from canonical.normalise.text import fold

# Language names in Italian (pycountry knows the English ones).
_ITALIAN_NAMES: dict[str, str] = {
    "italiano": "it",
    "inglese": "en",
    "francese": "fr",
    "tedesco": "de",
    "spagnolo": "es",
    "portoghese": "pt",
    "olandese": "nl",
    "russo": "ru",
    "cinese": "zh",
    "giapponese": "ja",
    "arabo": "ar",
    "greco": "el",
    "polacco": "pl",
    "rumeno": "ro",
    "romeno": "ro",
    "ungherese": "hu",
    "ceco": "cs",
    "slovacco": "sk",
    "sloveno": "sl",
    "croato": "hr",
    "serbo": "sr",
    "albanese": "sq",
    "turco": "tr",
    "ucraino": "uk",
    "svedese": "sv",
    "danese": "da",
    "norvegese": "no",
    "finlandese": "fi",
    "coreano": "ko",
    "hindi": "hi",
    "catalano": "ca",
    "ebraico": "he",
    "bulgaro": "bg",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class LanguageResult(Normalised[str]):
    """A normalised language: ``value`` is the ISO 639-1 code ("it")."""


@cache
def _language_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for language in pycountry.languages:
        code = getattr(language, "alpha_2", None)
        if not code:
            continue
        for spelling in ("alpha_2", "alpha_3", "bibliographic", "name", "common_name"):
            text = getattr(language, spelling, None)
            if text:
                index.setdefault(fold(text), code)
    index.update({fold(name): code for name, code in _ITALIAN_NAMES.items()})
    return index


@lru_cache(maxsize=1024)
def normalise_language(raw: str) -> LanguageResult:
    """Normalise "it", "IT", "ita", "it-IT", "it_IT", "Italian", "Italiano" -> "it"."""
    text = raw.strip()
    if not text:
        return LanguageResult.fail(raw, "the language is empty")
    base = text.replace("_", "-").split("-")[0]  # "it-IT" -> "it"
    code = _language_index().get(fold(base)) or _language_index().get(fold(text))
    if code is None:
        return LanguageResult.fail(
            raw, f"{raw!r} is not a known language (hint: use an ISO 639-1 code such as it, en, de)"
        )
    return LanguageResult.ok(raw, code)
