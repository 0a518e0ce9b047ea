"""The review queue and the side-by-side view of a candidate pair, with its decision form."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from crmhub.web.actions import DECISION_LABELS
from crmhub.web.auth import PageDecider
from crmhub.web.context import web_context
from crmhub.web.pairs import pair_view
from crmhub.web.queue import (
    PARTY_KINDS,
    QUEUE_STATES,
    SCORE_BANDS,
    QueueFilter,
    pair_at,
    queue_page,
    systems,
)
from crmhub.web.routes.common import FormFields, int_field, redirect_to
from crmhub.web.templating import render

router = APIRouter()


def _filter(values: Mapping[str, str]) -> QueueFilter:
    """The queue filter from query parameters or form fields."""
    return QueueFilter(
        system=values.get("system") or None,
        band=values.get("band") or None,
        kind=values.get("kind") or None,
        state=values.get("state") or "open",
    )


@router.get("/", name="home")
def home(request: Request) -> Response:
    """The queue is where a steward's day starts."""
    return redirect_to(request, "queue")


@router.get("/queue", name="queue", response_class=HTMLResponse)
def queue(request: Request, offset: int = 0) -> Response:
    """Candidate pairs waiting for a steward, by impact, filterable."""
    ctx = web_context(request)
    wanted = _filter(request.query_params)
    page = queue_page(ctx.engine, wanted, offset=max(0, offset), limit=ctx.settings.page_size)
    with ctx.engine.connect() as conn:
        known_systems = systems(conn)
    return render(
        request,
        "queue.html",
        {
            "page": page,
            "filter": wanted,
            "params": wanted.as_params(),
            "systems": known_systems,
            "bands": SCORE_BANDS,
            "kinds": PARTY_KINDS,
            "states": QUEUE_STATES,
            "page_size": ctx.settings.page_size,
            "decided": request.query_params.get("decided"),
        },
    )


@router.get("/pairs/{pair_id}", name="pair", response_class=HTMLResponse)
def pair(request: Request, pair_id: int, pos: int | None = None) -> Response:
    """Both records side by side, the score's explanation and the decision buttons."""
    ctx = web_context(request)
    wanted = _filter(request.query_params)
    view = pair_view(ctx.engine, pair_id)
    previous_id = next_id = None
    if pos is not None:
        previous_id = pair_at(ctx.engine, wanted, pos - 1)
        next_id = pair_at(ctx.engine, wanted, pos + 1)
    return render(
        request,
        "pair.html",
        {
            "pair": view,
            "pos": pos,
            "params": wanted.as_params(),
            "previous_id": previous_id,
            "next_id": next_id,
            "labels": DECISION_LABELS,
        },
    )


@router.post("/pairs/{pair_id}/decision", name="decide")
def decide(
    request: Request,
    pair_id: int,
    fields: FormFields,
    user: PageDecider,
) -> Response:
    """Record the decision, then open the next pair of the queue (same filters)."""
    ctx = web_context(request)
    ctx.actions.decide(
        pair_id, fields.get("decision", ""), actor=user.name, comment=fields.get("comment")
    )
    wanted = _filter(fields)
    pos = int_field(fields, "pos") if fields.get("pos") else 0
    # A decided pair leaves the open queue, so the next one now stands at the same position.
    following = pair_at(ctx.engine, wanted, pos)
    if following == pair_id:  # still listed (a "not sure" in the not-sure list): move on
        pos += 1
        following = pair_at(ctx.engine, wanted, pos)
    if following is None and pos > 0:  # past the end: back to the top
        pos = 0
        following = pair_at(ctx.engine, wanted, pos)
    params = wanted.as_params()
    if following is None:
        return redirect_to(request, "queue", {**params, "decided": pair_id})
    return redirect_to(
        request, "pair", {**params, "pos": pos, "decided": pair_id}, pair_id=following
    )
