"""The ``salesforce`` connector: one stream per sObject, read incrementally, upserted into."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from typing import Any, ClassVar

from pydantic import SecretStr

from connectors.builtin.salesforce.api import SalesforceApi
from connectors.builtin.salesforce.bulk import BulkIngest, BulkSettings
from connectors.builtin.salesforce.config import SalesforceConfig
from connectors.builtin.salesforce.fields import (
    CURSOR_FIELD,
    KEY_FIELD,
    record_schema,
    selected_fields,
)
from connectors.builtin.salesforce.reader import ObjectReader
from connectors.builtin.salesforce.writer import ObjectWriter
from connectors.sdk import (
    CheckResult,
    Connector,
    ConnectorError,
    ReadItem,
    StreamSpec,
    UnknownStream,
    WriteResult,
)

_MASK = "***"


class SalesforceConnector(Connector[SalesforceConfig]):
    """Reads and upserts the configured sObjects of one Salesforce org (see the package docs).

    The API session is opened on first use and kept until ``close()``.
    """

    kind: ClassVar[str] = "salesforce"
    config_model: ClassVar[type[SalesforceConfig]] = SalesforceConfig
    description: ClassVar[str] = (
        "Salesforce: Accounts, Contacts, Leads (REST queries, sObject collections, Bulk API 2.0)"
    )

    def __init__(self, config: SalesforceConfig) -> None:
        super().__init__(config)
        self._api: SalesforceApi | None = None

    @property
    def api(self) -> SalesforceApi:
        """The org's API, built on first use."""
        if self._api is None:
            self._api = SalesforceApi(self.config)
        return self._api

    # -- the contract --------------------------------------------------------------------------

    def check(self) -> CheckResult:
        """Log in if needed and read the org's limits; a failure is ``ok=False``, no secret shown."""
        try:
            limits = self.api.limits()
        except ConnectorError as exc:
            self.close()
            return CheckResult(False, self._without_secrets(str(exc)))
        daily = limits.get("DailyApiRequests") or {}
        return CheckResult(
            True,
            f"connected to {self.config.origin} (API v{self.config.api_version}); daily API "
            f"requests left: {daily.get('Remaining', '?')} of {daily.get('Max', '?')}",
        )

    def discover(self) -> list[StreamSpec]:
        """One writable, incremental stream per configured sObject, named after it."""
        return [self._spec(sobject) for sobject in self.config.objects]

    def read(self, stream: str, state: dict[str, Any] | None) -> Iterator[ReadItem]:
        """Records of ``stream`` changed since ``state``; deletions as tombstones."""
        sobject = self._sobject(stream)
        reader = ObjectReader(
            self.api,
            sobject,
            self._fields(sobject),
            page_size=self.config.page_size,
            lookback_seconds=self.config.lookback_seconds,
        )
        yield from reader.read(state)

    def write(self, stream: str, records: Iterable[dict[str, Any]]) -> Iterator[WriteResult]:
        """Upsert ``records`` by their ``__key__`` into the external id field; one result each."""
        sobject = self._sobject(stream)
        config = self.config
        bulk = BulkIngest(
            self.api.session,
            self.api.data_url,
            BulkSettings(
                config.bulk_poll_seconds, config.bulk_poll_max_seconds, config.bulk_timeout_seconds
            ),
        )
        writer = ObjectWriter(
            self.api,
            bulk,
            sobject,
            config.external_id_of(sobject),
            batch_size=config.composite_batch_size,
            bulk_threshold=config.bulk_threshold,
            bulk_job_size=config.bulk_job_size,
        )
        yield from writer.write(records)

    def close(self) -> None:
        """Close the API session; the next use opens a new one (logging in again if needed)."""
        if self._api is not None:
            self._api.close()
            self._api = None

    # -- helpers -------------------------------------------------------------------------------

    def _sobject(self, stream: str) -> str:
        if stream in self.config.objects:
            return stream
        names = list(self.config.objects)
        close = difflib.get_close_matches(stream, names, n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"streams offered: {', '.join(names)}"
        raise UnknownStream(f"connector 'salesforce' has no stream {stream!r}", hint=hint)

    def _fields(self, sobject: str) -> tuple[str, ...]:
        return selected_fields(
            sobject, self.config.objects[sobject].fields, self.config.external_id_of(sobject)
        )

    def _spec(self, sobject: str) -> StreamSpec:
        external_id = self.config.external_id_of(sobject)
        return StreamSpec(
            name=sobject,
            key=(KEY_FIELD,),
            json_schema=record_schema(self._fields(sobject)),
            cursor_field=CURSOR_FIELD,
            writable=True,
            deletes=True,
            description=f"Salesforce {sobject} records (queryAll), upserted by {external_id}",
            extras={"sobject": sobject, "external_id_field": external_id, "write_key": external_id},
        )

    def _without_secrets(self, text: str) -> str:
        """``text`` with every configured secret value masked (belt and braces for messages)."""
        for value in vars(self.config.auth).values():
            if isinstance(value, SecretStr) and value.get_secret_value():
                text = text.replace(value.get_secret_value(), _MASK)
        return text
