"""A fake CRM REST API for the SDK's own tests: contacts read in (updated, id) order with a
server-side tie-break, opaque cursor pages, bearer tokens that expire, upserts by id."""

from __future__ import annotations

import base64
import json
import threading
from typing import Any

from connectors.testing import FakeRequest, FakeResponse, FakeServer, TokenIssuer, json_response

FIRST_STAMP = 1_767_225_600  # 2026-01-01T00:00:00Z


class FakeCrm:
    """The fake and its data; ``server.url + "/v1"`` is the API root."""

    def __init__(self) -> None:
        self.server = FakeServer("crm")
        self.issuer = TokenIssuer(lifetime=3600)
        self.token = self.issuer.issue()
        self.contacts: dict[str, dict[str, Any]] = {}
        self.clock = FIRST_STAMP
        self._lock = threading.Lock()
        self.server.add_route("GET", r"/v1/me", self._me)
        self.server.add_route("GET", r"/v1/contacts", self._list)
        self.server.add_route("PUT", r"/v1/contacts/(?P<id>[^/]+)", self._upsert)

    @property
    def api_root(self) -> str:
        return self.server.url + "/v1/"

    # -- changing the data (the test kit's seed and touch) ----------------------------------------

    def seed(self, n: int) -> None:
        with self._lock:
            for i in range(n):
                self.clock += 1
                key = f"c{len(self.contacts) + 1:04d}"
                self.contacts[key] = {
                    "id": key,
                    "email": f"{key}@example.com",
                    "name": f"Contact {key}",
                    "updated": self.clock,
                }

    def touch(self, keys: list[str], same_cursor: bool = False) -> None:
        with self._lock:
            if not same_cursor:
                self.clock += 10
            for key in keys:
                self.contacts[key] = {
                    **self.contacts[key],
                    "name": f"changed at {self.clock}",
                    "updated": self.clock,
                }

    # -- routes ---------------------------------------------------------------------------------

    def _me(self, request: FakeRequest) -> FakeResponse:
        return self.issuer.refuse(request) or json_response({"user": "integration"})

    def _list(self, request: FakeRequest) -> FakeResponse:
        refused = self.issuer.refuse(request)
        if refused:
            return refused
        limit = int(request.arg("limit", "100") or 100)
        after = request.arg("after")
        if after:
            position = tuple(json.loads(base64.urlsafe_b64decode(after)))
        elif request.arg("since_cursor") is not None:
            position = (int(request.arg("since_cursor") or 0), request.arg("since_key", "") or "")
        else:
            position = None
        with self._lock:
            rows = sorted(self.contacts.values(), key=lambda c: (c["updated"], c["id"]))
        if position is not None:
            rows = [r for r in rows if (r["updated"], r["id"]) > position]
        page = rows[:limit]
        paging: dict[str, Any] = {}
        if len(rows) > limit:
            last = page[-1]
            token = base64.urlsafe_b64encode(
                json.dumps([last["updated"], last["id"]]).encode()
            ).decode()
            paging = {"next": {"after": token}}
        return json_response({"results": page, "paging": paging})

    def _upsert(self, request: FakeRequest) -> FakeResponse:
        refused = self.issuer.refuse(request)
        if refused:
            return refused
        body = request.json() or {}
        if not body.get("email"):
            return json_response(
                {
                    "message": "validation failed",
                    "category": "VALIDATION_ERROR",
                    "errors": [{"field": "email", "message": "email is required"}],
                },
                422,
            )
        key = request.params["id"]
        with self._lock:
            created = key not in self.contacts
            self.clock += 1
            self.contacts[key] = {
                "id": key,
                "email": body["email"],
                "name": body.get("name", ""),
                "updated": self.clock,
            }
            row = dict(self.contacts[key])
        return json_response(row, 201 if created else 200)
