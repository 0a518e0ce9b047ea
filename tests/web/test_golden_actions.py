"""Merge and unmerge from the workbench's API, done by the golden-record engine, on both stores."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from crmhub.golden import apply_clusters
from crmhub.golden.policy import SurvivorshipPolicy
from crmhub.store.schema import source_records
from crmhub.web import create_app
from crmhub.web.golden_actions import GoldenStewardActions
from crmhub.web.roles import Role
from crmhub.web.tokens import create_token
from crmhub.web.users import create_user
from tests.ingest.conftest import MAPPING, sync
from tests.ingest.memory_system import MemorySystem

from .conftest import PASSWORD, Clock, make_settings


def _ids(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return dict(conn.execute(sa.select(source_records.c.source_key, source_records.c.id)).all())


def test_a_steward_merges_and_unmerges_customers_through_the_api(store_engine: Engine, tmp_path, clock: Clock):
    (tmp_path / "mapping.yaml").write_text(MAPPING)
    from crmhub.mapping.loader import load_mapping

    system = MemorySystem()
    system.put("E1", TIPO="P", NOME="Mario", COGNOME="Rossi", EMAIL="mario.rossi@example.it")
    system.put("E2", TIPO="P", NOME="Mario", COGNOME="Rossi", EMAIL="m.rossi@example.it")
    system.put("E3", TIPO="P", NOME="Giulia", COGNOME="Bianchi", EMAIL="giulia@example.it")
    sync(store_engine, system, load_mapping(tmp_path / "mapping.yaml"))
    ids = _ids(store_engine)
    apply_clusters(store_engine, [{ids["E1"]}, {ids["E2"]}, {ids["E3"]}], actor="test")

    actions = GoldenStewardActions(store_engine, clock, SurvivorshipPolicy())
    app = create_app(make_settings(clock), engine=store_engine, actions=actions)
    ctx = app.state.crmhub
    create_user(ctx.engine, ctx.passwords, name="sam", password=PASSWORD, role=Role.STEWARD, actor="test",
                now=clock())
    token = create_token(ctx.engine, user_name="sam", label="t", role=None, actor="test", now=clock()).token
    api = TestClient(app, headers={"Authorization": f"Bearer {token}"})

    def golden_of(key: str) -> str:
        hits = api.get("/api/v1/search", params={"q": key, "key": "external_id"}).json()
        return hits[0]["golden_id"]

    first, second = golden_of("E1"), golden_of("E2")
    merged = api.post(f"/api/v1/customers/{first}/merge", json={"other_golden_id": second, "why": "same person"})
    assert merged.status_code == 200, merged.text
    survivor = merged.json()["golden_ids"][0]
    assert golden_of("E1") == golden_of("E2") == survivor
    assert api.get(f"/api/v1/customers/{second if survivor == first else first}").json()["id"] == survivor

    split = api.post(f"/api/v1/customers/{survivor}/unmerge", json={"source_ids": [ids["E2"]], "why": "not him"})
    assert split.status_code == 200, split.text
    assert golden_of("E1") != golden_of("E2")
    refused = api.post(f"/api/v1/customers/{survivor}/unmerge", json={"source_ids": [ids["E3"]]})
    assert refused.status_code in (404, 409) and refused.json()["error"]
