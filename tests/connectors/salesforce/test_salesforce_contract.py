"""The SDK's plugin test kit, run against the Salesforce connector on the fake org."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from connectors.builtin.salesforce import SalesforceConnector
from connectors.testing.contract_tests import ConnectorContractTests
from connectors.testing.fake_salesforce import FakeSalesforce

from .conftest import fast_config


class TestSalesforceConnectorContract(ConnectorContractTests):
    connector_class = SalesforceConnector
    stream = "Contact"
    write_stream = "Contact"

    def start_system(self, tmp_path: Path) -> FakeSalesforce:
        return FakeSalesforce().start()

    def stop_system(self, system: FakeSalesforce) -> None:
        assert not system.server.errors, system.server.errors[0]
        system.stop()

    def valid_config(self, system: FakeSalesforce) -> dict[str, Any]:
        return fast_config(system, page_size=5)  # small pages: checkpoints fall inside ties

    def invalid_config(self, system: FakeSalesforce) -> dict[str, Any]:
        return fast_config(system, page_size=0)

    def bad_credentials_config(self, system: FakeSalesforce) -> dict[str, Any]:
        return fast_config(system, auth={"method": "access_token", "access_token": "not-a-token"})

    def seed(self, system: FakeSalesforce, n: int) -> None:
        system.seed("Contact", n)

    def touch(self, system: FakeSalesforce, keys: list[str], *, same_cursor: bool = False) -> None:
        system.touch("Contact", keys, same_second=same_cursor)

    def records_to_write(self, system: FakeSalesforce, stream: str, n: int) -> list[dict[str, Any]]:
        return [
            {"__key__": f"hub-{i}", "LastName": f"Writer {i}", "Email": f"w{i}@example.it"}
            for i in range(n)
        ]
