"""Legal forms: find and strip them from company names, or read a legal-form field.

"Rossi Mario S.r.l." -> name "Rossi Mario", form SRL. Also understood:
"srl", "S.R.L", "Srl unipersonale" (qualifier ``single_member``), "S.p.A.",
"S.a.s. di Rossi Mario & C." (partners kept apart), "GmbH", "Ltd.", "Limited", ...
The forms and their spellings are data: see :mod:`canonical.data.legal_forms`.

Most names are "<name> <one-word form>" or carry no form at all; :func:`_split_common` answers
those with a few look-ups in tables precomputed from the data, and hands every other name
(qualifiers, partners after "di", forms of several words or written first, commas) to the
general splitter. ``tests/canonical/test_canonical_fast_paths.py`` proves the two agree.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cache, lru_cache
from typing import NamedTuple

from canonical.data.legal_forms import (
    LEADING_FORMS,
    LEGAL_FORM_QUALIFIERS,
    LEGAL_FORMS,
    LegalFormRow,
)
from canonical.normalise.result import Normalised
from canonical.normalise.text import collapse_whitespace, squash

_TRIM = " ,;:-–(/&"


@dataclass(frozen=True, slots=True, kw_only=True)
class LegalFormResult(Normalised[str]):
    """A company name with its legal form taken out: ``value`` is the bare name.

    Attributes:
        form: the legal-form code ("SRL"), ``None`` when the name carries none.
        label: the legal form's full name ("Società a responsabilità limitata").
        qualifiers: states written after the form ("single_member", "in_liquidation").
        partners: the partners named after "di" in "S.a.s. di Rossi Mario & C.".
    """

    form: str | None = None
    label: str | None = None
    qualifiers: tuple[str, ...] = ()
    partners: str | None = None


@cache
def _spelling_index() -> dict[str, tuple[LegalFormRow, ...]]:
    """Squashed spelling ("srl") -> the rows that spell it so, in table order."""
    index: dict[str, list[LegalFormRow]] = {}
    for row in LEGAL_FORMS:
        for spelling in row.spellings:
            rows = index.setdefault(squash(spelling), [])
            if row not in rows:
                rows.append(row)
    return {key: tuple(rows) for key, rows in index.items()}


@cache
def _qualifier_index() -> dict[str, str]:
    """Squashed qualifier phrase ("inliquidazione") -> its table spelling."""
    return {squash(phrase): phrase for phrase in LEGAL_FORM_QUALIFIERS}


def _choose(rows: tuple[LegalFormRow, ...], country: str) -> LegalFormRow:
    for row in rows:
        if country in row.countries:
            return row
    return rows[0]


@cache
def _code_index() -> dict[str, LegalFormRow]:
    return {row.code: row for row in LEGAL_FORMS}


@lru_cache(maxsize=4096)
def lookup_legal_form(text: str, country: str = "IT") -> LegalFormRow | None:
    """Read a legal-form field ("S.r.l.", "srl", "SRL", "GmbH") -> its row, or ``None`` if unknown.

    ``country`` (ISO alpha-2) decides between forms written alike (SAS in IT vs FR).
    """
    row = _code_index().get(text.strip().upper())
    if row is not None:
        return row
    rows = _spelling_index().get(squash(text))
    return _choose(rows, country.upper()) if rows else None


def normalise_legal_form(raw: str, country: str = "IT") -> LegalFormResult:
    """Split a company name into bare name and legal form.

    Legal forms are taken off the end of the name (with qualifiers such as
    "unipersonale" after them), off the part before "di" and the partners ("Bar S.a.s.
    di Rossi Mario & C."), or off the start for forms Italians write first ("A.S.D.
    Calcio Milano", "S.n.c. di ..."). Several forms in a row are all taken off, so the
    result is stable when normalised again; the last one written is reported.

    Args:
        raw: the company name as written ("ROSSI MARIO S.R.L. in liquidazione").
        country: ISO alpha-2 country of the source, to tell apart forms written alike.
    """
    result, stable = _split_first(raw, country)
    # Forms stacked so one pass cannot see the inner one ("& Sas & di Rossi Mario & C. S.r.l."
    # loses "S.r.l." and only then shows "Sas ... di"): take them off until the bare name is
    # stable, so normalising the result again changes nothing. The outer form is reported.
    while not stable and result.valid and result.value:
        again = _split_once(result.value, country)
        if not again.valid or not again.value or again.value == result.value:
            break
        result = replace(result, value=again.value)
    return result


def _split_once(raw: str, country: str) -> LegalFormResult:
    return _split_first(raw, country)[0]


def _split_first(raw: str, country: str) -> tuple[LegalFormResult, bool]:
    """:func:`_split_once`, and whether splitting its bare name again is known to give the
    same name (then :func:`normalise_legal_form` need not try)."""
    name = collapse_whitespace(raw)
    common = _split_common_known(raw, name, country.upper())
    if common is not None:
        return common
    result = _split_general(raw, name, country)
    # a name given back whole (the input, collapsed) is split again exactly the same way
    return result, result.value == name


def _split_common(raw: str, name: str, country: str) -> LegalFormResult | None:
    """The general splitter's answer for the usual names, or ``None`` for the others (see
    :func:`_split_common_known`)."""
    common = _split_common_known(raw, name, country)
    return None if common is None else common[0]


@lru_cache(maxsize=16384)
def _split_general(raw: str, name: str, country: str) -> LegalFormResult:
    words = _words(name)
    if not words:
        return LegalFormResult.fail(raw, "the company name is empty")
    country = country.upper()
    split = _Split(begin=0, end=len(words))
    while _take_trailing_form(words, split, country) or _take_form_before_partners(
        name, words, split, country
    ):
        pass
    _take_leading_form(words, split, country)
    left = split.end - split.begin
    if left <= _MAX_FORM_WORDS and (
        rows := _spelling_index().get(_key(words, split.begin, split.end))
    ):
        row = split.forms[0] if split.forms else _choose(rows, country)
        return LegalFormResult.fail(
            raw,
            f"{raw!r} is only a legal form, with no company name",
            form=row.code,
            label=row.label,
        )
    if not any(w.key for w in words[split.begin : split.end]):
        return LegalFormResult.fail(raw, f"{raw!r} has no company name (no letters or digits)")
    if not split.forms:
        return LegalFormResult.ok(raw, name)
    bare = name[words[split.begin].start : words[split.end - 1].end].strip(_TRIM)
    row = split.forms[0]
    return LegalFormResult.ok(
        raw,
        bare,
        form=row.code,
        label=row.label,
        qualifiers=tuple(dict.fromkeys(split.qualifiers)),
        partners=split.partners,
    )


@dataclass(frozen=True, slots=True)
class _Tables:
    """What the common-case splitter looks words up in (squashed keys, see :func:`_key_ends`)."""

    forms: dict[str, tuple[LegalFormRow, ...]]
    form_heads: frozenset[str]
    form_tails: frozenset[str]
    qualifier_tails: frozenset[str]


@cache
def _tables() -> _Tables:
    heads, tails = _key_ends("forms")
    return _Tables(_spelling_index(), heads, tails, _key_ends("qualifiers")[1])


def _split_common_known(raw: str, name: str, country: str) -> tuple[LegalFormResult, bool] | None:
    """The general splitter's answer for the usual names, or ``None`` for the others; with it,
    whether splitting the bare name again is known to give it back unchanged.

    Usual: no "di", a first word that cannot begin a legal form, and either no legal form at
    the end or one form with no qualifier after it and no word before it that could end
    another form or a qualifier (so that taking it off leaves nothing more to take).
    """
    spans = [match.span() for match in _WORD.finditer(name)]
    if not spans:
        return None
    keys = [squash(name[begin:end]) for begin, end in spans]
    tables = _tables()
    last = keys[-1]
    if not last or "di" in keys or keys[0] in tables.form_heads or last in tables.qualifier_tails:
        return None
    if last not in tables.form_tails:  # then no run of words ending here can be a form either
        return LegalFormResult.ok(raw, name), True
    start = _longest_suffix(keys, 0, len(keys), tables.forms, tables.form_tails)
    if start is None:
        return None
    before = keys[start - 1]
    if (
        before in tables.form_tails
        or before in tables.qualifier_tails
        or not any(keys[:start])
        or (start <= _MAX_FORM_WORDS and "".join(keys[:start]) in tables.forms)
    ):
        return None
    row = _choose(tables.forms["".join(keys[start:])], country)
    # the name up to the end of the word before the form (what comes before the first word
    # is spaces, commas or semicolons, which the trim takes off as the general splitter does)
    head = name[: spans[start - 1][1]]
    bare = head.strip(_TRIM)
    # When the trim took nothing off, the bare name's words are the words before the form,
    # which passed every test above: split again, it is usual and has no form, so it comes
    # back unchanged (an empty last key would send it to the general splitter instead).
    stable = bare == head and before != ""
    return LegalFormResult.ok(raw, bare, form=row.code, label=row.label), stable


class _Word(NamedTuple):
    start: int
    end: int
    key: str  # squashed: "S.r.l." -> "srl"


@dataclass(slots=True)
class _Split:
    """Progress of taking legal forms off a name: the name is ``words[begin:end]``."""

    begin: int
    end: int
    forms: list[LegalFormRow] = field(default_factory=list)  # last written first
    qualifiers: list[str] = field(default_factory=list)
    partners: str | None = None


_WORD = re.compile(r"[^\s,;]+")
_MAX_FORM_WORDS = 6  # "società a responsabilità limitata semplificata" has five


def _words(text: str) -> list[_Word]:
    return [_Word(m.start(), m.end(), squash(m.group())) for m in _WORD.finditer(text)]


def _key(words: list[_Word], start: int, end: int) -> str:
    return "".join(w.key for w in words[start:end])


@cache
def _key_ends(index_name: str) -> tuple[frozenset[str], frozenset[str]]:
    """(every prefix, every suffix) of the keys of an index: a word that is neither cannot
    start or end a match, which lets most company names through without any search."""
    keys = _qualifier_index() if index_name == "qualifiers" else _spelling_index()
    heads = frozenset(k[:i] for k in keys for i in range(1, len(k) + 1))
    tails = frozenset(k[i:] for k in keys for i in range(len(k)))
    return heads, tails


def _suffix_match(words: list[_Word], begin: int, end: int, index_name: str) -> int | None:
    """Start of the longest run of words ending at ``end`` whose squashed text is a key of
    the index, leaving at least one word after ``begin``; ``None`` if there is none."""
    index = _qualifier_index() if index_name == "qualifiers" else _spelling_index()
    return _longest_suffix([w.key for w in words], begin, end, index, _key_ends(index_name)[1])


def _longest_suffix(
    keys: list[str], begin: int, end: int, index: Mapping[str, object], tails: frozenset[str]
) -> int | None:
    """:func:`_suffix_match` on the words' keys, with the index and its key suffixes given."""
    joined, found = "", None
    for start in range(end - 1, max(end - _MAX_FORM_WORDS, begin + 1) - 1, -1):
        joined = keys[start] + joined
        if joined not in tails:
            break
        if joined in index:
            found = start
    return found


