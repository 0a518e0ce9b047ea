"""Normalisers: raw strings in, small result objects out (raw, value, valid, reason, extras).

A normaliser never raises on bad data and never drops it. Every one is idempotent:
``normalise(normalise(x).value).value == normalise(x).value``.
"""

from canonical.normalise.address import AddressResult, normalise_address, normalise_city
from canonical.normalise.codice_fiscale import CodiceFiscaleResult, normalise_codice_fiscale
from canonical.normalise.country import CountryResult, is_country_code, normalise_country
from canonical.normalise.dates import (
    DateResult,
    DateTimeResult,
    ensure_utc,
    normalise_date,
    normalise_datetime,
)
from canonical.normalise.email import EmailResult, email_match_key, normalise_email
from canonical.normalise.gender import Gender, GenderResult, normalise_gender
from canonical.normalise.identifier import (
    IdentifierResult,
    IdScheme,
    Verification,
    normalise_identifier,
)
from canonical.normalise.language import LanguageResult, normalise_language
from canonical.normalise.legal_form import LegalFormResult, lookup_legal_form, normalise_legal_form
from canonical.normalise.names import NameParts, NameResult, normalise_name, split_full_name
from canonical.normalise.numbers import DecimalResult, normalise_decimal
from canonical.normalise.phone import PhoneKind, PhoneResult, normalise_phone
from canonical.normalise.postcode import normalise_postcode
from canonical.normalise.province import ProvinceResult, normalise_province
from canonical.normalise.result import Normalised
from canonical.normalise.street import StreetResult, normalise_street
from canonical.normalise.text import collapse_whitespace, fold, strip_accents
from canonical.normalise.vat import VatResult, normalise_partita_iva, normalise_vat
from canonical.normalise.web import WebPlatform, WebResult, normalise_web

__all__ = [
    "AddressResult",
    "CodiceFiscaleResult",
    "CountryResult",
    "DateResult",
    "DateTimeResult",
    "DecimalResult",
    "EmailResult",
    "Gender",
    "GenderResult",
    "IdScheme",
    "IdentifierResult",
    "LanguageResult",
    "LegalFormResult",
    "NameParts",
    "NameResult",
    "Normalised",
    "PhoneKind",
    "PhoneResult",
    "ProvinceResult",
    "StreetResult",
    "VatResult",
    "Verification",
    "WebPlatform",
    "WebResult",
    "collapse_whitespace",
    "email_match_key",
    "ensure_utc",
    "fold",
    "is_country_code",
    "lookup_legal_form",
    "normalise_address",
    "normalise_city",
    "normalise_codice_fiscale",
    "normalise_country",
    "normalise_date",
    "normalise_datetime",
    "normalise_decimal",
    "normalise_email",
    "normalise_gender",
    "normalise_identifier",
    "normalise_language",
    "normalise_legal_form",
    "normalise_name",
    "normalise_partita_iva",
    "normalise_phone",
    "normalise_postcode",
    "normalise_province",
    "normalise_street",
    "normalise_vat",
    "normalise_web",
    "split_full_name",
    "strip_accents",
]
