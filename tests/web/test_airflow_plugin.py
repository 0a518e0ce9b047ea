"""The workbench as an Airflow 3 plugin: loaded by Airflow's plugins manager, mounted by
Airflow's own api-server app under /crmhub, and working there (pages, static files, cookies,
redirects, the token API).

Airflow reads its configuration once per process, so the Airflow side runs in a subprocess
with its own AIRFLOW_HOME and a plugins folder holding a module that imports the plugin (what
the ``airflow.plugins`` entry point does once crmhub is installed with it).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from crmhub.store import upgrade
from crmhub.store.engine import create_store_engine
from crmhub.store.types import utc_now
from crmhub.web import TableStewardActions
from crmhub.web.airflow_plugin import (
    NAVIGATION_ENTRY,
    URL_PREFIX,
    CrmhubWorkbenchPlugin,
    LazyWorkbench,
    workbench_from_environment,
)
from crmhub.web.golden_actions import GoldenStewardActions
from crmhub.web.passwords import Passwords
from crmhub.web.roles import Role
from crmhub.web.tokens import create_token
from crmhub.web.users import create_user

from .conftest import FAST_HASHING, PASSWORD, SECRET
from .seed import Seeded

ROOT = Path(__file__).resolve().parents[2]

PLUGIN_MODULE = "from crmhub.web.airflow_plugin import CrmhubWorkbenchPlugin  # noqa: F401\n"

#: Runs inside Airflow: loads the plugins, builds the api-server app, drives the workbench.
PROBE = r"""
import json, os, re, sys
from airflow import plugins_manager
from airflow.api_fastapi.app import create_app
from fastapi.testclient import TestClient

found = {"plugins": [p for p in plugins_manager.get_plugin_info() if p["name"] == "crmhub_workbench"]}
client = TestClient(create_app(apps="core"))

def seen(response):
    return {
        "status": response.status_code,
        "location": response.headers.get("location"),
        "type": response.headers.get("content-type"),
        "cookies": response.headers.get_list("set-cookie"),
        "text": response.text[:20000],
    }

