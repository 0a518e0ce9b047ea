"""Phones and e-mail addresses: the messy forms sources write them in."""

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import given, settings
from hypothesis import strategies as st

from canonical.normalise import PhoneKind, normalise_email, normalise_phone
from canonical.normalise.email import _is_plain_address


@pytest.mark.parametrize(
    ("raw", "e164", "kind"),
    [
        ("+39 02 1234567", "+39021234567", PhoneKind.FIXED),
        ("0039 02 1234567", "+39021234567", PhoneKind.FIXED),
        ("02/1234567", "+39021234567", PhoneKind.FIXED),
        ("(02) 123 4567", "+39021234567", PhoneKind.FIXED),
        ("347-1234567", "+393471234567", PhoneKind.MOBILE),
        ("347.123.4567", "+393471234567", PhoneKind.MOBILE),
        ("tel:+39-347-1234567", "+393471234567", PhoneKind.MOBILE),
        ("800 123456", "+39800123456", PhoneKind.TOLL_FREE),
        ("+44 20 7946 0958", "+442079460958", PhoneKind.FIXED),
    ],
)
def test_italian_and_foreign_phone_forms_become_e164(raw: str, e164: str, kind: PhoneKind) -> None:
    result = normalise_phone(raw, "IT")
    assert (result.value, result.valid, result.kind, result.raw) == (e164, True, kind, raw)


def test_default_region_decides_numbers_without_prefix() -> None:
    assert normalise_phone("030 1234567", "DE").value == "+49301234567"
    assert normalise_phone("030 1234567", "IT").value == "+390301234567"


def test_extension_is_kept_apart_from_the_number() -> None:
    result = normalise_phone("347 1234567 int. 23", "IT")
    assert (result.value, result.extension) == ("+393471234567", "23")


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("12", "too short"),
        ("abc", "not a phone number"),
        ("+39 347 123", "not a valid phone number for IT"),
        ("", "empty"),
    ],
)
def test_bad_phone_keeps_raw_and_says_why(raw: str, words: str) -> None:
    result = normalise_phone(raw, "IT")
    assert not result.valid
    assert result.value is None
    assert result.raw == raw
    assert result.reason is not None and words in result.reason


def test_local_number_failure_hints_at_the_international_prefix() -> None:
    reason = normalise_phone("12", "IT").reason or ""
    assert "international prefix" in reason and "default region IT" in reason


@pytest.mark.parametrize(
    ("raw", "value", "key"),
    [
        ("Mario.Rossi@Example.COM", "Mario.Rossi@example.com", "mario.rossi@example.com"),
        ("  mario@rossi.it ", "mario@rossi.it", "mario@rossi.it"),
        ("mailto:mario@rossi.it", "mario@rossi.it", "mario@rossi.it"),
        ("Mario Rossi <mario@rossi.it>", "mario@rossi.it", "mario@rossi.it"),
        ("Mario.Rossi+news@GMail.com", "Mario.Rossi+news@gmail.com", "mariorossi@gmail.com"),
        ("m.a.r.i.o@googlemail.com", "m.a.r.i.o@googlemail.com", "mario@gmail.com"),
        ("mario.rossi+x@libero.it", "mario.rossi+x@libero.it", "mario.rossi+x@libero.it"),
        ("jörg@müller.de", "jörg@müller.de", "jörg@müller.de"),
    ],
)
def test_email_display_form_and_match_key(raw: str, value: str, key: str) -> None:
    result = normalise_email(raw)
    assert (result.value, result.match_key, result.valid) == (value, key, True)


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("mario.rossi", "@-sign"),
        ("mario@@rossi.it", "invalid characters"),
        ("mario@localhost", "period"),
        ("a@b.it; c@d.it", "more than one"),
        ("mario rossi@x.it", "invalid characters"),
        ("", "empty"),
    ],
)
def test_bad_email_keeps_raw_and_says_why(raw: str, words: str) -> None:
    result = normalise_email(raw)
    assert (result.valid, result.value, result.raw) == (False, None, raw)
    assert result.reason is not None and words in result.reason


_ATEXT = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+/=?^_`{|}~-."
_DOMAIN_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-."


@settings(max_examples=400, deadline=None)
@given(
    st.one_of(
        st.emails(),
        st.builds(
            lambda local, domain: f"{local}@{domain}",
            st.text(_ATEXT, min_size=1, max_size=70),
            st.text(_DOMAIN_CHARS, min_size=1, max_size=40),
        ),
    )
)
def test_fast_path_agrees_with_email_validator(address: str) -> None:
    """Addresses taking the fast path are exactly those email-validator accepts unchanged
    except for the domain's case."""
    if not _is_plain_address(address):
        return
    try:
        checked = validate_email(address, check_deliverability=False, allow_display_name=True)
    except EmailNotValidError as exc:  # pragma: no cover - a failure here is the bug
        pytest.fail(f"fast path accepted {address!r}, email-validator refuses it: {exc}")
    assert normalise_email(address).value == checked.normalized