def _take_trailing_form(
    words: list[_Word], split: _Split, country: str, end: int | None = None
) -> bool:
    """Take a legal form (and the qualifiers after it) off the words before ``end``."""
    end = split.end if end is None else end
    qualifiers: list[str] = []
    while (start := _suffix_match(words, split.begin, end, "qualifiers")) is not None:
        qualifiers.insert(0, LEGAL_FORM_QUALIFIERS[_qualifier_index()[_key(words, start, end)]])
        end = start
    start = _suffix_match(words, split.begin, end, "forms")
    if start is None:
        return False
    split.forms.append(_choose(_spelling_index()[_key(words, start, end)], country))
    split.qualifiers[:0] = qualifiers
    split.end = start
    return True


def _take_form_before_partners(name: str, words: list[_Word], split: _Split, country: str) -> bool:
    """Take "S.a.s. di Rossi Mario & C." off "Bar Sport S.a.s. di Rossi Mario & C."."""
    for i in range(split.begin + 1, split.end - 1):
        if words[i].key == "di" and _take_trailing_form(words, split, country, end=i):
            split.partners = name[words[i + 1].start : words[-1].end].strip()
            return True
    return False


def _take_leading_form(words: list[_Word], split: _Split, country: str) -> None:
    """Take a form written first ("A.S.D. Calcio", "S.a.s. di Rossi Mario & C.")."""
    heads = _key_ends("forms")[0]
    joined, count = "", None
    for n in range(1, min(_MAX_FORM_WORDS, split.end - split.begin - 1) + 1):
        joined += words[split.begin + n - 1].key
        if joined not in heads:
            break
        if joined in _spelling_index():
            count = n
    if count is None:
        return
    row = _choose(_spelling_index()[_key(words, split.begin, split.begin + count)], country)
    rest = split.begin + count
    leads_with_di = words[rest].key == "di" and rest + 1 < split.end
    if leads_with_di or row.code in LEADING_FORMS:
        split.forms.append(row)
        split.begin = rest + 1 if leads_with_di else rest
