"""Paginators: how to get from one page of an API to the next.

Each paginator is a small class with three methods:

* ``start(request)``          - the first request (adds page=1, limit=..., and the like);
* ``update(response, records)`` - read the next page's token from an answer (None: last page);
* ``next_request(request, token)`` - the request for the page that token names.

The base class drives them and guards against loops: a token (or URL, or page content) seen before
raises ``PaginationLoop`` instead of walking in circles. Every paginator can also be built from a
declarative dict, ``paginator_from_config({"type": "cursor", "path": "paging.next.after"})``.
"""

from __future__ import annotations

import difflib
import hashlib
import inspect
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any, ClassVar, Generic, Literal, TypeVar

import httpx

from connectors.sdk.errors import ConfigError
from connectors.sdk.http.errors import PaginationLoop
from connectors.sdk.http.jsonpath import lookup
from connectors.sdk.http.redaction import redact_url

TokenT = TypeVar("TokenT")


@dataclass(frozen=True, slots=True)
class PageRequest:
    """One page's request: method, URL (relative to the client's base or absolute), query
    parameters and JSON body."""

    method: str
    url: str
    params: Mapping[str, Any] | None = None
    json: Any = None

    def with_params(self, **params: Any) -> PageRequest:
        """A copy with ``params`` merged into the query parameters."""
        return replace(self, params={**(self.params or {}), **params})

    def with_json(self, **fields: Any) -> PageRequest:
        """A copy with ``fields`` merged into the JSON body (a dict)."""
        return replace(self, json={**(self.json or {}), **fields})


@dataclass(slots=True)
class Page:
    """One page of answers: its 1-based ``number``, the request, the response and its records."""

    number: int
    request: PageRequest
    response: httpx.Response
    records: list[Any]


class Paginator(ABC, Generic[TokenT]):
    """Base class: subclasses implement ``start``, ``update`` and ``next_request``.

    A paginator keeps the state of one walk (the page it is on, the tokens seen): use a new one
    for each walk, or hand ``HttpClient.paginate`` the declarative dict, which builds a new one.
    """

    kind: ClassVar[str]

    def __init__(self) -> None:
        self._seen: set[object] = set()

    @abstractmethod
    def start(self, request: PageRequest) -> PageRequest:
        """The first page's request, built from the caller's."""

    @abstractmethod
    def update(self, response: httpx.Response, records: list[Any]) -> TokenT | None:
        """The token of the page after ``response``; None when it was the last."""

    @abstractmethod
    def next_request(self, request: PageRequest, token: TokenT) -> PageRequest:
        """The request for the page ``token`` names, from the previous page's request."""

    def loop_key(self, token: TokenT, response: httpx.Response) -> object:
        """What must never repeat during one walk (the token by default)."""
        return token

    def advance(self, page: Page) -> PageRequest | None:
        """The next page's request, or None after the last page; raises on a repeated token."""
        token = self.update(page.response, page.records)
        if token is None or token == "":
            return None
        key = self.loop_key(token, page.response)
        if key in self._seen:
            raise PaginationLoop(
                f"{type(self).__name__} got the same {self._what_repeats()} again after page "
                f"{page.number} of {page.request.method} {redact_url(page.response.url)}: "
                f"{str(token)[:120]!r}",
                hint="the API ignored the pagination parameter, or the paginator reads the wrong "
                "field: check its configuration against the API's answer",
            )
        self._seen.add(key)
        return self.next_request(page.request, token)

    def _what_repeats(self) -> str:
        return "page token"


def _digest(response: httpx.Response) -> str:
    return hashlib.blake2b(response.content, digest_size=16).hexdigest()


