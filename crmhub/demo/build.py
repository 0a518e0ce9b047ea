"""Building a demo: the three systems, the project folder, its store and a workbench user.

``build_demo(root, ...)`` makes everything and returns a ``Demo``; ``prepare_store`` migrates
its store and adds the workbench admin; ``run_demo_cycles`` runs the whole cycle with the fake
org served. A folder holds one demo: a second build is refused unless ``force``, and ``force``
never touches a folder that is not a demo.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from connectors.testing.fake_salesforce.org import Org
from crmhub.config.project import Project, default_database_url, load_project
from crmhub.cycle import CycleEvent, CycleReport, run_cycle
from crmhub.demo import erp, salesforce
from crmhub.demo.linking import stamp_golden_ids
from crmhub.demo.project import (
    SPREADSHEET_FILE,
    spreadsheet_connection,
    write_project,
    write_spreadsheet,
)
from crmhub.demo.world import SALESFORCE_FROM, World, make_world
from crmhub.errors import UsageError

MARKER = ".crmhub-demo.json"
ADMIN_USER = "demo"
# Made by a build; a forced rebuild removes them (and nothing else) before starting again.
BUILT = (MARKER, "crmhub.db", "crmhub.db-wal", "crmhub.db-shm", salesforce.ORG_FILE, "data")


@dataclass
class Demo:
    """A built demo: where it is, what is in it, and how to reach its parts."""

    root: Path
    world: World
    port: int
    erp: erp.Server | None
    erp_database: str | None
    files: list[Path]
    store_url: str
    admin_password: str | None = None

    def project(self) -> Project:
        return load_project(self.root)


def read_marker(root: Path) -> dict[str, Any]:
    """What a build recorded about the demo in ``root`` (port, ERP); UsageError if none."""
    try:
        return json.loads((root / MARKER).read_text("utf-8"))
    except FileNotFoundError:
        raise UsageError(
            f"{root} holds no crmhub demo", hint=f"create one: crmhub demo {root}"
        ) from None


def _write_marker(root: Path, **values: Any) -> None:
    (root / MARKER).write_text(json.dumps(values, indent=2) + "\n", "utf-8")


def _clear_previous(root: Path, force: bool) -> None:
    if not (root / "crmhub.yaml").exists() and not (root / MARKER).exists():
        return
    if not (root / MARKER).exists():
        raise UsageError(
            f"{root} holds a crmhub project that is not a demo",
            hint="choose another folder for the demo (the default is ./crmhub-demo)",
        )
    if not force:
        raise UsageError(
            f"{root} already holds a demo",
            hint=f"sync it again: crmhub demo salesforce {root} (in another terminal), then "
            f"crmhub --project {root} run; or rebuild it from scratch with --force",
        )
    previous = read_marker(root)
    if (
        previous.get("erp") in erp.SERVERS
        and erp.unreachable_reason(erp.SERVERS[previous["erp"]]) is None
    ):
        erp.drop_database(erp.SERVERS[previous["erp"]], previous["database"])
    for name in BUILT:
        path = root / name
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)


def _build_erp(
    root: Path, server: erp.Server | None, world: World
) -> tuple[erp.Server | None, str | None]:
    if server is None:
        return None, None
    name = erp.database_name(root)
    if erp.database_exists(server, name):  # left behind by a demo folder deleted by hand
        erp.drop_database(server, name)
    erp.create_erp(server, name, world.erp)
    return server, name


def seed_salesforce(world: World) -> Org:
    """The demo org holding the world's contacts and accounts; their Ids go into
    ``world.refs`` (the same for the same world: Ids follow the order of creation)."""
    org, contact_ids, account_ids = salesforce.seeded_org(
        [fields for _, fields in world.contacts],
        [fields for _, fields in world.accounts],
        SALESFORCE_FROM,
    )
    for (ref, _), key in zip(world.contacts, contact_ids, strict=True):
        world.refs["salesforce", key] = ref
    for (ref, _), key in zip(world.accounts, account_ids, strict=True):
        world.refs["salesforce", key] = ref
    return org


def build_demo(
    root: Path,
    *,
    erp_choice: str = "auto",
    size: int = 60,
    seed: int = 2026,
    force: bool = False,
    port: int | None = None,
    store_url: str | None = None,
) -> Demo:
    """The three systems and the project in ``root`` (see the module docstring); the store is
    ``store_url``, by default ``crmhub.db`` in ``root``."""
    wanted_server = erp.pick_server(erp_choice)  # refused before anything is touched
    _clear_previous(root, force)
    root.mkdir(parents=True, exist_ok=True)
    _write_marker(root, port=None, erp=None, database=None)  # a failed build can be forced
    world = make_world(size, seed)
    server, database = _build_erp(root, wanted_server, world)
    chosen_port = port or salesforce.free_port()
    _write_marker(root, port=chosen_port, erp=server.kind if server else None, database=database)
    salesforce.save_org(seed_salesforce(world).to_state(), root / salesforce.ORG_FILE)
    write_spreadsheet(root / SPREADSHEET_FILE, world.spreadsheet)
    connections: dict[str, Any] = {"spreadsheet": spreadsheet_connection()}
    if server and database:
        connections["erp"] = erp.connection_config(server, database)
    connections["salesforce"] = salesforce.connection_config(chosen_port)
    files = write_project(root, connections, with_erp=server is not None)
    url = store_url or default_database_url(root)
    return Demo(root, world, chosen_port, server, database, files, url)


def prepare_store(demo: Demo) -> Engine:
    """The demo's store, migrated, with the workbench admin ``demo`` (its password kept on
    ``demo.admin_password``, to be shown once)."""
    from crmhub.store.engine import create_store_engine
    from crmhub.store.migrate import upgrade
    from crmhub.store.types import utc_now
    from crmhub.web.passwords import Passwords
    from crmhub.web.roles import parse_role
    from crmhub.web.settings import PasswordHashing
    from crmhub.web.users import create_user

    engine = create_store_engine(demo.store_url, verify=False)
    upgrade(engine)
    demo.admin_password = secrets.token_urlsafe(12)
    create_user(
        engine, Passwords(PasswordHashing()), name=ADMIN_USER, password=demo.admin_password,
        role=parse_role("admin"), actor="cli:crmhub-demo", now=utc_now(),
    )  # fmt: skip
    return engine


@dataclass
class DemoRun:
    """The demo's cycles: the first; how many Salesforce records it then linked to their
    golden records; and the second cycle, which brings those records up to date (None when
    there was nothing to link)."""

    first: CycleReport
    linked: int = 0
    second: CycleReport | None = None


def run_demo_cycles(
    demo: Demo, engine: Engine, on_event: Callable[[CycleEvent], None] | None = None
) -> DemoRun:
    """The whole cycle on the demo with its Salesforce org served (and saved) meanwhile; then
    the one-time linking of the org's matched records (``linking``) and a second cycle."""
    os.environ.setdefault(salesforce.SECRET_ENV, salesforce.CLIENT_SECRET)
    with salesforce.running_org(demo.root, demo.port) as fake:
        run = DemoRun(run_cycle(demo.project(), engine, on_event=on_event))
        if not run.first.ok:
            return run
        run.linked = stamp_golden_ids(engine, fake)
        if run.linked:
            run.second = run_cycle(demo.project(), engine, on_event=on_event)
        return run
