"""The logging the command line sets up masks personal data and secrets in every line."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from crmhub.logging import PersonalDataFilter, mask_text, register_secret, setup_logging


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("sent to Mario.Rossi+crm@Example.IT today", "sent to ***@Example.IT today"),
        ("call +39 333 123 4567", "call +** *** *** **67"),
        ("tel 0039-02-12345678 or 3331234567", "tel ****-**-******78 or ********67"),
        ("cf RSSMRA78C15F205V ok", "cf **************** ok"),
        ("cf rssmra78c15f205v lower", "cf **************** lower"),
        ("iban IT60X0542811101000000123456", "iban IT*********************3456"),
        ("iban IT60 X054 2811 1010 0000 0123 456", "iban IT** **** **** **** **** ***3 456"),
        ("url postgresql://crm:pw@db:5432/crm", "url postgresql://crm:***@db:5432/crm"),
        (
            "at 2026-11-22 10:00:00 read 25000 rows, key 1234567",
            "at 2026-11-22 10:00:00 read 25000 rows, key 1234567",
        ),
        ("born 15/03/1978 at 2026-11-22T10:00:00Z", "born 15/03/1978 at 2026-11-22T10:00:00Z"),
    ],
)
def test_mask_rules(text: str, masked: str) -> None:
    assert mask_text(text) == masked


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = setup_logging(1, stream)
    yield stream
    logging.getLogger().removeHandler(handler)


def test_every_logged_line_is_masked(captured: io.StringIO) -> None:
    register_secret("hunter2-pass")
    log = logging.getLogger("crmhub.test")
    log.info("record %s has e-mail %s", "C001", "anna.conti@example.org")
    log.info("password was %s, secret %s", "hunter2-pass", SecretStr("never-shown"))
    try:
        raise ValueError("bad phone +39 335 998 8776 for anna.conti@example.org")
    except ValueError:
        log.exception("mapping failed")
    text = captured.getvalue()
    assert "record C001 has e-mail ***@example.org" in text
    assert "password was ***, secret **********" in text
    assert "ValueError: bad phone +** *** *** **76 for ***@example.org" in text
    for leaked in ("anna.conti", "hunter2-pass", "never-shown", "998 8776"):
        assert leaked not in text


def test_setup_is_idempotent_and_sets_the_level(captured: io.StringIO) -> None:
    root = logging.getLogger()
    assert root.level == logging.INFO
    second = setup_logging(2, captured)
    ours = [h for h in root.handlers if any(isinstance(f, PersonalDataFilter) for f in h.filters)]
    assert ours == [second] and root.level == logging.DEBUG
    setup_logging(0, captured)
    assert root.level == logging.WARNING
