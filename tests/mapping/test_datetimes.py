"""The compiled date parser answers exactly as datetime.strptime does, value and error alike."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmhub.mapping.datetimes import parser_for

FORMATS = ["%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y", "%Y-%m-%d", "%d/%m/%Y %H:%M:%S", "%d/%m/%y", "%d/%m/%Y %H:%M",
           "%Y%m%d"]


def outcome(parse, text):  # type: ignore[no-untyped-def]
    try:
        return parse(text)
    except ValueError:
        return "error"


@given(st.sampled_from(FORMATS), st.datetimes(min_value=datetime(1000, 1, 1)))
def test_formatted_values_parse_alike(fmt, moment):  # type: ignore[no-untyped-def]
    text = moment.strftime(fmt)
    assert outcome(parser_for(fmt), text) == outcome(lambda t: datetime.strptime(t, fmt), text)


@given(st.sampled_from(FORMATS), st.text(alphabet="0123456789/.-: ", max_size=20))
def test_arbitrary_text_parses_or_fails_alike(fmt, text):  # type: ignore[no-untyped-def]
    assert outcome(parser_for(fmt), text) == outcome(lambda t: datetime.strptime(t, fmt), text)


@pytest.mark.parametrize("text", ["31/02/1980", "00/01/2000", "1/13/2000", "29/02/2023"])
def test_impossible_dates_are_refused(text):  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError):
        parser_for("%d/%m/%Y")(text)


def test_other_directives_fall_back_to_strptime():
    assert parser_for("%d %b %Y")("03 Mar 2024") == datetime(2024, 3, 3)
