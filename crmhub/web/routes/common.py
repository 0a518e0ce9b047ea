"""Small helpers the page routes share."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse

from crmhub.web.errors import InvalidInput
from crmhub.web.templating import app_path


async def form_fields(request: Request) -> dict[str, str]:
    """The posted form as plain strings (files are not accepted anywhere)."""
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


FormFields = Annotated[dict[str, str], Depends(form_fields)]


def redirect_to(
    request: Request, route_name: str, query: dict[str, Any] | None = None, /, **params: Any
) -> RedirectResponse:
    """A 303 redirect (after a POST, the browser GETs) to route ``route_name``."""
    return RedirectResponse(app_path(request, route_name, query, **params), status_code=303)


def int_field(fields: dict[str, str], name: str) -> int:
    """Form field ``name`` as an int; :class:`InvalidInput` naming the field otherwise."""
    try:
        return int(fields.get(name, ""))
    except ValueError:
        raise InvalidInput(
            f"form field {name!r} must be a whole number, got {fields.get(name)!r}",
            hint="reload the page and try again",
        ) from None
