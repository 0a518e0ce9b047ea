"""A small REST connector built on the SDK's HTTP toolkit, used to prove the test kit (and the
toolkit) end to end against ``FakeCrm``."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import quote

from pydantic import Field, SecretStr

from connectors.sdk import (
    Checkpoint,
    CheckResult,
    Connector,
    ConnectorConfig,
    ConnectorError,
    CursorPosition,
    HighWaterMark,
    ReadItem,
    SourceRecord,
    StreamSpec,
    WriteOutcome,
    WriteResult,
    lookback_start,
)
from connectors.sdk.http import BearerToken, HttpClient, HttpRequestRejected, RetrySettings

CONTACT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "email": {"type": "string"},
        "name": {"type": "string"},
        "updated": {"type": "integer"},
    },
    "required": ["id", "updated"],
}
CONTACTS_PAGINATION = {"type": "cursor", "path": "paging.next.after", "param": "after"}


class ContactsApiConfig(ConnectorConfig):
    base_url: str
    api_token: SecretStr
    page_size: int = Field(2, ge=1, le=100)
    lookback_seconds: int = Field(0, ge=0)


class ContactsApiConnector(Connector[ContactsApiConfig]):
    kind = "example_contacts_api"
    config_model = ContactsApiConfig

    def __init__(self, config: ContactsApiConfig) -> None:
        super().__init__(config)
        self.client = HttpClient(
            config.base_url,
            auth=BearerToken(config.api_token),
            retry=RetrySettings(max_attempts=3, backoff_initial=0.02),
        )

    def check(self) -> CheckResult:
        try:
            self.client.get("me")
        except ConnectorError as exc:
            return CheckResult(False, str(exc))
        return CheckResult(True, f"reached {self.config.base_url}")

    def discover(self) -> list[StreamSpec]:
        return [
            StreamSpec("contacts", ("id",), CONTACT_SCHEMA, cursor_field="updated", writable=True)
        ]

    def read(self, stream: str, state: dict[str, Any] | None) -> Iterator[ReadItem]:
        self.stream_spec(stream)
        position = CursorPosition.from_state(state, "int")
        params: dict[str, Any] = {"limit": self.config.page_size}
        if position is not None:
            start = lookback_start(position, self.config.lookback_seconds)
            params.update(
                since_cursor=start, since_key=position.key if start == position.cursor else ""
            )
        mark = HighWaterMark(position)
        pages = self.client.paginate(
            "contacts", CONTACTS_PAGINATION, params=params, records_path="results"
        )
        for page in pages:
            for row in page.records:
                yield SourceRecord(
                    stream, row["id"], row, cursor=row["updated"], position=f"page {page.number}"
                )
                mark.observe(row["updated"], row["id"])
            yield Checkpoint(stream, mark.state())

    def write(self, stream: str, records: Iterable[dict[str, Any]]) -> Iterator[WriteResult]:
        self.stream_spec(stream)
        for record in records:
            key = record["__key__"]
            body = {k: v for k, v in record.items() if k != "__key__"}
            try:
                response = self.client.put(f"contacts/{quote(key, safe='')}", json=body)
            except HttpRequestRejected as exc:
                yield WriteResult(key, WriteOutcome.FAILED, reason=str(exc))
                continue
            except ConnectorError as exc:
                yield WriteResult(key, WriteOutcome.FAILED, reason=str(exc), retryable=True)
                continue
            outcome = WriteOutcome.CREATED if response.status_code == 201 else WriteOutcome.UPDATED
            yield WriteResult(key, outcome, external_id=response.json()["id"])

    def close(self) -> None:
        self.client.close()
