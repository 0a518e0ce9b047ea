"""A person as one source system sees them."""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator

from canonical.base import CanonicalModel
from canonical.fields import CalendarDate, GenderValue, LanguageCode, PersonName
from canonical.identifiers import Identifier, scheme_coercer
from canonical.normalise.identifier import IdScheme

CodiceFiscale = Annotated[Identifier, BeforeValidator(scheme_coercer(IdScheme.IT_CF))]
"""An Italian codice fiscale (scheme IT_CF); a plain string is accepted."""


class Person(CanonicalModel):
    """What a source knows about a person. Names are in display form."""

    given_name: PersonName | None = None
    family_name: PersonName | None = None
    middle_names: PersonName | None = None
    birth_date: CalendarDate | None = None
    gender: GenderValue | None = None
    language: LanguageCode | None = None
    codice_fiscale: CodiceFiscale | None = None

    @property
    def full_name(self) -> str | None:
        """The name as one line ("Given Middle Family"), or ``None`` when none is known."""
        names = [n for n in (self.given_name, self.middle_names, self.family_name) if n]
        return " ".join(names) or None
