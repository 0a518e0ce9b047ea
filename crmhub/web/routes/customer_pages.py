"""The customer page (golden record with lineage), source records, search, merge/unmerge."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from crmhub.web.auth import PageGoldenEditor
from crmhub.web.context import web_context
from crmhub.web.customers import customer_view
from crmhub.web.errors import InvalidInput
from crmhub.web.records import source_record
from crmhub.web.routes.common import FormFields, redirect_to
from crmhub.web.search import SEARCH_KEYS, search
from crmhub.web.templating import render

router = APIRouter()


@router.get("/customers/{golden_id}", name="customer", response_class=HTMLResponse)
def customer(request: Request, golden_id: str) -> Response:
    """The golden record, every field with its lineage, its sources and its history."""
    ctx = web_context(request)
    view = customer_view(ctx.engine, golden_id)
    if view.id != golden_id:  # merged away: show the survivor under its own address
        return redirect_to(request, "customer", golden_id=view.id)
    return render(
        request, "customer.html", {"customer": view, "done": request.query_params.get("done")}
    )


@router.get("/sources/{source_id}", name="source_record", response_class=HTMLResponse)
def source(request: Request, source_id: int) -> Response:
    """One source record as its system gave it (raw) and as the hub reads it (canonical)."""
    record = source_record(web_context(request).engine, source_id)
    return render(request, "source.html", {"record": record})


@router.get("/search", name="search", response_class=HTMLResponse)
def search_page(request: Request, q: str = "", key: str = "any") -> Response:
    """Search by name, e-mail, phone, VAT id, codice fiscale or external id."""
    ctx = web_context(request)
    hits, problem = [], None
    try:
        hits = search(
            ctx.engine,
            q,
            key=key,
            limit=ctx.settings.page_size,
            timeout_ms=ctx.settings.search_timeout_ms,
        )
    except InvalidInput as exc:
        problem = exc
    return render(
        request,
        "search.html",
        {"q": q, "key": key, "keys": SEARCH_KEYS, "hits": hits, "problem": problem},
    )


@router.post("/customers/{golden_id}/unmerge", name="unmerge")
def unmerge(
    request: Request,
    golden_id: str,
    fields: FormFields,
    user: PageGoldenEditor,
) -> Response:
    """Take one source record out of the customer (integration point: ``StewardActions``)."""
    source_ids = [
        int(v) for v in fields.get("source_ids", "").replace(",", " ").split() if v.isdigit()
    ]
    if not source_ids:
        raise InvalidInput(
            "choose the source record(s) to take out",
            hint="tick a source record in the Sources list first",
        )
    change = web_context(request).actions.unmerge(
        golden_id, source_ids, actor=user.name, why=fields.get("why") or None
    )
    return redirect_to(request, "customer", {"done": "unmerged"}, golden_id=change.golden_ids[0])


@router.post("/customers/{golden_id}/merge", name="merge_with")
def merge_with(
    request: Request,
    golden_id: str,
    fields: FormFields,
    user: PageGoldenEditor,
) -> Response:
    """Merge another customer into this one (integration point: ``StewardActions``)."""
    other = fields.get("other_golden_id", "").strip()
    if not other:
        raise InvalidInput(
            "give the golden id of the customer to merge into this one",
            hint="find it with the search; it is shown on its customer page",
        )
    change = web_context(request).actions.merge(
        golden_id, other, actor=user.name, why=fields.get("why") or None
    )
    return redirect_to(request, "customer", {"done": "merged"}, golden_id=change.golden_ids[0])