class PageNumberPaginator(Paginator[int]):
    """``?page=1, 2, ...`` until the page count header (WooCommerce ``X-WP-TotalPages``) or the
    body's ``total_pages_path`` says it was the last, or a page comes back empty. A page whose
    content repeats an earlier one is a loop (the API ignored ``page``)."""

    kind = "page_number"

    def __init__(
        self,
        param: str = "page",
        first_page: int = 1,
        size_param: str | None = None,
        size: int | None = None,
        total_pages_header: str | None = "X-WP-TotalPages",
        total_pages_path: str | None = None,
    ) -> None:
        super().__init__()
        self.param = param
        self.page = first_page
        self.size_param = size_param
        self.size = size
        self.total_pages_header = total_pages_header
        self.total_pages_path = total_pages_path

    def start(self, request: PageRequest) -> PageRequest:
        if self.size_param and self.size:
            request = request.with_params(**{self.size_param: self.size})
        return request.with_params(**{self.param: self.page})

    def _total_pages(self, response: httpx.Response) -> int | None:
        raw: Any = None
        if self.total_pages_header:
            raw = response.headers.get(self.total_pages_header)
        if raw is None and self.total_pages_path:
            raw = lookup(response.json(), self.total_pages_path)
        return int(raw) if raw is not None else None

    def update(self, response: httpx.Response, records: list[Any]) -> int | None:
        total = self._total_pages(response)
        if not records or (total is not None and self.page >= total):
            return None
        self.page += 1
        return self.page

    def next_request(self, request: PageRequest, token: int) -> PageRequest:
        return request.with_params(**{self.param: token})

    def loop_key(self, token: int, response: httpx.Response) -> object:
        return _digest(response)

    def _what_repeats(self) -> str:
        return "page content (next page number follows)"


class OffsetPaginator(Paginator[int]):
    """``?offset=0&limit=100`` (Mailchimp: ``offset`` / ``count`` / ``total_items``), stepping by
    ``limit`` until the total is reached, or a page comes back short or empty."""

    kind = "offset"

    def __init__(
        self,
        limit: int = 100,
        offset_param: str = "offset",
        limit_param: str = "limit",
        total_path: str | None = "total",
        start_offset: int = 0,
    ) -> None:
        super().__init__()
        if limit < 1:
            raise ValueError(f"OffsetPaginator limit must be at least 1 (got {limit})")
        self.limit = limit
        self.offset_param = offset_param
        self.limit_param = limit_param
        self.total_path = total_path
        self.offset = start_offset

    def start(self, request: PageRequest) -> PageRequest:
        return request.with_params(**{self.offset_param: self.offset, self.limit_param: self.limit})

    def update(self, response: httpx.Response, records: list[Any]) -> int | None:
        total = lookup(response.json(), self.total_path) if self.total_path else None
        self.offset += self.limit
        if not records or len(records) < self.limit:
            return None
        if total is not None and self.offset >= int(total):
            return None
        return self.offset

    def next_request(self, request: PageRequest, token: int) -> PageRequest:
        return request.with_params(**{self.offset_param: token})

    def loop_key(self, token: int, response: httpx.Response) -> object:
        return _digest(response)

    def _what_repeats(self) -> str:
        return "page content (next offset follows)"


class CursorPaginator(Paginator[str]):
    """An opaque token at ``path`` in the JSON body (HubSpot ``paging.next.after``), sent back as
    ``param`` in the query or, for search endpoints taking a JSON body, in the body."""

    kind = "cursor"

    def __init__(
        self, path: str, param: str = "after", location: Literal["params", "json"] = "params"
    ) -> None:
        super().__init__()
        if location not in ("params", "json"):
            raise ValueError(
                f"CursorPaginator location must be 'params' or 'json', not {location!r}"
            )
        self.path = path
        self.param = param
        self.location = location

    def start(self, request: PageRequest) -> PageRequest:
        return request

    def update(self, response: httpx.Response, records: list[Any]) -> str | None:
        token = lookup(response.json(), self.path)
        return None if token is None else str(token)

    def next_request(self, request: PageRequest, token: str) -> PageRequest:
        if self.location == "json":
            return request.with_json(**{self.param: token})
        return request.with_params(**{self.param: token})


class _UrlPaginator(Paginator[str]):
    """Shared by the paginators that follow a URL the API hands out; relative URLs are resolved
    against the answer's own URL (RFC 3986), not glued onto the client's base URL."""

    def start(self, request: PageRequest) -> PageRequest:
        return request

    def next_request(self, request: PageRequest, token: str) -> PageRequest:
        return PageRequest("GET", token)  # the URL carries every parameter

    def _absolute(self, response: httpx.Response, url: str | None) -> str | None:
        return str(response.url.join(url)) if url else None

    def _what_repeats(self) -> str:
        return "next-page URL"


class NextUrlPaginator(_UrlPaginator):
    """The next page's URL at ``path`` in the JSON body (Salesforce ``nextRecordsUrl``,
    Graph ``@odata.nextLink``: give ``path`` as written in the body)."""

    kind = "next_url"

    def __init__(self, path: str = "nextRecordsUrl") -> None:
        super().__init__()
        self.path = path

    def update(self, response: httpx.Response, records: list[Any]) -> str | None:
        body = response.json()
        url = (
            body.get(self.path)
            if isinstance(body, dict) and self.path in body
            else lookup(body, self.path)
        )
        return self._absolute(response, url)


