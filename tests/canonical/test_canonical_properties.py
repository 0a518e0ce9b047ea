"""Property tests: every normaliser is idempotent; generated valid tax ids survive; any
single-character corruption of a check-digit id is caught with a reason and the raw kept."""

import calendar
import datetime as dt
from decimal import Decimal

import pycountry
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from stdnum import luhn
from stdnum.it import codicefiscale

from canonical.data.country_names import COUNTRY_ALIASES
from canonical.data.provinces import PROVINCES
from canonical.data.street_types import STREET_TYPES
from canonical.normalise import (
    normalise_address,
    normalise_codice_fiscale,
    normalise_country,
    normalise_date,
    normalise_decimal,
    normalise_email,
    normalise_legal_form,
    normalise_name,
    normalise_phone,
    normalise_street,
    normalise_vat,
    normalise_web,
)

PROPERTY = settings(max_examples=300, deadline=None)

# --- generators -------------------------------------------------------------------------------

OFFICE_CODES = [f"{n:03d}" for n in range(1, 101)] + ["120", "121", "888", "999"]


@st.composite
def partite_iva(draw: st.DrawFn) -> str:
    """A valid Partita IVA: 7-digit company number (not all zero), office code, Luhn digit."""
    company = draw(st.integers(min_value=1, max_value=9_999_999))
    body = f"{company:07d}{draw(st.sampled_from(OFFICE_CODES))}"
    return body + luhn.calc_check_digit(body)


MONTH_LETTERS = "ABCDEHLMPRST"
OMOCODIA = "LMNPQRSTUV"
DIGIT_POSITIONS = (6, 7, 9, 10, 12, 13, 14)


@st.composite
def codici_fiscali(draw: st.DrawFn) -> str:
    """A valid personal codice fiscale, sometimes with omocodia letters for digits."""
    letters = draw(st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=6, max_size=6))
    year = draw(st.integers(0, 99))
    month = draw(st.integers(0, 11))
    day = draw(st.integers(1, 28)) + draw(st.sampled_from((0, 40)))
    place = draw(st.sampled_from("ABCDEFGHILMZ")) + f"{draw(st.integers(0, 999)):03d}"
    chars = list(f"{letters}{year:02d}{MONTH_LETTERS[month]}{day:02d}{place}")
    for position in draw(st.sets(st.sampled_from(DIGIT_POSITIONS), max_size=3)):
        chars[position] = OMOCODIA[int(chars[position])]
    body = "".join(chars)
    return body + codicefiscale.calc_check_digit(body)


def spaced(number: str, draw: st.DrawFn) -> str:
    """Write a number the ways people do: groups split by spaces, maybe lower case."""
    cut = draw(st.integers(0, len(number)))
    text = f"{number[:cut]} {number[cut:]}" if draw(st.booleans()) else number
    return text.lower() if draw(st.booleans()) else text


# --- generated ids survive; corrupted ones are caught -------------------------------------------


@PROPERTY
@given(partite_iva(), st.data())
def test_every_valid_partita_iva_survives(piva: str, data: st.DataObject) -> None:
    raw = spaced(("IT" if data.draw(st.booleans()) else "") + piva, data.draw)
    result = normalise_vat(raw, "IT")
    assert (result.valid, result.value, result.number, result.raw) == (True, "IT" + piva, piva, raw)


@PROPERTY
@given(partite_iva(), st.integers(0, 10), st.integers(1, 9))
def test_every_corrupted_partita_iva_is_flagged(piva: str, position: int, shift: int) -> None:
    corrupted = piva[:position] + str((int(piva[position]) + shift) % 10) + piva[position + 1 :]
    result = normalise_vat(corrupted, "IT")
    assert (result.valid, result.value, result.raw) == (False, None, corrupted)
    assert result.reason and corrupted in result.reason


@PROPERTY
@given(codici_fiscali(), st.data())
def test_every_valid_codice_fiscale_survives(code: str, data: st.DataObject) -> None:
    raw = spaced(code, data.draw)
    result = normalise_codice_fiscale(raw)
    assert (result.valid, result.value, result.raw, result.holder) == (True, code, raw, "person")
    assert result.birth_date is not None and result.birth_date <= dt.date.today()
    assert (
        result.birth_date.day
        == int(code[9:11].translate(str.maketrans(OMOCODIA, "0123456789"))) % 40
    )