login_page = client.get("/crmhub/login")
found["login_page"] = seen(login_page)
found["static"] = seen(client.get("/crmhub/static/app.css"))
found["anonymous_queue"] = seen(client.get("/crmhub/queue", follow_redirects=False))
csrf = re.search(r'name="csrf_token" value="([0-9a-f]+)"', login_page.text).group(1)
found["login"] = seen(client.post(
    "/crmhub/login",
    data={"name": "sam", "password": os.environ["PROBE_PASSWORD"], "csrf_token": csrf},
    follow_redirects=False,
))
found["queue"] = seen(client.get("/crmhub/queue"))
api = TestClient(client.app, headers={"Authorization": "Bearer " + os.environ["PROBE_TOKEN"]})
found["api_me"] = seen(api.get("/crmhub/api/v1/me"))
found["api_queue"] = seen(api.get("/crmhub/api/v1/queue"))
found["api_anonymous"] = seen(TestClient(client.app).get("/crmhub/api/v1/me"))
found["airflow_api"] = seen(TestClient(client.app).get("/api/v2/version"))
sys.stdout.write("PROBE:" + json.dumps(found, default=str))
"""


def _probe_airflow(tmp_path: Path, env: dict[str, str]) -> dict:
    plugins = tmp_path / "airflow-plugins"
    plugins.mkdir()
    (plugins / "crmhub_workbench.py").write_text(PLUGIN_MODULE)
    base = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "CRMHUB_"))}
    base.update(
        AIRFLOW_HOME=str(tmp_path / "airflow-home"),
        AIRFLOW__CORE__PLUGINS_FOLDER=str(plugins),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        **env,
    )
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        check=False,
        cwd=ROOT,
        env=base,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0 and "PROBE:" in done.stdout, done.stderr[-5000:]
    return json.loads(done.stdout.split("PROBE:", 1)[1])


def test_airflow_mounts_the_workbench_and_it_works_under_the_prefix(
    store_url: str, store_engine: Engine, seeded: Seeded, tmp_path: Path
):
    create_user(
        store_engine,
        Passwords(FAST_HASHING),
        name="sam",
        password=PASSWORD,
        role=Role.STEWARD,
        actor="test",
        now=utc_now(),
    )
    token = create_token(
        store_engine, user_name="sam", label="airflow", role=None, actor="test", now=utc_now()
    ).token
    no_project = tmp_path / "no-project"
    no_project.mkdir()

    found = _probe_airflow(
        tmp_path,
        {
            "CRMHUB_DATABASE_URL": store_url,
            "CRMHUB_PROJECT": str(no_project),
            "CRMHUB_WEB_SECRET": SECRET.get_secret_value(),
            "PROBE_PASSWORD": PASSWORD,
            "PROBE_TOKEN": token,
        },
    )

    (plugin,) = found["plugins"]
    assert plugin["fastapi_apps"] == [
        {
            "app": "crmhub.web.airflow_plugin.LazyWorkbench",
            "url_prefix": "/crmhub",
            "name": "crmhub steward workbench",
        }
    ]
    assert plugin["external_views"] == [NAVIGATION_ENTRY]

    login = found["login_page"]
    assert login["status"] == 200
    assert 'action="/crmhub/login"' in login["text"]
    assert 'href="/crmhub/static/app.css"' in login["text"]
    assert any("crmhub_csrf=" in c and "Path=/crmhub/" in c for c in login["cookies"])
    assert found["static"]["status"] == 200 and found["static"]["type"].startswith("text/css")
    assert found["anonymous_queue"]["status"] == 303
    assert found["anonymous_queue"]["location"] == "/crmhub/login?next=%2Fcrmhub%2Fqueue"

    logged_in = found["login"]
    assert logged_in["status"] == 303 and logged_in["location"] == "/crmhub/queue"
    assert any(
        "crmhub_session=" in c and "Path=/crmhub/" in c and "HttpOnly" in c
        for c in logged_in["cookies"]
    )
    queue = found["queue"]
    assert queue["status"] == 200
    assert f'href="/crmhub/pairs/{seeded.pairs["C001/S-77"]}' in queue["text"]

    assert found["api_me"]["status"] == 200
    assert json.loads(found["api_me"]["text"]) == {"name": "sam", "role": "steward"}
    assert json.loads(found["api_queue"]["text"])["total"] >= 1
    assert found["api_anonymous"]["status"] == 401
    assert found["airflow_api"]["status"] != 404  # Airflow's own API is still there


def _mounted(build) -> TestClient:
    parent = FastAPI()
    parent.mount(URL_PREFIX, LazyWorkbench(build))
    return TestClient(parent)


def test_the_workbench_is_built_on_first_use_and_explains_why_it_cannot_start(
    store_factory, tmp_path: Path
):
    url = store_factory.new_url()  # not migrated yet
    env = {"CRMHUB_DATABASE_URL": url, "CRMHUB_PROJECT": str(tmp_path / "none")}
    builds: list[int] = []

    def build():
        builds.append(1)
        return workbench_from_environment(env)

    client = _mounted(build)
    assert builds == []  # nothing opened until a request comes

    no_secret = client.get("/crmhub/login")
    assert no_secret.status_code == 503
    assert "$CRMHUB_WEB_SECRET is not set" in no_secret.text and "hint:" in no_secret.text

    env["CRMHUB_WEB_SECRET"] = SECRET.get_secret_value()
    out_of_date = client.get("/crmhub/login")
    assert out_of_date.status_code == 503 and "crmhub db upgrade" in out_of_date.text

    engine = create_store_engine(url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    assert client.get("/crmhub/login").status_code == 200  # a failure is not kept
    assert client.get("/crmhub/static/app.js").status_code == 200
    assert len(builds) == 3  # built once it worked, then reused


def test_the_plugin_declares_the_app_and_a_navigation_entry_in_airflow_terms():
    assert CrmhubWorkbenchPlugin.name == "crmhub_workbench"
    (app,) = CrmhubWorkbenchPlugin.fastapi_apps
    assert app["url_prefix"] == URL_PREFIX and isinstance(app["app"], LazyWorkbench)
    (entry,) = CrmhubWorkbenchPlugin.external_views
    # relative to Airflow's base URL (works under [api] base_url), framed at /plugin/crmhub
    assert entry["href"] == "crmhub/" and entry["url_route"] == "crmhub"
    assert entry["destination"] == "nav"


def test_with_a_project_merge_and_unmerge_are_wired_without_one_decisions_only(
    store_factory, tmp_path: Path
):
    url = store_factory.new_url()
    store_factory.new_engine(url=url)  # migrated
    project = tmp_path / "project"
    project.mkdir()
    (project / "crmhub.yaml").write_text(
        'version: 1\nproject: "mini"\nconnections: {}\n'
        "survivorship:\n  default_rule: most_recent\n"
    )
    secret = SECRET.get_secret_value()
    env = {"CRMHUB_DATABASE_URL": url, "CRMHUB_WEB_SECRET": secret}

    wired = workbench_from_environment({**env, "CRMHUB_PROJECT": str(project)})
    bare = workbench_from_environment({**env, "CRMHUB_PROJECT": str(tmp_path / "none")})
    try:
        assert isinstance(wired.state.crmhub.actions, GoldenStewardActions)
        assert type(bare.state.crmhub.actions) is TableStewardActions
    finally:
        wired.state.crmhub.engine.dispose()
        bare.state.crmhub.engine.dispose()
