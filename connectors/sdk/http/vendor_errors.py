"""Reads what a vendor said in an error body, whatever shape its API gives it.

Shapes met in the wild: Salesforce's list ``[{message, errorCode}]``; HubSpot's
``{message, category, errors: [...]}``; Mailchimp's problem+json
``{title, detail, errors: [{field, message}]}``; GraphQL's ``{errors: [{message}]}``;
OAuth's ``{error, error_description}``; or plain text.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

MAX_MESSAGE_CHARS = 500
_MESSAGE_KEYS = ("message", "detail", "title", "error_description", "error_message", "msg")
_CODE_KEYS = ("errorCode", "error_code", "code", "category", "error")


def json_body(response: httpx.Response) -> Any:
    """The response body parsed as JSON, or None when it is empty or not JSON."""
    if not response.content:
        return None
    try:
        return json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return None


def error_items(body: Any) -> list[dict[str, Any]]:
    """The error objects in a parsed body: the body itself, the items of a top-level list, and
    the items of an ``errors`` list."""
    items: list[dict[str, Any]] = []
    if isinstance(body, list):
        items.extend(item for item in body if isinstance(item, dict))
    elif isinstance(body, dict):
        items.append(body)
        nested = body.get("errors")
        if isinstance(nested, list):
            items.extend(item for item in nested if isinstance(item, dict))
        elif isinstance(body.get("error"), dict):
            items.append(body["error"])
    return items


def error_codes(item: dict[str, Any]) -> set[str]:
    """The machine-readable codes an error object carries (errorCode, code, category, error)."""
    return {str(item[key]) for key in _CODE_KEYS if isinstance(item.get(key), (str, int))}


def _describe(item: dict[str, Any]) -> str:
    message = next((str(item[k]) for k in _MESSAGE_KEYS if isinstance(item.get(k), str)), "")
    code = next((str(item[k]) for k in _CODE_KEYS if isinstance(item.get(k), str)), "")
    field = item.get("field") or item.get("fields")
    parts = [f"{code}: {message}" if code and message and code != message else message or code]
    if field:
        parts.append(f"(field {field})")
    return " ".join(p for p in parts if p)


def vendor_message(response: httpx.Response) -> str:
    """A short human-readable summary of what the system said (empty when it said nothing)."""
    body = json_body(response)
    if body is None:
        text = response.content.decode("utf-8", errors="replace").strip()
        return text[:MAX_MESSAGE_CHARS]
    described: list[str] = []
    for item in error_items(body):
        text = _describe(item)
        if text and text not in described:
            described.append(text)
    message = "; ".join(described) if described else json.dumps(body)[:MAX_MESSAGE_CHARS]
    return message[:MAX_MESSAGE_CHARS]
