"""An amount of money: exact decimal amount and ISO 4217 currency."""

from __future__ import annotations

from decimal import Decimal

from canonical.base import CanonicalModel
from canonical.fields import CurrencyCode


class Money(CanonicalModel):
    """An exact amount in a currency ("1234.56 EUR").

    ``amount`` takes a Decimal, an int or a plain decimal string ("1234.56"); parse
    "1.234,56" with ``canonical.normalise.normalise_decimal`` first.
    """

    amount: Decimal
    currency: CurrencyCode