@PROPERTY
@given(codici_fiscali(), st.sampled_from((*DIGIT_POSITIONS, 15)), st.integers(1, 9))
def test_every_corrupted_codice_fiscale_is_flagged(code: str, position: int, shift: int) -> None:
    if position == 15:  # the check character itself
        replacement = chr((ord(code[15]) - ord("A") + shift) % 26 + ord("A"))
    else:  # one digit (or omocodia letter) changed to another digit
        current = code[position]
        digit = int(current) if current.isdigit() else OMOCODIA.index(current)
        replacement = str((digit + shift) % 10)
    corrupted = code[:position] + replacement + code[position + 1 :]
    assume(corrupted != code)
    result = normalise_codice_fiscale(corrupted)
    assert (result.valid, result.value, result.raw) == (False, None, corrupted)
    assert result.reason and corrupted in result.reason


# --- idempotence: normalise(normalise(x).value).value == normalise(x).value ----------------------


@PROPERTY
@given(st.text("0123456789 +-/().", max_size=20), st.sampled_from(["IT", "DE", "FR", "GB", "US"]))
def test_phone_idempotent(raw: str, region: str) -> None:
    first = normalise_phone(raw, region)
    if first.valid and first.value is not None:
        assert normalise_phone(first.value, region).value == first.value
        assert normalise_phone(first.value, "IT").value == first.value  # E.164 needs no region


@PROPERTY
@given(st.one_of(st.emails(), st.text(max_size=30)))
def test_email_idempotent(raw: str) -> None:
    first = normalise_email(raw)
    if first.valid and first.value is not None:
        again = normalise_email(first.value)
        assert (again.value, again.match_key) == (first.value, first.match_key)


@PROPERTY
@given(partite_iva(), st.data())
def test_vat_idempotent(piva: str, data: st.DataObject) -> None:
    first = normalise_vat(spaced(piva, data.draw), "IT")
    assert first.value is not None
    assert normalise_vat(first.value, "DE").value == first.value  # the prefix travels with it


@PROPERTY
@given(codici_fiscali(), st.data())
def test_codice_fiscale_idempotent(code: str, data: st.DataObject) -> None:
    first = normalise_codice_fiscale(spaced(code, data.draw))
    assert first.value is not None and normalise_codice_fiscale(first.value).value == first.value


NAME_ALPHABET = st.sampled_from(list("abcdeilmnorstuvzABCDEILMNORSTUVZàèéìòùÀÈÉÌÒÙäöüß'- "))


@PROPERTY
@given(
    st.one_of(
        st.text(NAME_ALPHABET, max_size=30),
        st.lists(
            st.sampled_from(
                [
                    "MARIO",
                    "rossi",
                    "De",
                    "LUCA",
                    "van",
                    "DER",
                    "D'ANGELO",
                    "mcdonald",
                    "II",
                    "Anna-Maria",
                    "NICOLÒ",
                    "o'brien",
                    "dell'acqua",
                    "VON",
                ]
            ),
            min_size=1,
            max_size=5,
        ).map(" ".join),
    )
)
def test_name_idempotent(raw: str) -> None:
    first = normalise_name(raw)
    if first.valid and first.value is not None:
        assert normalise_name(first.value).value == first.value


COUNTRY_SPELLINGS = sorted(
    {c.alpha_2 for c in pycountry.countries}
    | {c.alpha_3 for c in pycountry.countries}
    | {c.name for c in pycountry.countries}
    | set(COUNTRY_ALIASES)
)


@PROPERTY
@given(st.sampled_from(COUNTRY_SPELLINGS), st.sampled_from([str.upper, str.lower, str.title, str]))
def test_country_idempotent(spelling: str, case: object) -> None:
    first = normalise_country(case(spelling))  # type: ignore[operator]
    assert first.valid and first.value is not None
    assert normalise_country(first.value).value == first.value


STREET_NAMES = [
    "Roma",
    "DEI MILLE",
    "vittorio emanuele II",
    "della Repubblica",
    "XX Settembre",
    "4 Novembre",
    "Garibaldi",
    "D'ANNUNZIO",
    "San Francesco d'Assisi",
]
HOUSE_NUMBERS = [
    "",
    " 12",
    ", 12",
    " 12/A",
    " 12a",
    " n. 7",
    " 3 bis",
    " snc",
    " 1 int. 3",
    " 45/2",
]


