"""Refusals as Salesforce words them: whole requests, single records, several matches."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def error_body(code: str, message: str, fields: Iterable[str] = ()) -> list[dict[str, Any]]:
    """Salesforce's error answer: ``[{message, errorCode, fields}]``."""
    return [{"message": message, "errorCode": code, "fields": list(fields)}]


class ApiError(Exception):
    """A whole request refused with ``status`` and one error."""

    def __init__(self, status: int, code: str, message: str, fields: Iterable[str] = ()) -> None:
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.fields = list(fields)

    def body(self) -> list[dict[str, Any]]:
        """The JSON answer."""
        return error_body(self.code, self.message, self.fields)


def malformed(message: str) -> ApiError:
    """A query the fake cannot read: 400 MALFORMED_QUERY."""
    return ApiError(400, "MALFORMED_QUERY", message)


class RecordError(Exception):
    """One record refused (sObject collections and bulk jobs answer it per record)."""

    def __init__(self, code: str, message: str, fields: Iterable[str] = ()) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.fields = list(fields)

    def as_result(self) -> dict[str, Any]:
        """A failed item of a collection answer."""
        error = {"statusCode": self.code, "message": self.message, "fields": self.fields}
        return {"id": None, "success": False, "errors": [error], "created": False}

    def as_bulk_error(self) -> str:
        """The ``sf__Error`` column of a bulk failed result: ``CODE:message:fields --``."""
        return f"{self.code}:{self.message}:{','.join(self.fields)} --"


class MultipleMatches(Exception):
    """An external id value that matches several records."""

    def __init__(self, ids: list[str]) -> None:
        super().__init__(f"{len(ids)} records match")
        self.ids = ids
