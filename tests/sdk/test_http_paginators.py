"""Each paginator walks a fake API to its end, and stops with a clear error when the API hands
back a token, URL or page it had already given."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest

from connectors.sdk import ConfigError
from connectors.sdk.http import HttpClient, PaginationLoop, RetrySettings, paginator_from_config
from connectors.testing import FakeRequest, FakeResponse, FakeServer, json_response

ITEMS = [{"id": i} for i in range(1, 8)]  # 7 items: pages of 3, 3, 1
SIZE = 3


class PagedApi:
    """One fake API speaking every pagination dialect; ``broken`` makes each one repeat itself."""

    def __init__(self) -> None:
        self.broken = False
        self.server = FakeServer("paged")
        routes = {
            ("GET", r"/wc/customers"): self.page_number,
            ("GET", r"/mc/members"): self.offset,
            ("GET", r"/hs/contacts"): self.cursor,
            ("POST", r"/hs/contacts/search"): self.cursor_in_body,
            ("GET", r"/services/data/v62\.0/query(?:/(?P<locator>\d+))?"): self.next_url,
            ("GET", r"/gh/issues"): self.link_header,
            ("POST", r"/admin/api/2026-01/graphql\.json"): self.graphql,
        }
        for (method, path), handler in routes.items():
            self.server.add_route(method, path, handler)

    def _slice(self, start: int) -> list[dict[str, int]]:
        return ITEMS[start : start + SIZE]

    def page_number(self, request: FakeRequest) -> FakeResponse:
        page = 1 if self.broken else int(request.arg("page", "1") or 1)
        total_pages = -(-len(ITEMS) // SIZE)
        headers = (
            {}
            if self.broken
            else {"X-WP-Total": str(len(ITEMS)), "X-WP-TotalPages": str(total_pages)}
        )
        return json_response(self._slice((page - 1) * SIZE), headers=headers)

    def offset(self, request: FakeRequest) -> FakeResponse:
        start = 0 if self.broken else int(request.arg("offset", "0") or 0)
        total = 100 if self.broken else len(ITEMS)
        return json_response({"members": self._slice(start), "total_items": total})

    @staticmethod
    def _token(start: int) -> str:
        return base64.urlsafe_b64encode(f"pos:{start}".encode()).decode()

    @staticmethod
    def _start(token: str | None) -> int:
        return int(base64.urlsafe_b64decode(token).decode().split(":")[1]) if token else 0

    def _cursor_page(self, start: int) -> dict[str, Any]:
        following = SIZE if self.broken else start + SIZE
        paging = {"next": {"after": self._token(following)}} if following < len(ITEMS) else {}
        return {"results": self._slice(start), "paging": paging}

    def cursor(self, request: FakeRequest) -> FakeResponse:
        return json_response(self._cursor_page(self._start(request.arg("after"))))

    def cursor_in_body(self, request: FakeRequest) -> FakeResponse:
        body = request.json() or {}
        assert body.get("filterGroups"), "the search body must travel with every page"
        return json_response(self._cursor_page(self._start(body.get("after"))))

    def next_url(self, request: FakeRequest) -> FakeResponse:
        start = int(request.params.get("locator", "0"))
        following = SIZE if self.broken else start + SIZE
        body: dict[str, Any] = {
            "totalSize": len(ITEMS),
            "done": following >= len(ITEMS),
            "records": self._slice(start),
        }
        if following < len(ITEMS):
            body["nextRecordsUrl"] = f"/services/data/v62.0/query/{following}"
        return json_response(body)

    def link_header(self, request: FakeRequest) -> FakeResponse:
        page = int(request.arg("page", "1") or 1)
        following = 2 if self.broken else page + 1
        headers = {}
        if (following - 1) * SIZE < len(ITEMS):
            headers["Link"] = (
                f'<{self.server.url}/gh/issues?page={following}>; rel="next", '
                f'<{self.server.url}/gh/issues?page=1>; rel="first"'
            )
        return json_response(self._slice((page - 1) * SIZE), headers=headers)

    def graphql(self, request: FakeRequest) -> FakeResponse:
        body = request.json()
        assert "customers(first:" in body["query"]
        start = self._start((body.get("variables") or {}).get("after"))
        following = SIZE if self.broken else start + SIZE
        edges = [
            {"cursor": self._token(start + i + 1), "node": item}
            for i, item in enumerate(self._slice(start))
        ]
        info = {"hasNextPage": following < len(ITEMS), "endCursor": self._token(following)}
        return json_response({"data": {"customers": {"edges": edges, "pageInfo": info}}})


@pytest.fixture
def api() -> Iterator[PagedApi]:
    fake = PagedApi()
    with fake.server:
        yield fake
    assert not fake.server.errors, fake.server.errors


GRAPHQL = (
    "query($after: String) { customers(first: 3, after: $after) "
    "{ edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }"
)

# (paginator config, method, url, records_path, params, json body)
WALKS: dict[str, tuple[dict[str, Any], str, str, str | None, dict[str, Any] | None, Any]] = {
    "page_number": (
        {"type": "page_number", "size_param": "per_page", "size": SIZE},
        "GET",
        "/wc/customers",
        None,
        None,
        None,
    ),
    "offset": (
        {"type": "offset", "limit": SIZE, "limit_param": "count", "total_path": "total_items"},
        "GET",
        "/mc/members",
        "members",
        None,
        None,
    ),
    "cursor": (
        {"type": "cursor", "path": "paging.next.after"},
        "GET",
        "/hs/contacts",
        "results",
        {"limit": SIZE},
        None,
    ),
    "cursor_in_body": (
        {"type": "cursor", "path": "paging.next.after", "location": "json"},
        "POST",
        "/hs/contacts/search",
        "results",
        None,
        {"filterGroups": [{"filters": []}], "limit": SIZE},
    ),
    "next_url": (
        {"type": "next_url", "path": "nextRecordsUrl"},
        "GET",
        "query",
        "records",
        {"q": "SELECT Id FROM Contact"},
        None,
    ),
    "link_header": ({"type": "link_header"}, "GET", "/gh/issues", None, None, None),
    "graphql": (
        {"type": "graphql", "page_info_path": "data.customers.pageInfo"},
        "POST",
        "/admin/api/2026-01/graphql.json",
        "data.customers.edges",
        None,
        {"query": GRAPHQL, "variables": {}},
    ),
}


def walk(api: PagedApi, name: str) -> list[Any]:
    config, method, url, records_path, params, body = WALKS[name]
    base = api.server.url + ("/services/data/v62.0" if name == "next_url" else "")
    with HttpClient(base, retry=RetrySettings(max_attempts=2, backoff_initial=0.01)) as client:
        pages = client.paginate(
            url, config, method=method, params=params, json=body, records_path=records_path
        )
        return [record for page in pages for record in page.records]


@pytest.mark.parametrize("name", sorted(WALKS))
def test_paginator_walks_the_api_to_the_end(api: PagedApi, name: str) -> None:
    records = walk(api, name)
    ids = [r["node"]["id"] if "node" in r else r["id"] for r in records]
    assert ids == [item["id"] for item in ITEMS]
    assert len(api.server.requests) == 3  # 3 pages, no extra request past the end


@pytest.mark.parametrize("name", sorted(WALKS))
def test_paginator_raises_when_the_api_repeats_itself(api: PagedApi, name: str) -> None:
    api.broken = True
    with pytest.raises(PaginationLoop) as caught:
        walk(api, name)
    assert "again after page" in str(caught.value) and caught.value.hint
    assert len(api.server.requests) <= 3  # caught at the first repeat, not after looping


def test_next_url_is_resolved_against_the_answer_not_appended_to_the_base(api: PagedApi) -> None:
    walk(api, "next_url")
    paths = [r.path for r in api.server.requests]
    assert paths == [
        "/services/data/v62.0/query",
        "/services/data/v62.0/query/3",
        "/services/data/v62.0/query/6",
    ]


def test_page_number_stops_on_an_empty_page_without_a_total(api: PagedApi) -> None:
    api.server.add_route(
        "GET", r"/plain", lambda r: json_response(ITEMS[(int(r.arg("page") or 1) - 1) * 4 :][:4])
    )
    with HttpClient(api.server.url) as client:
        pages = list(client.paginate("/plain", {"type": "page_number", "total_pages_header": None}))
    assert [len(p.records) for p in pages] == [4, 3, 0]


def test_unknown_paginator_type_suggests_the_closest() -> None:
    with pytest.raises(ConfigError, match="unknown paginator type 'curosr'.*did you mean 'cursor'"):
        paginator_from_config({"type": "curosr", "path": "x"})


def test_unknown_paginator_option_lists_the_options() -> None:
    with pytest.raises(ConfigError, match="no option 'pth'.*its options: path, param, location"):
        paginator_from_config({"type": "cursor", "pth": "paging.next.after"})


def test_records_path_pointing_at_a_non_list_is_a_clear_error(api: PagedApi) -> None:
    with (
        HttpClient(api.server.url) as client,
        pytest.raises(ConfigError, match="'paging' of .* not a list"),
    ):
        list(
            client.paginate(
                "/hs/contacts",
                {"type": "cursor", "path": "paging.next.after"},
                records_path="paging",
            )
        )
