"""Credit assessments from bureaus (Creditsafe, D&B, ...) and the international score bands."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from canonical.base import CanonicalModel
from canonical.fields import Text, UtcDateTime
from canonical.money import Money


class CreditBand(StrEnum):
    """International credit rating band: A very low risk ... D high risk, E not rated."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"
    E = "E"


# Lowest international score (1-100) of each band, best band first.
BAND_FLOORS: tuple[tuple[int, CreditBand], ...] = (
    (71, CreditBand.A),
    (51, CreditBand.B),
    (30, CreditBand.C),
    (1, CreditBand.D),
)


def band_for_score(score: int | None) -> CreditBand:
    """Map an international credit score to its band: A 71-100, B 51-70, C 30-50, D 1-29.

    ``None`` (no score) is band E, not rated. Scores outside 1-100 raise ``ValueError``.
    """
    if score is None:
        return CreditBand.E
    if not 1 <= score <= 100:
        raise ValueError(f"credit score {score} is outside the international scale 1-100")
    return next(band for floor, band in BAND_FLOORS if score >= floor)


class CreditAssessment(CanonicalModel):
    """One bureau's view of a party's credit-worthiness at one time.

    Attributes:
        score: the bureau's international score (1-100), if any.
        band: the rating band; a bureau may give it without a score.
        description: the bureau's words for the rating ("Very low risk").
        report_id: the bureau's id of the report, to fetch it again.
    """

    bureau: str
    score: int | None = Field(default=None, ge=0, le=100)
    band: CreditBand | None = None
    credit_limit: Money | None = None
    assessed_at: UtcDateTime
    description: Text | None = None
    report_id: str | None = None
