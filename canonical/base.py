"""What every canonical model shares: strict config, empty-value handling, the source's country.

Validation context: pass ``context={"default_country": "DE"}`` to ``model_validate`` (or use
``Party.from_source``) to say which country a source's numbers and addresses belong to
when they do not say it themselves; without it the default is Italy ("IT").
"""

from __future__ import annotations

from typing import Any, Self

from pydantic import BaseModel, ConfigDict, ValidationInfo, model_validator

DEFAULT_COUNTRY = "IT"
COUNTRY_CONTEXT_KEY = "default_country"


def context_country(info: ValidationInfo | None) -> str:
    """The source's default country from the validation context (``DEFAULT_COUNTRY`` if unset)."""
    context = info.context if info is not None else None
    if isinstance(context, dict):
        return (context.get(COUNTRY_CONTEXT_KEY) or DEFAULT_COUNTRY).upper()
    return DEFAULT_COUNTRY


def is_blank(value: object) -> bool:
    """True for ``None`` and for strings with nothing but whitespace."""
    return value is None or (isinstance(value, str) and not value.strip())


_WHITESPACE = frozenset(
    " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2002\u2003"
    "\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


class CanonicalModel(BaseModel):
    """Base of every canonical model.

    Unknown fields are refused (``extra="forbid"``) so a typo in a mapping target is
    caught. Fields whose value is ``None`` or a blank string are dropped before
    validation: a source's empty cell means "no value", never an invalid one.
    Subclasses adapt their raw input by overriding :meth:`_prepare`.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="before")
    @classmethod
    def _drop_blanks_then_prepare(cls, data: Any, info: ValidationInfo) -> Any:
        if data.__class__ is dict:
            # This runs for every model of every record: the test for a blank value is written
            # out here (no call), and a string is only scanned when it starts with whitespace.
            for v in data.values():
                if v is None or (
                    v.__class__ is str and (not v or (v[0] in _WHITESPACE and v.isspace()))
                ):
                    # unknown keys stay, blank or not, so that a mistyped field is still reported
                    fields = cls.__pydantic_fields__  # ``model_fields`` is a slower property
                    data = {k: v for k, v in data.items() if not (k in fields and is_blank(v))}
                    break
        return cls._prepare(data, info)

    @classmethod
    def _prepare(cls, data: Any, info: ValidationInfo) -> Any:
        """Hook: turn a subclass's raw input into field values (default: unchanged)."""
        return data

    @classmethod
    def from_source(cls, data: dict[str, Any], *, default_country: str = DEFAULT_COUNTRY) -> Self:
        """Validate ``data`` from a source whose unprefixed numbers and addresses are in
        ``default_country`` (ISO alpha-2)."""
        return cls.model_validate(data, context={COUNTRY_CONTEXT_KEY: default_country})
