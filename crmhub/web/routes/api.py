"""The JSON API under /api/v1: the pages' reads and actions, for automation (bearer tokens).

FastAPI publishes its OpenAPI description at /api/v1/openapi.json.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Depends, Request

from crmhub.web import api_models as m
from crmhub.web.audit import event_page
from crmhub.web.auth import ApiAdmin, ApiDecider, ApiGoldenEditor, ApiReader, api_user
from crmhub.web.context import web_context
from crmhub.web.customers import customer_view
from crmhub.web.pairs import pair_view
from crmhub.web.queue import QueueFilter, queue_page
from crmhub.web.records import SourceRecord
from crmhub.web.roles import Role
from crmhub.web.routes.audit_pages import event_filter
from crmhub.web.search import search
from crmhub.web.tokens import TokenInfo, create_token, revoke_token
from crmhub.web.users import create_user, list_users

REFUSALS: dict[int | str, dict[str, Any]] = {
    status: {"model": m.ErrorBody, "description": what}
    for status, what in (
        (400, "invalid input"),
        (401, "no valid token"),
        (403, "the token's role does not allow this"),
        (404, "not found"),
    )
}

router = APIRouter(
    prefix="/api/v1", tags=["api"], responses=REFUSALS, dependencies=[Depends(api_user)]
)


def _record(r: SourceRecord) -> m.SourceRecordOut:
    return m.SourceRecordOut(
        id=r.id,
        connection=r.connection,
        stream=r.stream,
        source_key=r.source_key,
        display_name=r.display_name,
        party_kind=r.party_kind,
        golden_id=r.golden_id,
        deleted=r.deleted,
        source_updated_at=r.source_updated_at,
        canonical=r.canonical,
    )


def _token(t: TokenInfo, token: str | None = None) -> m.TokenOut:
    return m.TokenOut(
        id=t.id,
        user=t.user_name,
        label=t.label,
        role=t.role.value,
        created_at=t.created_at,
        last_used_at=t.last_used_at,
        revoked_at=t.revoked_at,
        token=token,
    )


@router.get("/me", response_model=m.Me)
def me(user: ApiReader) -> m.Me:
    """The user (and effective role) the token acts as."""
    return m.Me(name=user.name, role=user.role.value)


@router.get("/queue", response_model=m.QueueOut)
def queue(
    request: Request,
    _user: ApiReader,
    system: str | None = None,
    band: str | None = None,
    kind: str | None = None,
    state: str = "open",
    offset: int = 0,
    limit: int = 50,
) -> m.QueueOut:
    """The review queue by impact, filtered like the queue page."""
    ctx = web_context(request)
    page = queue_page(
        ctx.engine,
        QueueFilter(system=system, band=band, kind=kind, state=state),
        offset=max(0, offset),
        limit=max(1, min(limit, 500)),
    )
    return m.QueueOut(
        total=page.total,
        offset=page.offset,
        items=[m.QueueItemOut(**asdict(i)) for i in page.items],
    )


@router.get("/pairs/{pair_id}", response_model=m.PairOut)
def pair(request: Request, pair_id: int, _user: ApiReader) -> m.PairOut:
    """A candidate pair: both records, their fields aligned, the score's explanation."""
    v = pair_view(web_context(request).engine, pair_id)
    return m.PairOut(
        id=v.id,
        status=v.status,
        score=v.score,
        probability=v.probability,
        model_version=v.model_version,
        left=_record(v.left),
        right=_record(v.right),
        fields=[m.AlignedRowOut(**asdict(r)) for r in v.rows],
        prior_weight=v.prior_weight,
        contributions=[m.ContributionOut(**asdict(c)) for c in v.contributions],
        decisions=[m.DecisionOut(**asdict(d)) for d in v.decisions],
    )


@router.post("/pairs/{pair_id}/decision", response_model=m.DecisionRecordedOut)
def decide(
    request: Request, pair_id: int, body: m.DecisionIn, user: ApiDecider
) -> m.DecisionRecordedOut:
    """Settle a candidate pair: same, different or unsure (with an optional comment)."""
    done = web_context(request).actions.decide(
        pair_id, body.decision, actor=user.name, comment=body.comment
    )
    return m.DecisionRecordedOut(**asdict(done))


