"""The mapping file's own shape (one YAML file per source stream), as pydantic models.

    kind: {from: TIPO, lookup: {P: person, A: organization}}
    defaults: {country: IT}
    fields:
      organization.legal_name: {from: RAGIONE_SOCIALE, transform: [collapse_spaces]}
      person.birth_date: {from: DATA_NASCITA, transform: [{date: "%d/%m/%Y"}]}
      emails:
        - {value: EMAIL, purpose: work}
    source_updated_at: {from: ULTIMA_MODIFICA, transform: [{datetime: "%d/%m/%Y %H:%M:%S"}]}
    reverse:
      RAGIONE_SOCIALE: organization.legal_name

See docs/mappings.md for the whole language.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Condition(_Strict):
    """Apply a rule only when a source field satisfies this test."""

    field: str
    equals: Any = None
    in_: list[Any] | None = Field(default=None, alias="in")
    not_empty: bool | None = None
    empty: bool | None = None

    @model_validator(mode="after")
    def _one_test(self) -> Condition:
        tests = [self.equals is not None, self.in_ is not None, self.not_empty is not None, self.empty is not None]
        if sum(tests) != 1:
            raise ValueError("a condition needs exactly one test: equals, in, not_empty or empty")
        return self


class ValueRule(_Strict):
    """How one canonical value is made from the source record.

    ``from`` names one source field, or several: joined with ``join`` when it is set, otherwise
    the first non-empty one is taken. ``const`` gives a fixed value instead.
    """

    from_: str | list[str] | None = Field(default=None, alias="from")
    const: Any = None
    join: str | None = None
    transform: list[Any] = Field(default_factory=list)
    lookup: dict[str, Any] | str | None = None
    lookup_default: Any = None
    strict_lookup: bool = False
    default: Any = None
    when: Condition | None = None
    required: bool = False

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if isinstance(data, str):
            return {"from": data}
        if isinstance(data, (int, float, bool)):
            return {"const": data}
        return data

    @model_validator(mode="after")
    def _source(self) -> ValueRule:
        if self.from_ is None and self.const is None and self.default is None:
            raise ValueError("a rule needs 'from' (a source field), 'const' or 'default'")
        if self.from_ is not None and self.const is not None:
            raise ValueError("a rule takes 'from' or 'const', not both")
        return self

    def source_fields(self) -> list[str]:
        if self.from_ is None:
            return []
        return [self.from_] if isinstance(self.from_, str) else list(self.from_)


class ItemRule(_Strict):
    """One element of a list in the canonical record (an e-mail, an address, a consent...).

    Its keys are the element's fields, each a ``ValueRule``; ``when`` gates the whole element.
    An element whose every value is empty is left out (an empty cell means no e-mail, not an error).
    """

    model_config = ConfigDict(extra="allow", populate_by_name=True)
    when: Condition | None = None

    def value_rules(self) -> dict[str, ValueRule]:
        return {k: ValueRule.model_validate(v) for k, v in (self.model_extra or {}).items()}


class MappingDefaults(_Strict):
    """Context for the canonical normalisers, for values that do not say it themselves."""

    country: str = Field(
        "IT", min_length=2, max_length=2,
        description="ISO country of phone numbers without +CC, VAT ids without prefix, addresses.",
    )


class MappingSpec(_Strict):
    """A whole mapping file."""

    version: Literal[1] = 1
    description: str = ""
    kind: ValueRule
    defaults: MappingDefaults = Field(default_factory=MappingDefaults)
    lookups: dict[str, dict[str, Any]] = Field(default_factory=dict)
    fields: dict[str, ValueRule | list[ItemRule]] = Field(default_factory=dict)
    source_updated_at: ValueRule | None = None
    reject_invalid: list[str] = Field(
        default_factory=list,
        description="Canonical fields whose invalid value sends the whole record to quarantine "
                    "(e.g. organization.vat_id, emails). By default an invalid value is stored raw, "
                    "flagged with its reason, and the record is kept.",
    )
    reverse: dict[str, ValueRule | str] = Field(default_factory=dict)
