"""Every fast path gives the reference library's answer, over generated valid and invalid input.

The fast paths (Italian phone numbers, Partita IVA, codice fiscale, one-word legal forms,
plain ISO timestamps, the content hash's JSON) answer the usual cases without the general
machinery and hand everything else to it. Each test below feeds both the same generated
input, written the ways sources write it, right and wrong, and demands the same result; the
"taken" tests prove the fast paths are really used for the usual forms (a fast path that
always declined would pass the equality tests and speed nothing up).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import AfterValidator, BaseModel, BeforeValidator, TypeAdapter, ValidationError
from stdnum import luhn
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.it import codicefiscale, iva

from canonical import Party
from canonical.content_hash import content_hash_of, sorted_json
from canonical.data.legal_forms import LEGAL_FORM_QUALIFIERS, LEGAL_FORMS
from canonical.fields import UtcDateTime, _parse_timestamp
from canonical.normalise.codice_fiscale import (
    _normalise_with_stdnum as codice_fiscale_by_stdnum,
)
from canonical.normalise.codice_fiscale import encoded_birth_date, normalise_codice_fiscale
from canonical.normalise.dates import ensure_utc
from canonical.normalise.legal_form import (
    _split_common,
    _split_first,
    _split_general,
    _split_once,
)
from canonical.normalise.partita_iva import is_valid_partita_iva
from canonical.normalise.phone import _normalise_with_libphonenumber, normalise_phone
from canonical.normalise.phone_plan import read_common_number
from canonical.normalise.text import collapse_whitespace
from canonical.normalise.vat import _SEPARATORS, normalise_vat
from canonical.normalise.vat import _normalise_with_stdnum as vat_by_stdnum

FAST = settings(max_examples=600, deadline=None)

# --- phones ---------------------------------------------------------------------------------------

# Leading digits of Italian national numbers of every kind (and some that are no kind at all).
NATIONAL_STARTS = [
    "02",
    "06",
    "011",
    "030",
    "0471",
    "0669",
    "06698",
    "0831",
    "0878",
    "00",
    "01",
    "3",
    "31",
    "32",
    "33",
    "34",
    "38",
    "39",
    "392",
    "43",
    "55",
    "70",
    "800",
    "803",
    "840",
    "848",
    "892",
    "893",
    "895",
    "899",
    "178",
    "199",
    "144",
    "1",
    "4",
    "5",
    "9",
]
PREFIXES = [
    "",
    "",
    "",
    "+39 ",
    "+39",
    "0039 ",
    "(+39) ",
    "+39 (0)",
    "0039",
    "+44 ",
    "+1 ",
    "00",
    "+",
    "0",
    "39",
    "+390",
    "+3",
    "(",
    "+ 39 ",
]
LABELS = ["", "", "", "tel. ", "Tel:", "cell. ", "Fax ", "x ", "tel:", "mob.", "ph "]
SEPARATORS = " -/.()"


@st.composite
def phone_texts(draw: st.DrawFn) -> str:
    """A number as sources write it: label, prefix, digits broken up by separators, noise."""
    start = draw(st.sampled_from(NATIONAL_STARTS))
    if draw(st.booleans()):  # mostly a plausible length for a real number
        length = draw(st.sampled_from([6, 8, 9, 10, 10, 10, 11])) - len(start)
    else:
        length = draw(st.integers(0, 10))
    digits = start + draw(
        st.text(alphabet="0123456789", min_size=max(0, length), max_size=max(0, length))
    )
    pieces, rest = [], digits
    while rest:
        cut = draw(st.integers(1, max(1, len(rest))))
        pieces.append(rest[:cut])
        rest = rest[cut:]
    body = "".join(
        p + draw(st.sampled_from(["", "", " ", "-", "/", ".", ") ", "("])) for p in pieces
    )
    text = draw(st.sampled_from(LABELS)) + draw(st.sampled_from(PREFIXES)) + body
    if draw(st.integers(0, 5)) == 0:  # noise: letters, extensions, other marks
        at = draw(st.integers(0, len(text)))
        noise = draw(
            st.sampled_from(
                [
                    "x",
                    "#",
                    ",",
                    ";",
                    " int. 23",
                    " ext 5",
                    "a",
                    "~",
                    "+",
                    "\u00a0",
                    "\uff10",
                    "٣",
                    " / 3331234567",
                ]
            )
        )
        text = text[:at] + noise + text[at:]
    return text


def _libphonenumber(text: str, region: str) -> tuple[str, int] | None:
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    number_type = phonenumbers.number_type(number)
    if number_type == phonenumbers.PhoneNumberType.UNKNOWN or number.extension:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), number_type


@FAST
@given(phone_texts())
def test_phone_fast_path_answers_as_libphonenumber(text: str) -> None:
    text = text.strip()
    fast = read_common_number(text, "IT")
    if fast is not None:
        assert fast == _libphonenumber(text, "IT")


@FAST
@given(phone_texts(), st.sampled_from(["IT", "it", "DE", "FR", "VA"]))
def test_normalise_phone_is_libphonenumbers_answer(text: str, region: str) -> None:
    reference = _normalise_with_libphonenumber.__wrapped__(text, text.strip(), region)
    assert normalise_phone(text, region) == reference


@pytest.mark.parametrize(
    "text",
    [
        "347 1234567",
        "+39 347 1234567",
        "0039 02 1234567",
        "(02) 123 4567",
        "02/1234567",
        "(+39) 333 1234567",
        "tel. 02-1234567",
        "cell. 333.123.4567",
        "800 123456",
        "+393471234567",
        "3921234567",
        "06 1234 5678",
    ],
)
def test_phone_fast_path_is_taken_for_the_usual_forms(text: str) -> None:
    assert read_common_number(text, "IT") == _libphonenumber(text, "IT") is not None


def test_phone_fast_path_declines_what_it_cannot_be_sure_of() -> None:
    # 06 6982 ... is in Vatican City (+39 too): libphonenumber finds that out, the plan does not
    for text in (
        "347 1234567 int. 23",
        "+44 20 7946 0958",
        "0049 30 1234567",
        "347 12345",
        "ABC 1234567",
        "347\u00a01234567",
        "06 6982 1234",
    ):
        assert read_common_number(text, "IT") is None, text
    assert read_common_number("02 1234567", "DE") is None  # no plan for DE


# --- Partita IVA and VAT numbers ---------------------------------------------------------------


@st.composite
def partita_iva_texts(draw: st.DrawFn) -> str:
    body = draw(st.text(alphabet="0123456789", min_size=10, max_size=10))
    if draw(st.booleans()):
        body = draw(st.sampled_from(["0000000", "1234567", "0074311"])) + draw(
            st.sampled_from(["001", "100", "101", "120", "121", "888", "999", "000", "555"])
        )
    number = body + (
        luhn.calc_check_digit(body) if draw(st.booleans()) else draw(st.sampled_from("0123456789"))
    )
    if draw(st.integers(0, 5)) == 0:  # a spreadsheet lost a leading zero, or a digit was doubled
        number = number[1:] if draw(st.booleans()) else number + number[-1]
    prefix = draw(st.sampled_from(["", "", "IT", "it", "IT ", "DE", "GR", "EL", "XX", "I T"]))
    spaced = draw(
        st.sampled_from(
            [
                number,
                f"{number[:3]} {number[3:6]} {number[6:]}",
                f"{number[:3]}.{number[3:]}",
                f"{number}-",
                "٠" + number[1:],
            ]
        )
    )
    return prefix + spaced


@FAST
@given(partita_iva_texts(), st.sampled_from(["IT", "it", "DE", "FR", "US"]))
def test_normalise_vat_is_stdnums_answer(raw: str, country: str) -> None:
    text = _SEPARATORS.sub("", raw).upper()
    assert normalise_vat(raw, country) == vat_by_stdnum.__wrapped__(raw, text, country)


@FAST
@given(st.text(alphabet="0123456789", min_size=11, max_size=11))
def test_partita_iva_check_is_stdnums(digits: str) -> None:
    assert is_valid_partita_iva(digits) == iva.is_valid(digits)


@FAST
@given(partita_iva_texts())
def test_partita_iva_check_is_stdnums_for_valid_bodies(raw: str) -> None:
    digits = "".join(ch for ch in raw if ch in "0123456789")
    if len(digits) == 11:
        assert is_valid_partita_iva(digits) == iva.is_valid(digits)


# --- codice fiscale ----------------------------------------------------------------------------------

OMOCODIA = "0123456789LMNPQRSTUV"


@st.composite
def codice_fiscale_texts(draw: st.DrawFn) -> str:
    letters = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=1)
    digit = st.sampled_from(OMOCODIA)
    day = draw(
        st.sampled_from(
            [
                "01",
                "15",
                "28",
                "29",
                "30",
                "31",
                "32",
                "41",
                "69",
                "70",
                "71",
                "00",
                "40",
                "M1",
                "LM",
                "V9",
            ]
        )
    )
    body = (
        "".join(draw(letters) for _ in range(6))
        + draw(digit)
        + draw(digit)
        + draw(st.sampled_from("ABCDEHLMPRSTXZ"))
        + day
        + draw(letters)
        + "".join(draw(digit) for _ in range(3))
    )
    check = codicefiscale.calc_check_digit(body) if draw(st.booleans()) else draw(letters)
    code = body + check
    style = draw(st.integers(0, 6))
    if style == 0:
        code = code.lower()
    elif style == 1:
        code = f"{code[:3]} {code[3:6]} {code[6:11]} {code[11:]}"
    elif style == 2:
        code = code[:-1]
    elif style == 3:
        code = draw(st.text(alphabet="0123456789", min_size=11, max_size=11))
    elif style == 4:
        code = "IT" + draw(st.text(alphabet="0123456789", min_size=9, max_size=9))
    return code


@FAST
@given(codice_fiscale_texts())
def test_normalise_codice_fiscale_is_stdnums_answer(raw: str) -> None:
    assert normalise_codice_fiscale(raw) == codice_fiscale_by_stdnum.__wrapped__(raw)


@FAST
@given(codice_fiscale_texts(), st.integers(1900, 2030))
def test_encoded_birth_date_is_stdnums(raw: str, minyear: int) -> None:
    code = raw.upper()
    if len(code) != 16 or not codicefiscale._code_re.match(code):
        return
    try:
        expected: dt.date | None = codicefiscale.get_birth_date(code, minyear=minyear)
    except StdnumError:
        expected = None
    assert encoded_birth_date(code, minyear) == expected


def test_codice_fiscale_fast_path_is_taken() -> None:
    # stdnum is not called: a code of the usual shape gives the same object fields directly
    valid = "RSSMRA85T10A562S"
    assert normalise_codice_fiscale(valid).value == valid
    codice_fiscale_by_stdnum.cache_clear()
    normalise_codice_fiscale(valid.lower())
    normalise_codice_fiscale("00743110157")
    assert codice_fiscale_by_stdnum.cache_info().misses == 0


# --- legal forms ----------------------------------------------------------------------------------

FORM_WORDS = [spelling for row in LEGAL_FORMS for spelling in row.spellings]
NAME_WORDS = [
    "Rossi",
    "Mario",
    "Bar",
    "Sport",
    "di",
    "Di",
    "&",
    "C.",
    "e",
    "Figli",
    "F.lli",
    "-",
    "(",
    ")",
    ",",
    "Città",
    "Castello",
    "SRL,",
    "s.r.l.,",
    "Società",
    "Cooperativa",
    "In",
    "A",
    "S.",
    "R.",
    "L.",
    "GmbH&Co",
    "123",
]


@st.composite
def company_names(draw: st.DrawFn) -> str:
    if draw(st.booleans()):  # the usual: a name, then a form, now and then something after it
        words = draw(st.lists(st.sampled_from(NAME_WORDS), min_size=1, max_size=4))
        words.append(draw(st.sampled_from(FORM_WORDS)))
        if draw(st.integers(0, 3)) == 0:
            words.append(draw(st.sampled_from(NAME_WORDS + list(LEGAL_FORM_QUALIFIERS))))
    else:
        words = draw(
            st.lists(
                st.sampled_from(NAME_WORDS + FORM_WORDS + list(LEGAL_FORM_QUALIFIERS)),
                min_size=0,
                max_size=7,
            )
        )
    words = [w.upper() if draw(st.integers(0, 4)) == 0 else w for w in words]
    glue = draw(st.sampled_from([" ", " ", "  ", ", ", " ,", ";"]))
    return glue.join(words)


@FAST
@given(company_names(), st.sampled_from(["IT", "it", "FR", "DE", "ES"]))
def test_legal_form_common_split_is_the_general_one(raw: str, country: str) -> None:
    # one pass against one pass: the repeat-until-stable loop above them is the same for both
    reference = _split_general.__wrapped__(raw, collapse_whitespace(raw), country)
    assert _split_once(raw, country) == reference


@FAST
@given(company_names(), st.sampled_from(["IT", "it", "FR", "DE", "ES"]))
def test_a_split_said_stable_splits_again_to_itself(raw: str, country: str) -> None:
    # normalise_legal_form skips its second pass when the first says so: it must be right
    result, stable = _split_first(raw, country)
    assert result == _split_once(raw, country)
    if stable and result.valid and result.value:
        assert _split_once(result.value, country).value == result.value


@pytest.mark.parametrize(
    ("name", "stable"),
    [
        ("Rossi Mario S.r.l.", True),
        ("La Rosa SPA", True),
        ("Bianchi", True),
        ("Bar di Rossi Mario", True),  # the general splitter, which gives it back whole
        ("Rossi Mario S.r.l. in liquidazione", False),  # the general splitter took a form off
        ("Ferrari- SRL", False),  # the trim takes the dash off: not known, tried again
        ("& Sas & di Rossi Mario & C. S.r.l.", False),
    ],
)
def test_which_first_splits_are_known_stable(name: str, stable: bool) -> None:
    assert _split_first(name, "IT")[1] is stable


@pytest.mark.parametrize(
    "name", ["Rossi Mario S.r.l.", "La Rosa SPA", "Sala Soc. Coop.", "Ferrari, SRL", "Bianchi"]
)
def test_legal_form_common_split_is_taken(name: str) -> None:
    assert _split_common(name, collapse_whitespace(name), "IT") is not None


# --- timestamps ---------------------------------------------------------------------------------------

_BEFORE = Annotated[dt.datetime, BeforeValidator(_parse_timestamp), AfterValidator(ensure_utc)]
REFERENCE_TIMESTAMP: TypeAdapter[dt.datetime] = TypeAdapter(
    _BEFORE
)  # the type before the speed work
CURRENT_TIMESTAMP: TypeAdapter[dt.datetime] = TypeAdapter(UtcDateTime)


@st.composite
def timestamp_texts(draw: st.DrawFn) -> Any:
    moment = draw(st.datetimes(min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30)))
    offset = draw(
        st.sampled_from(
            ["", "Z", "+00:00", "+01:00", "-05:30", "+14:00", "+23:59", "+24:00", "+0100", "z"]
        )
    )
    fraction = draw(
        st.sampled_from(
            [
                "",
                f".{moment.microsecond:06d}",
                f".{moment.microsecond // 1000:03d}",
                ".1",
                ".1234567",
            ]
        )
    )
    sep = draw(st.sampled_from(["T", "T", " ", "t"]))
    text = moment.strftime(f"%Y-%m-%d{sep}%H:%M:%S") + fraction + offset
    style = draw(st.integers(0, 9))
    if style == 0:
        return moment  # not text at all
    if style == 1:
        return text.replace(":", "", 1)
    if style == 2:
        return moment.strftime("%d/%m/%Y %H:%M")
    if style == 3:
        return text[:-1] + draw(st.sampled_from("9:x"))
    if style == 4:
        return "2023-02-30T10:00:00Z"
    return text


def _outcome(adapter: TypeAdapter[dt.datetime], value: Any) -> Any:
    try:
        moment = adapter.validate_python(value)
    except ValidationError as exc:
        return [(e["type"], e["msg"]) for e in exc.errors()]
    except OverflowError:
        return "overflow"
    return moment, moment.tzinfo is dt.UTC


@FAST
@given(timestamp_texts())
def test_utc_timestamps_read_as_before(value: Any) -> None:
    assert _outcome(CURRENT_TIMESTAMP, value) == _outcome(REFERENCE_TIMESTAMP, value)


# --- the content hash ----------------------------------------------------------------------------------

JSON_TEXT = st.text(st.characters(codec="utf-8"), max_size=12) | st.sampled_from(
    ['"', "\\", "\n\t\r\b\f", "\x00\x1f\x7f", "\u2028\u2029", "é€😀", "\ud800", "</script>"]
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | JSON_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(JSON_TEXT, inner, max_size=4),
    max_leaves=20,
)


def _stdlib_json(value: Any) -> Any:
    try:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return "refused"


def _fast_json(value: Any) -> Any:
    try:
        return sorted_json(value)
    except UnicodeEncodeError:
        return "refused"


@FAST
@given(JSON_VALUES)
def test_sorted_json_is_the_standard_librarys(value: Any) -> None:
    assert _fast_json(value) == _stdlib_json(value)


def _models(model: type[BaseModel]) -> set[type[BaseModel]]:
    found = {model}
    for field in model.model_fields.values():
        for arg in _types_in(field.annotation):
            if isinstance(arg, type) and issubclass(arg, BaseModel) and arg not in found:
                found |= _models(arg)
    return found


def _types_in(annotation: Any) -> list[Any]:
    args = getattr(annotation, "__args__", ())
    return [annotation, *[t for a in args for t in _types_in(a)]]


def test_the_stored_dump_holds_the_hashed_content() -> None:
    # The hash is taken of the stored dump (None values left out too) instead of a dump
    # with only defaults left out; the two are the same text because no field may be None
    # unless None is its default, and sorted_json equals the standard library's because no
    # field holds a float.
    for model in _models(Party):
        for name, field in model.model_fields.items():
            types = _types_in(field.annotation)
            assert float not in types, f"{model.__name__}.{name} holds floats"
            if type(None) in types:
                assert field.default is None, f"{model.__name__}.{name} may be None, default isn't"


def test_canonical_dump_hash_is_the_original_definition() -> None:
    party = Party.model_validate(
        {
            "person": {
                "given_name": "MARIO",
                "family_name": "ROSSI",
                "codice_fiscale": "rss mra 85t10 a562s",
            },
            "emails": ["Mario.Rossi@Example.COM", "nonsense"],
            "phones": [{"raw": "347-1234567", "primary": True}, "12"],
            "addresses": ["Via Roma 12, 20121 Milano (MI)"],
            "provenance": {"system": "shop", "external_id": "42", "read_at": "2024-05-01T08:00:00"},
        }
    )
    original = json.dumps(
        party.model_dump(mode="json", exclude={"provenance"}, exclude_defaults=True),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    import hashlib

    expected = hashlib.blake2b(original.encode(), digest_size=16).hexdigest()
    dump, content_hash = party.canonical_dump()
    assert content_hash == expected == party.content_hash() == content_hash_of(dump)
    assert dump == party.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    assert dump["provenance"]["external_id"] == "42"


# --- identifier schemes ---------------------------------------------------------------------------


def test_known_schemes_skip_only_a_check_they_would_pass() -> None:
    """``_check_scheme`` takes the well-known scheme names without its pattern: each of them
    must be a name the pattern accepts, or the shortcut would let through what it refuses."""
    from canonical.identifiers import _KNOWN_SCHEMES, _SCHEME, _check_scheme
    from canonical.normalise.identifier import IdScheme

    assert _KNOWN_SCHEMES == set(IdScheme)
    for scheme in _KNOWN_SCHEMES:
        assert _SCHEME.match(scheme) and _check_scheme(scheme) == scheme
    with pytest.raises(ValueError, match="is not a scheme name"):
        _check_scheme("it_cf")  # not known, and refused by the pattern as before
