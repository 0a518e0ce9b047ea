"""SOQL: the strict subset the connector emits, parsed and evaluated.

``SELECT f, ... FROM o [WHERE t AND ...] [ORDER BY f [ASC], ...] [LIMIT n]`` where each term
``t`` is a comparison ``field op value`` or a parenthesised ``(c OR c ...)`` of comparisons;
values are quoted strings, datetime literals (``2026-01-01T00:00:00Z``), TRUE/FALSE or NULL.
Anything else is refused as Salesforce refuses it: 400 MALFORMED_QUERY (or INVALID_FIELD,
INVALID_TYPE, INVALID_QUERY_FILTER_OPERATOR), so a connector that emits other SOQL finds out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from connectors.testing.fake_salesforce.errors import ApiError, malformed
from connectors.testing.fake_salesforce.schema import STANDARD_OBJECTS, FieldSpec, SObjectSpec


def _parse_soql_datetime(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


_TOKEN = re.compile(
    r"""\s*(?:
        (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:?\d{2}))
      | (?P<number>\d+)
      | (?P<string>'(?:[^'\\]|\\.)*')
      | (?P<op>>=|<=|!=|<>|=|<|>)
      | (?P<punct>[,()])
      | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
    )""",
    re.VERBOSE,
)
_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<>": lambda a, b: a != b,
    "<": lambda a, b: a is not None and a < b,
    "<=": lambda a, b: a is not None and a <= b,
    ">": lambda a, b: a is not None and a > b,
    ">=": lambda a, b: a is not None and a >= b,
}


@dataclass(frozen=True, slots=True)
class Comparison:
    """``field op value`` of a WHERE clause, the value already typed for the field."""

    field: str
    op: str
    value: Any

    def holds(self, record: Mapping[str, Any]) -> bool:
        """True when ``record`` satisfies the comparison (NULL is never greater or less)."""
        return _OPERATORS[self.op](record.get(self.field), self.value)


@dataclass(frozen=True, slots=True)
class SoqlQuery:
    """A parsed query: ``where`` is an AND of ORs of comparisons."""

    sobject: SObjectSpec
    fields: tuple[str, ...]
    where: tuple[tuple[Comparison, ...], ...]
    order_by: tuple[str, ...]
    limit: int | None

    def matches(self, record: Mapping[str, Any]) -> bool:
        """True when ``record`` passes the WHERE clause."""
        return all(any(c.holds(record) for c in clause) for clause in self.where)


def _tokens(text: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    position = 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise malformed(
                f"unexpected token at character {position + 1}: {text[position:][:20]!r}"
            )
        kind = match.lastgroup or ""
        found.append((kind, match.group(kind)))
        position = match.end()
    return found


class _SoqlParser:
    """A recursive-descent parser over the tokens of one query."""

    def __init__(self, text: str, objects: Mapping[str, SObjectSpec]) -> None:
        self.tokens = _tokens(text)
        self.index = 0
        self.objects = objects

    def parse(self) -> SoqlQuery:
        """The whole query, or an ``ApiError`` at the first token that does not fit."""
        self._keyword("SELECT")
        names = [self._word("a field name")]
        while self._accept("punct", ","):
            names.append(self._word("a field name"))
        self._keyword("FROM")
        sobject = self._sobject(self._word("an sObject name"))
        fields = tuple(self._field(sobject, n) for n in names)
        where: list[tuple[Comparison, ...]] = []
        if self._accept_keyword("WHERE"):
            where.append(self._term(sobject))
            while self._accept_keyword("AND"):
                where.append(self._term(sobject))
        order: list[str] = []
        if self._accept_keyword("ORDER"):
            self._keyword("BY")
            order.append(self._order_item(sobject))
            while self._accept("punct", ","):
                order.append(self._order_item(sobject))
        limit = None
        if self._accept_keyword("LIMIT"):
            limit = int(self._expect("number", "a number after LIMIT"))
        if self.index < len(self.tokens):
            raise malformed(f"unexpected token {self.tokens[self.index][1]!r}")
        return SoqlQuery(sobject, fields, tuple(where), tuple(order), limit)

    # -- grammar -----------------------------------------------------------------------------

    def _term(self, sobject: SObjectSpec) -> tuple[Comparison, ...]:
        if not self._accept("punct", "("):
            return (self._comparison(sobject),)
        alternatives = [self._comparison(sobject)]
        while self._accept_keyword("OR"):
            alternatives.append(self._comparison(sobject))
        self._expect("punct", "')'", value=")")
        return tuple(alternatives)

    def _comparison(self, sobject: SObjectSpec) -> Comparison:
        spec = sobject.field(self._word("a field name"))
        if spec is None:
            raise malformed(f"unknown field in WHERE on {sobject.name}")
        op = self._expect("op", "a comparison operator")
        kind, text = self._next("a value")
        return Comparison(spec.name, op, self._literal(spec, kind, text))

    def _literal(self, spec: FieldSpec, kind: str, text: str) -> Any:
        if kind == "word" and text.lower() == "null":
            return None
        if spec.kind == "datetime":
            if kind != "datetime":
                raise ApiError(
                    400,
                    "INVALID_QUERY_FILTER_OPERATOR",
                    f"value of filter criterion for field '{spec.name}' must be of type dateTime "
                    "and should not be enclosed in quotes",
                )
            return _parse_soql_datetime(text)
        if spec.kind == "boolean":
            if kind != "word" or text.lower() not in ("true", "false"):
                raise malformed(f"{spec.name} compares with TRUE or FALSE")
            return text.lower() == "true"
        if kind != "string":
            raise malformed(f"value for {spec.name} must be a quoted string")
        return re.sub(r"\\(.)", r"\1", text[1:-1])

    def _order_item(self, sobject: SObjectSpec) -> str:
        name = self._field(sobject, self._word("a field name"))
        if self._accept_keyword("DESC"):
            raise malformed("the fake orders ascending only")
        self._accept_keyword("ASC")
        return name

    # -- names -------------------------------------------------------------------------------

    def _sobject(self, name: str) -> SObjectSpec:
        for known, spec in self.objects.items():
            if known.lower() == name.lower():
                return spec
        raise ApiError(400, "INVALID_TYPE", f"sObject type '{name}' is not supported.")

    def _field(self, sobject: SObjectSpec, name: str) -> str:
        spec = sobject.field(name)
        if spec is None:
            raise ApiError(
                400,
                "INVALID_FIELD",
                f"No such column '{name}' on entity '{sobject.name}'. If you are attempting to "
                "use a custom field, be sure to append the '__c' after the custom field name.",
            )
        return spec.name

    # -- tokens ------------------------------------------------------------------------------

    def _next(self, what: str) -> tuple[str, str]:
        if self.index >= len(self.tokens):
            raise malformed(f"unexpected end of query: expected {what}")
        token = self.tokens[self.index]
        self.index += 1
        return token

    def _expect(self, kind: str, what: str, value: str | None = None) -> str:
        got_kind, got = self._next(what)
        if got_kind != kind or (value is not None and got != value):
            raise malformed(f"expected {what}, found {got!r}")
        return got

    def _word(self, what: str) -> str:
        return self._expect("word", what)

    def _keyword(self, word: str) -> None:
        if not self._accept_keyword(word):
            found = self.tokens[self.index][1] if self.index < len(self.tokens) else "end of query"
            raise malformed(f"expected {word}, found {found!r}")

    def _accept(self, kind: str, value: str) -> bool:
        if self.index < len(self.tokens) and self.tokens[self.index] == (kind, value):
            self.index += 1
            return True
        return False

    def _accept_keyword(self, word: str) -> bool:
        if self.index < len(self.tokens):
            kind, text = self.tokens[self.index]
            if kind == "word" and text.upper() == word:
                self.index += 1
                return True
        return False


def parse_soql(text: str, objects: Mapping[str, SObjectSpec] = STANDARD_OBJECTS) -> SoqlQuery:
    """Parse ``text``; an ``ApiError`` (400 MALFORMED_QUERY, INVALID_FIELD...) when it does not fit."""
    return _SoqlParser(text, objects).parse()
