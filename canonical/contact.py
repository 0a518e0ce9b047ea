"""Contact points: e-mail addresses, phone numbers, postal addresses and web handles.

Every contact point keeps what the source wrote (``raw``) next to the normalised
``value``. A value that fails validation is kept with ``valid=False`` and the
``invalid_reason``; it is never dropped. Give a contact point as a plain string or as
a dict with ``raw`` and it is normalised on validation; read back from the store it
validates to itself (see ``canonical.checked``).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar, Self

from pydantic import Field, ValidationInfo

from canonical.base import COUNTRY_CONTEXT_KEY, DEFAULT_COUNTRY, CanonicalModel, context_country
from canonical.checked import check_input, raw_text
from canonical.normalise.address import ADDRESS_COMPONENTS, address_fields
from canonical.normalise.email import normalise_email
from canonical.normalise.phone import PhoneKind, normalise_phone
from canonical.normalise.result import Normalised
from canonical.normalise.web import WebPlatform, normalise_web


class Purpose(StrEnum):
    """What a contact point is used for."""

    BILLING = "billing"
    SHIPPING = "shipping"
    WORK = "work"
    PERSONAL = "personal"
    OTHER = "other"


class ContactPoint(CanonicalModel):
    """Fields every contact point has (see the module docstring)."""

    raw: str
    value: str | None = None
    purpose: Purpose = Purpose.OTHER
    primary: bool = False
    valid: bool = True
    invalid_reason: str | None = None
    undeliverable: bool = False

    _EXTRAS: ClassVar[tuple[str, ...]] = ()  # result attributes copied onto the model

    @classmethod
    def _prepare(cls, data: Any, info: ValidationInfo) -> Any:
        if data.__class__ is not dict:
            if isinstance(data, str | int | float) and not isinstance(data, bool):
                data = {"raw": data}
            elif not isinstance(data, dict):
                return data
        filled, result = check_input(
            data, lambda text: cls._normalise(text, data, context_country(info))
        )
        if result is not None:  # copy the normaliser's extras (match_key, kind, ...)
            for name in cls._EXTRAS:
                if (value := getattr(result, name)) is not None:
                    filled[name] = value
        return filled

    @classmethod
    def _normalise(cls, raw: str, data: dict[str, Any], country: str) -> Normalised[str]:
        """Run this kind of contact point's normaliser."""
        raise NotImplementedError

    @classmethod
    def from_raw(cls, raw: str, *, default_country: str = DEFAULT_COUNTRY, **fields: Any) -> Self:
        """Build a contact point from what the source wrote, normalising it.

        Args:
            raw: the source's value.
            default_country: ISO alpha-2 country assumed when ``raw`` does not say it.
            **fields: other fields (``purpose``, ``primary``, ...).
        """
        return cls.model_validate(
            {**fields, "raw": raw}, context={COUNTRY_CONTEXT_KEY: default_country}
        )


class EmailAddress(ContactPoint):
    """An e-mail address. ``value`` keeps the local part's case; ``match_key`` is for matching."""

    match_key: str | None = None

    _EXTRAS = ("match_key",)

    @classmethod
    def _normalise(cls, raw: str, data: dict[str, Any], country: str) -> Normalised[str]:
        return normalise_email(raw)


class PhoneNumber(ContactPoint):
    """A phone number; ``value`` is E.164 ("+390212345678")."""

    kind: PhoneKind | None = None
    extension: str | None = None

    _EXTRAS = ("kind", "extension")

    @classmethod
    def _normalise(cls, raw: str, data: dict[str, Any], country: str) -> Normalised[str]:
        return normalise_phone(raw, country)


class WebHandle(ContactPoint):
    """A website or social profile; ``value`` is the canonical URL.

    Give ``platform`` with a bare handle ("@mario", platform "instagram").
    """

    platform: WebPlatform | None = None
    handle: str | None = None

    _EXTRAS = ("platform", "handle")

    @classmethod
    def _normalise(cls, raw: str, data: dict[str, Any], country: str) -> Normalised[str]:
        return normalise_web(raw, data.get("platform"))


class PostalAddress(ContactPoint):
    """A postal address, as components and as one normalised line (``value``).

    Give components, free-text ``lines`` ("Via Roma 12, 20121 Milano (MI)"), or both;
    ``raw`` is filled from them when not given. ``province`` is the Italian sigla
    for Italian addresses; ``country`` is ISO 3166-1 alpha-2 when valid.
    """

    raw: str = ""
    lines: list[str] = Field(default_factory=list)
    # Components come out of the address normaliser already clean: plain str is enough.
    street: str | None = None
    house_number: str | None = None
    unit: str | None = None
    postcode: str | None = None
    city: str | None = None
    province: str | None = None
    region: str | None = None
    country: str | None = None

    @classmethod
    def _prepare(cls, data: Any, info: ValidationInfo) -> Any:
        if isinstance(data, str):
            data = {"lines": [data]}
        if not isinstance(data, dict) or "valid" in data:
            return super()._prepare(data, info)
        return cls._normalised(data, context_country(info))

    @classmethod
    def _normalised(cls, data: dict[str, Any], country: str) -> dict[str, Any]:
        """Normalise the components (and free-text lines); a stored address's components
        are already normalised and come out unchanged."""
        lines = data.get("lines") or ()
        if isinstance(lines, str):
            lines = (lines,)
        get = data.get
        given = []
        for name in ADDRESS_COMPONENTS:
            value = get(name, _ABSENT)
            given.append(
                None if value is _ABSENT else value if value.__class__ is str else raw_text(value)
            )
        fields = address_fields(
            tuple(given), tuple(map(raw_text, lines)) if lines else (), data.get("raw"), country
        )
        return {**data, **fields, "lines": list(lines)}


_ABSENT = object()  # a component not in the input at all (``None`` given is read as "None")
