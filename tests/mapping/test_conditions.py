"""A rule's ``when`` condition: the answers it remembers per text are the answers it computes."""

from __future__ import annotations

from typing import Any

import pytest

from canonical import Party
from crmhub.mapping import compiler
from crmhub.mapping.compiler import SKIP, compile_mapping
from crmhub.mapping.spec import MappingSpec


def _gated(condition: dict[str, Any]) -> Any:
    spec = MappingSpec.model_validate(
        {"version": 1, "kind": {"const": "person"},
         "fields": {"person.given_name": {"from": "NOME", "when": condition}}}
    )
    ((_, rule),) = compile_mapping(spec, Party).scalars
    return rule


# Texts that fold alike or not, repeated (answered from memory) and other types (never kept).
VALUES = ["persona", " PERSONA ", "Persona", "azienda", "", "   ", None, 1, 1.0, "1", "persona"]


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"field": "TIPO", "equals": "persona"}, [True, True, True] + [False] * 7 + [True]),
        ({"field": "TIPO", "equals": 1}, [False] * 7 + [True, False, True, False]),
        ({"field": "TIPO", "in": ["persona", "P"]}, [True, True, True] + [False] * 7 + [True]),
    ],
)
def test_a_condition_answers_the_same_each_time(condition: dict[str, Any], expected: list[bool]) -> None:
    rule = _gated(condition)
    for _ in range(2):  # the second round is answered from what the first remembered
        answers = [rule({"TIPO": value, "NOME": "Mario"}) != SKIP for value in VALUES]
        assert answers == expected


def test_a_condition_keeps_answering_beyond_what_it_remembers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compiler, "_REMEMBERED_ANSWERS", 3)
    rule = _gated({"field": "TIPO", "equals": "persona"})
    texts = [f"altro {i}" for i in range(10)] + ["persona", " persona"]
    for _ in range(2):
        assert [rule({"TIPO": t, "NOME": "Mario"}) != SKIP for t in texts] == [False] * 10 + [True, True]
