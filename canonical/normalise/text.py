"""Text helpers shared by the normalisers: whitespace, accents, folding, casing."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Letters that do not decompose under NFKD but have an obvious ASCII spelling.
_ASCII_SPELLING = str.maketrans(
    {
        "ø": "o",
        "Ø": "O",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "ð": "d",
        "þ": "th",
        "ı": "i",
    }
)
# Apostrophes and dots join the letters around them ("D'Angelo" -> "dangelo",
# "S.r.l." -> "srl"); every other punctuation mark separates words.
_JOINING_PUNCTUATION = re.compile(r"[.'’`´]")
_SEPARATING = re.compile(r"[^\w\s]|_")
_NOT_ALNUM = re.compile(r"[\W_]+")


def collapse_whitespace(text: str) -> str:
    """Trim and collapse every run of whitespace (including NBSP) to one space."""
    return " ".join(text.split())


def strip_accents(text: str) -> str:
    """Remove diacritics: "Città" -> "Citta", "Müller" -> "Muller", "Øre" -> "Ore"."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text.translate(_ASCII_SPELLING))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Fold text for matching: lower case, no accents, no punctuation, single spaces.

    Apostrophes and dots are removed ("D'Angelo" -> "dangelo"); other punctuation
    becomes a space ("Rossi-Bianchi" -> "rossi bianchi").
    """
    text = strip_accents(text).casefold()
    text = _JOINING_PUNCTUATION.sub("", text)
    text = _SEPARATING.sub(" ", text)
    return " ".join(text.split())


@lru_cache(maxsize=65536)
def squash(text: str) -> str:
    """Fold and drop every non-alphanumeric character: "S.r.l." -> "srl"."""
    return _NOT_ALNUM.sub("", fold(text))


def is_single_case(text: str) -> bool:
    """True when the letters of ``text`` are all upper case or all lower case."""
    return text.isupper() or text.islower()


_ROMAN_NUMERAL = re.compile(r"^(?=[IVX]{2,})X{0,3}(IX|IV|V?I{0,3})$")
_WORD_PIECES = re.compile(r"([-'’])")


def title_case(
    text: str,
    lowercase_words: frozenset[str] = frozenset(),
    *,
    capitalise_first: bool = True,
    only_upper_words: bool = False,
) -> str:
    """Title-case ``text`` word by word, the way names and street names are written.

    Rules: each piece between hyphens and apostrophes is capitalised
    ("D'ANGELO" -> "D'Angelo", "ROSSI-BIANCHI" -> "Rossi-Bianchi"); "Mc" prefixes keep
    the next capital ("MCDONALD" -> "McDonald"); Roman numerals stay upper case
    ("VITTORIO EMANUELE II"); words in ``lowercase_words`` (compared in lower case, also
    before an apostrophe) stay lower case, except the last word and, when
    ``capitalise_first``, the first ("Via dei Mille", "L'Aquila"; but "van der Berg").
    With ``only_upper_words`` only words written in capitals change ("Mario ROSSI" ->
    "Mario Rossi", while "de Luca" stays as typed).
    """
    words = text.split()
    last = len(words) - 1
    keep_capital: frozenset[str] = frozenset()
    result = " ".join(
        word
        if only_upper_words and not word.isupper()
        else _title_word(
            word, keep_capital if i == last or (i == 0 and capitalise_first) else lowercase_words
        )
        for i, word in enumerate(words)
    )
    if only_upper_words and result.islower():  # "DEN a" -> "den a" would change again next time
        return title_case(text, lowercase_words, capitalise_first=capitalise_first)
    return result


def _title_word(word: str, lowercase_words: frozenset[str]) -> str:
    upper = word.upper()
    if _ROMAN_NUMERAL.match(upper):
        return upper
    lower = word.lower()
    if lower in lowercase_words:
        return lower
    pieces = _WORD_PIECES.split(lower)
    out = []
    for i, piece in enumerate(pieces):
        if i % 2:  # a separator
            out.append(piece)
            continue
        is_elided_article = (
            i + 1 < len(pieces) and pieces[i + 1] in "'’" and piece in lowercase_words
        )
        out.append(piece if is_elided_article else _capitalise(piece))
    return "".join(out)


def _capitalise(piece: str) -> str:
    if piece.startswith("mc") and len(piece) > 2:
        return "Mc" + _capitalise(piece[2:])
    first = piece[:1].upper()
    if len(first) != 1:  # "ß".upper() is "SS": keep the letter rather than change the word
        first = piece[:1]
    return first + piece[1:].lower()


def abbreviation_pattern(spelling: str) -> str:
    """Regex source matching ``spelling`` with its dots, and the spaces after them, optional.

    "s.r.l." matches "S.r.l.", "srl", "S. R. L", "s.r.l"; words separated by a space need
    some whitespace between them; other symbols ("&", "/") may have spaces around them.
    Use it with ``re.IGNORECASE``.
    """
    parts: list[str] = []
    for i, ch in enumerate(spelling):
        if ch.isalnum():
            parts.append(re.escape(ch))
        elif ch == ".":
            parts.append(r"\.?\s*")
        elif ch == " ":
            parts.append("" if i and spelling[i - 1] == "." else r"\s+")
        else:
            parts.append(r"\s*" + re.escape(ch) + r"\s*")
    return "".join(parts)


def abbreviation_alternation(spellings: list[str]) -> str:
    """Regex alternation of :func:`abbreviation_pattern` for ``spellings``, longest first."""
    return "|".join(abbreviation_pattern(s) for s in sorted(spellings, key=len, reverse=True))
