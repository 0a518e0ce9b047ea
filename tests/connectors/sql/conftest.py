"""Fixtures: a fresh ERP database on each real server (see ``erp_database``).

``erp_server``  (module) one ``ErpDatabase`` per server kind, "mariadb" and "postgresql",
                dropped after the module. Without the ODBC driver or a reachable server the
                tests skip saying why; with CI=true they fail instead.
``erp``         (function) the same database, its rows reset to ``erp_data`` before the test.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .erp_database import SERVERS, ErpDatabase


@pytest.fixture(
    scope="module",
    params=[
        pytest.param("mariadb", marks=[pytest.mark.mariadb, pytest.mark.odbc]),
        pytest.param("postgresql", marks=[pytest.mark.postgres, pytest.mark.odbc]),
    ],
)
def erp_server(request: pytest.FixtureRequest) -> Iterator[ErpDatabase]:
    """A fresh ERP database on the server kind of the parameter, for the whole module."""
    database = ErpDatabase(SERVERS[request.param])
    yield database
    database.close()


@pytest.fixture
def erp(erp_server: ErpDatabase) -> ErpDatabase:
    """The module's ERP database with its rows reset to ``erp_data``."""
    erp_server.reset()
    return erp_server
