"""The JSON API's request and response bodies (what the OpenAPI description shows)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

DecisionName = Literal["same", "different", "unsure"]
RoleName = Literal["viewer", "steward", "admin"]


class ErrorBody(BaseModel):
    """Every refusal: what is wrong and what to try."""

    error: str
    hint: str | None = None


class Me(BaseModel):
    """Who the token acts as."""

    name: str
    role: RoleName


class QueueItemOut(BaseModel):
    """A candidate pair in the review queue."""

    pair_id: int
    position: int
    probability: float | None
    score: float
    impact: float
    history: int
    kind: str | None
    left_name: str
    left_system: str
    right_name: str
    right_system: str
    decision: DecisionName | None


class QueueOut(BaseModel):
    """A page of the review queue."""

    total: int
    offset: int
    items: list[QueueItemOut]


class SourceRecordOut(BaseModel):
    """A source record."""

    id: int
    connection: str
    stream: str
    source_key: str
    display_name: str
    party_kind: str | None
    golden_id: str | None
    deleted: bool
    source_updated_at: datetime | None
    canonical: dict[str, Any]


class AlignedRowOut(BaseModel):
    """One field of both records."""

    label: str
    left: list[str]
    right: list[str]
    agreement: Literal["same", "different", "one-sided"]


class ContributionOut(BaseModel):
    """One comparison's part in the score."""

    comparison: str
    level: str
    left_value: str
    right_value: str
    weight: float


class DecisionOut(BaseModel):
    """A steward's decision."""

    decision: DecisionName
    actor: str
    comment: str | None
    decided_at: datetime


class PairOut(BaseModel):
    """A candidate pair with both records and the explanation of its score."""

    id: int
    status: str
    score: float
    probability: float | None
    model_version: str | None
    left: SourceRecordOut
    right: SourceRecordOut
    fields: list[AlignedRowOut]
    prior_weight: float | None
    contributions: list[ContributionOut]
    decisions: list[DecisionOut]


class DecisionIn(BaseModel):
    """A steward's decision on a pair."""

    decision: DecisionName
    comment: str | None = Field(default=None, max_length=2000)


class DecisionRecordedOut(BaseModel):
    """The decision as recorded."""

    pair_id: int
    decision: DecisionName
    event_id: int
    previous: DecisionName | None


class FieldLineOut(BaseModel):
    """A golden value with its lineage."""

    path: str
    text: str
    rule: str | None
    sources: list[int]
    value_from: int | None


class CustomerOut(BaseModel):
    """A golden record."""

    id: str
    requested_id: str
    party_kind: str | None
    display_name: str
    version: int
    retired: bool
    fields: list[FieldLineOut]
    sources: list[SourceRecordOut]


class MergeIn(BaseModel):
    """Merge another golden record into this one."""

    other_golden_id: str
    why: str | None = None


class UnmergeIn(BaseModel):
    """Take source records out of this golden record."""

    source_ids: list[int] = Field(min_length=1)
    why: str | None = None


class GoldenChangeOut(BaseModel):
    """What a merge or unmerge did."""

    golden_ids: list[str]
    event_id: int


class SearchHitOut(BaseModel):
    """A source record found, with its golden id."""

    source_id: int
    connection: str
    stream: str
    source_key: str
    display_name: str
    party_kind: str | None
    golden_id: str | None
    found_by: str


class EventOut(BaseModel):
    """An audit log entry."""

    id: int
    at: datetime
    actor: str
    kind: str
    subject_type: str
    subject_id: str
    data: dict[str, Any]


class EventsOut(BaseModel):
    """A page of the audit log; pass ``older`` as ``before`` for the next page."""

    events: list[EventOut]
    older: int | None


class UserOut(BaseModel):
    """A user."""

    name: str
    role: RoleName
    active: bool
    created_at: datetime


class UserIn(BaseModel):
    """A new user."""

    name: str
    password: str = Field(min_length=10)
    role: RoleName


class TokenIn(BaseModel):
    """A new API token; ``role`` defaults to the user's."""

    label: str = "api"
    role: RoleName | None = None


class TokenOut(BaseModel):
    """An API token (``token`` only in the answer that created it)."""

    id: int
    user: str
    label: str
    role: RoleName
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    token: str | None = None