class LinkHeaderPaginator(_UrlPaginator):
    """The ``Link: <url>; rel="next"`` header (RFC 8288)."""

    kind = "link_header"

    def __init__(self, rel: str = "next") -> None:
        super().__init__()
        self.rel = rel

    def update(self, response: httpx.Response, records: list[Any]) -> str | None:
        return self._absolute(response, response.links.get(self.rel, {}).get("url"))


class GraphQLPaginator(Paginator[str]):
    """GraphQL connections: ``pageInfo {hasNextPage endCursor}`` at ``page_info_path``; the cursor
    goes back as the ``cursor_variable`` variable of the same query (Shopify ``after``)."""

    kind = "graphql"

    def __init__(self, page_info_path: str, cursor_variable: str = "after") -> None:
        super().__init__()
        self.page_info_path = page_info_path
        self.cursor_variable = cursor_variable

    def start(self, request: PageRequest) -> PageRequest:
        return request

    def update(self, response: httpx.Response, records: list[Any]) -> str | None:
        info = lookup(response.json(), self.page_info_path) or {}
        if not info.get("hasNextPage"):
            return None
        cursor = info.get("endCursor")
        if not cursor:
            raise PaginationLoop(
                "GraphQLPaginator: hasNextPage is true but endCursor is empty at "
                f"{self.page_info_path!r}",
                hint="ask for pageInfo { hasNextPage endCursor } in the query",
            )
        return str(cursor)

    def next_request(self, request: PageRequest, token: str) -> PageRequest:
        body = dict(request.json or {})
        body["variables"] = {**(body.get("variables") or {}), self.cursor_variable: token}
        return PageRequest(request.method, request.url, request.params, body)


PAGINATORS: dict[str, type[Paginator[Any]]] = {
    cls.kind: cls
    for cls in (
        PageNumberPaginator,
        OffsetPaginator,
        CursorPaginator,
        NextUrlPaginator,
        LinkHeaderPaginator,
        GraphQLPaginator,
    )
}


def paginator_from_config(config: Mapping[str, Any]) -> Paginator[Any]:
    """Build a paginator from ``{"type": "<kind>", **its constructor arguments}``."""
    options = dict(config)
    kind = options.pop("type", None)
    cls = PAGINATORS.get(str(kind))
    if cls is None:
        close = difflib.get_close_matches(str(kind), list(PAGINATORS), n=1)
        raise ConfigError(
            f"unknown paginator type {kind!r}",
            hint=f"did you mean {close[0]!r}?"
            if close
            else f"types: {', '.join(sorted(PAGINATORS))}",
        )
    accepted = [name for name in inspect.signature(cls.__init__).parameters if name != "self"]
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        raise ConfigError(
            f"paginator {kind!r} has no option {', '.join(map(repr, unknown))}",
            hint=f"its options: {', '.join(accepted)}",
        )
    try:
        return cls(**options)
    except (TypeError, ValueError) as exc:
        raise ConfigError(
            f"paginator {kind!r}: {exc}", hint=f"its options: {', '.join(accepted)}"
        ) from exc


def extract_records(response: httpx.Response, records_path: str | None) -> list[Any]:
    """The list of records in an answer: the body itself, or the list at ``records_path``."""
    body = response.json()
    found = body if records_path is None else lookup(body, records_path)
    if found is None:
        return []
    if not isinstance(found, list):
        where = "the body" if records_path is None else f"{records_path!r}"
        raise ConfigError(
            f"{where} of {redact_url(response.url)} is a {type(found).__name__}, "
            "not a list of records",
            hint="set records_path to the list inside the answer",
        )
    return found


def walk_pages(
    send: Callable[[PageRequest], httpx.Response],
    first: PageRequest,
    paginator: Paginator[Any],
    records_path: str | None = None,
) -> Iterator[Page]:
    """Send ``first`` and the requests the paginator derives, yielding each page as it comes."""
    request: PageRequest | None = paginator.start(first)
    number = 0
    while request is not None:
        number += 1
        response = send(request)
        page = Page(number, request, response, extract_records(response, records_path))
        yield page
        request = paginator.advance(page)
