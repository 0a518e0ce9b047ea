"""The audit log page: every event, filterable by kind, actor, subject and date, paginated."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from crmhub.web.audit import EventFilter, event_page
from crmhub.web.context import web_context
from crmhub.web.errors import InvalidInput
from crmhub.web.templating import render

router = APIRouter()


def parse_day(name: str, text: str | None, *, end: bool = False) -> datetime | None:
    """A YYYY-MM-DD filter as a UTC instant (the day's start, or the next day's with ``end``)."""
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            f"{name} {text!r} is not a date", hint="write it as 2026-11-23"
        ) from None
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return start + timedelta(days=1) if end else start


def event_filter(
    kind: str | None,
    actor: str | None,
    subject_type: str | None,
    subject_id: str | None,
    since: str | None,
    until: str | None,
) -> EventFilter:
    """The filter from the page's (or the API's) parameters; ``until`` includes its day."""
    return EventFilter(
        kind=(kind or "").strip() or None,
        actor=(actor or "").strip() or None,
        subject_type=(subject_type or "").strip() or None,
        subject_id=(subject_id or "").strip() or None,
        since=parse_day("since", since),
        until=parse_day("until", until, end=True),
    )


@router.get("/audit", name="audit", response_class=HTMLResponse)
def audit(
    request: Request,
    kind: str | None = None,
    actor: str | None = None,
    subject_type: str | None = None,
    subject_id: str | None = None,
    since: str | None = None,
    until: str | None = None,
    before: int | None = None,
) -> Response:
    """Events newest first; "older" pages go on from the last id shown."""
    ctx = web_context(request)
    wanted = event_filter(kind, actor, subject_type, subject_id, since, until)
    page = event_page(ctx.engine, wanted, limit=ctx.settings.page_size, before=before)
    params = {
        "kind": kind,
        "actor": actor,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "since": since,
        "until": until,
    }
    return render(request, "audit.html", {"page": page, "params": params, "before": before})