@router.get("/customers/{golden_id}", response_model=m.CustomerOut)
def customer(request: Request, golden_id: str, _user: ApiReader) -> m.CustomerOut:
    """A golden record (merged-away ids answer with their survivor) with lineage per value."""
    v = customer_view(web_context(request).engine, golden_id)
    lines = v.identity + [line for lines in v.sections.values() for line in lines]
    return m.CustomerOut(
        id=v.id,
        requested_id=v.requested_id,
        party_kind=v.party_kind,
        display_name=v.display_name,
        version=v.version,
        retired=v.retired,
        fields=[
            m.FieldLineOut(
                path=f.path,
                text=f.text,
                rule=f.rule,
                sources=[s.id for s in f.sources],
                value_from=f.value_from.id if f.value_from else None,
            )
            for f in lines
        ],
        sources=[_record(s) for s in v.sources],
    )


@router.post(
    "/customers/{golden_id}/merge",
    response_model=m.GoldenChangeOut,
    responses={501: {"model": m.ErrorBody, "description": "not wired"}},
)
def merge(
    request: Request, golden_id: str, body: m.MergeIn, user: ApiGoldenEditor
) -> m.GoldenChangeOut:
    """Merge ``other_golden_id`` into this golden record."""
    done = web_context(request).actions.merge(
        golden_id, body.other_golden_id, actor=user.name, why=body.why
    )
    return m.GoldenChangeOut(golden_ids=list(done.golden_ids), event_id=done.event_id)


@router.post(
    "/customers/{golden_id}/unmerge",
    response_model=m.GoldenChangeOut,
    responses={501: {"model": m.ErrorBody, "description": "not wired"}},
)
def unmerge(
    request: Request, golden_id: str, body: m.UnmergeIn, user: ApiGoldenEditor
) -> m.GoldenChangeOut:
    """Take ``source_ids`` out of this golden record."""
    done = web_context(request).actions.unmerge(
        golden_id, body.source_ids, actor=user.name, why=body.why
    )
    return m.GoldenChangeOut(golden_ids=list(done.golden_ids), event_id=done.event_id)


@router.get("/search", response_model=list[m.SearchHitOut])
def search_records(
    request: Request, q: str, _user: ApiReader, key: str = "any"
) -> list[m.SearchHitOut]:
    """Source records by name, email, phone, vat, cf or external_id (``key``, default any)."""
    ctx = web_context(request)
    hits = search(
        ctx.engine,
        q,
        key=key,
        limit=ctx.settings.page_size,
        timeout_ms=ctx.settings.search_timeout_ms,
    )
    return [m.SearchHitOut(**asdict(h)) for h in hits]


@router.get("/events", response_model=m.EventsOut)
def events(
    request: Request,
    _user: ApiReader,
    kind: str | None = None,
    actor: str | None = None,
    subject_type: str | None = None,
    subject_id: str | None = None,
    since: str | None = None,
    until: str | None = None,
    before: int | None = None,
    limit: int = 50,
) -> m.EventsOut:
    """The audit log, newest first; dates as YYYY-MM-DD (``until`` includes its day)."""
    wanted = event_filter(kind, actor, subject_type, subject_id, since, until)
    page = event_page(
        web_context(request).engine, wanted, limit=max(1, min(limit, 500)), before=before
    )
    return m.EventsOut(events=[m.EventOut(**asdict(e)) for e in page.events], older=page.older)


@router.get("/users", response_model=list[m.UserOut])
def users(request: Request, _admin: ApiAdmin) -> list[m.UserOut]:
    """Every user."""
    return [
        m.UserOut(name=u.name, role=u.role.value, active=u.active, created_at=u.created_at)
        for u in list_users(web_context(request).engine)
    ]


@router.post("/users", response_model=m.UserOut, status_code=201)
def add_user(request: Request, body: m.UserIn, admin: ApiAdmin) -> m.UserOut:
    """Add a user."""
    ctx = web_context(request)
    u = create_user(
        ctx.engine,
        ctx.passwords,
        name=body.name,
        password=body.password,
        role=Role(body.role),
        actor=admin.name,
        now=ctx.now(),
    )
    return m.UserOut(name=u.name, role=u.role.value, active=u.active, created_at=u.created_at)


@router.post("/users/{name}/tokens", response_model=m.TokenOut, status_code=201)
def add_token(request: Request, name: str, body: m.TokenIn, admin: ApiAdmin) -> m.TokenOut:
    """Create an API token for user ``name``; the answer is the only time it is shown."""
    ctx = web_context(request)
    created = create_token(
        ctx.engine,
        user_name=name,
        label=body.label,
        role=Role(body.role) if body.role else None,
        actor=admin.name,
        now=ctx.now(),
    )
    return _token(created.info, created.token)


@router.post("/tokens/{token_id}/revoke", response_model=m.TokenOut)
def revoke(request: Request, token_id: int, admin: ApiAdmin) -> m.TokenOut:
    """Revoke an API token."""
    ctx = web_context(request)
    return _token(revoke_token(ctx.engine, token_id, actor=admin.name, now=ctx.now()))
