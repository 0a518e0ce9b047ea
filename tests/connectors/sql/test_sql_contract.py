"""The SDK's connector contract tests, run against a fresh table on MariaDB and on PostgreSQL."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from connectors.builtin.sql import SqlConnector
from connectors.testing.contract_tests import ConnectorContractTests

from .erp_database import ErpDatabase

START = datetime(2026, 11, 2, 9, 0, 0, 250000)


@dataclass
class ContractTable:
    """A table of ``righe`` created for one contract test."""

    erp: ErpDatabase
    name: str
    last_touch: datetime | None = None


class TestSqlConnectorContract(ConnectorContractTests):
    connector_class = SqlConnector
    stream = "righe"
    seed_count = 12

    @pytest.fixture(autouse=True)
    def _server(self, erp_server: ErpDatabase) -> None:
        self.erp = erp_server

    def start_system(self, tmp_path: Path) -> ContractTable:
        erp = self.erp
        name = f"righe_{uuid.uuid4().hex[:8]}"
        stamp = "DATETIME(6)" if erp.kind == "mariadb" else "TIMESTAMP(6)"
        erp.execute(
            f"CREATE TABLE {erp.quote(name)} (codice VARCHAR(20) PRIMARY KEY, "
            f"nome VARCHAR(60) NOT NULL, importo DECIMAL(10,2), aggiornato {stamp} NOT NULL)"
        )
        return ContractTable(erp, name)

    def stop_system(self, system: ContractTable) -> None:
        system.erp.execute(f"DROP TABLE {system.erp.quote(system.name)}")

    def valid_config(self, system: ContractTable) -> dict[str, Any]:
        stream = {
            "table": system.name,
            "key": ["codice"],
            "cursor": "aggiornato",
            "write": {"table": system.name, "id_column": "codice"},
        }
        return system.erp.config(streams={"righe": stream}, lookback_seconds=0, batch_size=5)

    def invalid_config(self, system: ContractTable) -> dict[str, Any]:
        return {**self.valid_config(system), "batch_size": "molte"}

    def bad_credentials_config(self, system: ContractTable) -> dict[str, Any]:
        return {**self.valid_config(system), "user": "crmhub_nessuno", "password": "sbagliata"}

    def seed(self, system: ContractTable, n: int) -> None:
        system.erp.insert(
            system.name,
            [
                {
                    "codice": f"K{i:04d}",
                    "nome": f"Riga {i}",
                    "importo": f"{i}.25",
                    "aggiornato": START + timedelta(seconds=i),
                }
                for i in range(1, n + 1)
            ],
        )

    def touch(self, system: ContractTable, keys: list[str], *, same_cursor: bool = False) -> None:
        erp = system.erp
        if not (same_cursor and system.last_touch):
            latest = erp.query(f"SELECT MAX(aggiornato) FROM {erp.quote(system.name)}")[0][0]
            system.last_touch = latest + timedelta(seconds=1)
        marks = ", ".join("?" for _ in keys)
        erp.execute(
            f"UPDATE {erp.quote(system.name)} SET nome = ?, aggiornato = ? "
            f"WHERE codice IN ({marks})",
            ["toccata", erp.param(system.last_touch), *keys],
        )

    def records_to_write(self, system: ContractTable, stream: str, n: int) -> list[dict[str, Any]]:
        return [
            {"__key__": f"W{i:03d}", "nome": f"Scritta {i}", "aggiornato": START.isoformat()}
            for i in range(n)
        ]