@PROPERTY
@given(
    st.sampled_from(sorted(STREET_TYPES)),
    st.sampled_from(STREET_NAMES),
    st.sampled_from(HOUSE_NUMBERS),
    st.sampled_from(sorted(PROVINCES)),
    st.sampled_from(["20121", "100", "00184", "", "bad"]),
    st.sampled_from(["MILANO", "roma", "Reggio nell'Emilia", "L'AQUILA (AQ)", ""]),
    st.sampled_from(["", "Italia", "IT", "ITA"]),
)
def test_address_idempotent(
    kind: str, name: str, number: str, province: str, postcode: str, city: str, country: str
) -> None:
    street = f"{kind} {name}{number}"
    first = normalise_address(
        street=street,
        postcode=postcode or None,
        city=city or None,
        province=province,
        country=country or None,
    )
    again = normalise_address(
        street=first.street,
        house_number=first.house_number,
        unit=first.unit,
        postcode=first.postcode,
        city=first.city,
        province=first.province,
        region=first.region,
        country=first.country,
    )
    components = (
        "street",
        "house_number",
        "unit",
        "postcode",
        "city",
        "province",
        "region",
        "country",
        "value",
        "valid",
    )
    assert [getattr(again, c) for c in components] == [getattr(first, c) for c in components]
    street_again = normalise_street(first.street or "")
    assert street_again.value == first.street


@PROPERTY
@given(
    st.lists(
        st.sampled_from(
            ["Rossi", "MARIO", "Acme", "Bar", "Sport", "di", "e", "Figli", "Sas", "1", "&", "C."]
        ),
        min_size=1,
        max_size=4,
    ),
    st.lists(
        st.sampled_from(
            [
                "S.r.l.",
                "srl",
                "S.p.A.",
                "Snc",
                "S.a.s.",
                "GmbH",
                "Ltd",
                "unipersonale",
                "in liquidazione",
                "di Rossi Mario & C.",
            ]
        ),
        max_size=2,
    ),
)
def test_legal_form_idempotent(words: list[str], suffixes: list[str]) -> None:
    first = normalise_legal_form(" ".join(words + suffixes))
    if first.valid and first.value is not None:
        assert normalise_legal_form(first.value).value == first.value


@PROPERTY
@given(
    st.dates(min_value=dt.date(1000, 1, 1)), st.sampled_from(["%d/%m/%Y", "%d.%m.%Y", "%Y-%m-%d"])
)
def test_date_round_trip_and_idempotent(day: dt.date, pattern: str) -> None:
    first = normalise_date(day.strftime(pattern) if day.year >= 1000 else day.isoformat())
    assert first.value == day
    assert normalise_date(first.value).value == day
    assert normalise_date(day.isoformat()).value == day


@PROPERTY
@given(st.integers(1000, 2999), st.integers(1, 12), st.integers(29, 40))
def test_impossible_dates_are_refused(year: int, month: int, day: int) -> None:
    assume(day > calendar.monthrange(year, month)[1])
    result = normalise_date(f"{day:02d}/{month:02d}/{year}")
    assert not result.valid and f"has {calendar.monthrange(year, month)[1]} days" in (
        result.reason or ""
    )


@PROPERTY
@given(
    st.decimals(
        min_value=-(10**9), max_value=10**9, places=2, allow_nan=False, allow_infinity=False
    )
)
def test_decimal_comma_round_trip(amount: Decimal) -> None:
    english = f"{amount:,.2f}"  # 1,234,567.89
    italian = english.replace(",", "_").replace(".", ",").replace("_", ".")
    assert normalise_decimal(italian).value == amount
    assert normalise_decimal(english).value == amount
    assert normalise_decimal(normalise_decimal(italian).value).value == amount  # type: ignore[arg-type]


@PROPERTY
@given(
    st.sampled_from(
        [
            "www.rossi.it",
            "Rossi.IT/chi-siamo/",
            "http://twitter.com/x_y",
            "@mario",
            "https://it.linkedin.com/in/m-r/",
            "facebook.com/acme",
            "https://www.youtube.com/@acme",
        ]
    ),
    st.sampled_from([None, "instagram", "x", "website"]),
)
def test_web_idempotent(raw: str, platform: str | None) -> None:
    first = normalise_web(raw, platform)
    if first.valid and first.value is not None:
        again = normalise_web(first.value, platform)
        assert (again.value, again.platform) == (first.value, first.platform)


def test_stacked_legal_forms_normalise_to_a_stable_name():
    # Found by hypothesis: one pass took off "S.r.l." and only then "Sas ... di" became visible.
    first = normalise_legal_form("& Sas & di Rossi Mario & C. S.r.l.")
    assert normalise_legal_form(first.value).value == first.value == "Rossi Mario & C."
