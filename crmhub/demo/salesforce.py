"""The demo's Salesforce: the fake org (``connectors.testing.fake_salesforce``) on a fixed
loopback port, its data kept in ``salesforce-org.json`` in the demo folder between commands.

``running_org(demo_dir)`` serves it while a block runs (``crmhub demo`` runs its cycle inside
one) and saves it after; ``serve(demo_dir)`` serves it in the foreground for further
``crmhub run`` cycles, saving after every write. The file is plain JSON: edit a record while
the fake is stopped and the next start stamps the edit as made by a Salesforce user now, so
the hub's next incremental read sees it as a change.
"""

from __future__ import annotations

import hashlib
import json
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from connectors.testing.fake_salesforce import OTHER_USER_ID, FakeSalesforce, format_datetime
from connectors.testing.fake_salesforce.org import Org
from connectors.testing.fake_salesforce.sessions import Sessions
from crmhub.errors import UsageError

ORG_FILE = "salesforce-org.json"
SECRET_ENV = "CRMHUB_DEMO_SF_SECRET"
CLIENT_ID = Sessions.client_id
CLIENT_SECRET = Sessions.client_secret  # the fake connected app's, published in its source
_SYSTEM = frozenset({"SystemModstamp", "LastModifiedDate", "LastModifiedById"})


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def seeded_org(
    contacts: list[dict[str, Any]], accounts: list[dict[str, Any]], start: datetime
) -> tuple[Org, list[str], list[str]]:
    """A new org holding the records, one a minute from ``start`` (as edited by a sales rep,
    not the hub); (org, contact Ids, account Ids) in the order given."""
    org = Org()
    org.now = start
    ids: dict[str, list[str]] = {"Contact": [], "Account": []}
    for sobject, rows in (("Account", accounts), ("Contact", contacts)):
        for values in rows:
            org.now += timedelta(minutes=1)
            kept = {k: v for k, v in values.items() if v is not None}
            ids[sobject].append(org.insert(sobject, kept, OTHER_USER_ID))
    return org, ids["Contact"], ids["Account"]


def _fingerprint(record: dict[str, Any]) -> str:
    content = {k: v for k, v in record.items() if k not in _SYSTEM}
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:16]


def save_org(state: dict[str, Any], path: Path) -> None:
    """Write an org's data (``Org.to_state``) to ``path`` atomically, with each record's
    fingerprint."""
    state["fingerprints"] = {
        r["Id"]: _fingerprint(r) for rows in state["records"].values() for r in rows
    }
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(state, indent=1, ensure_ascii=False) + "\n", "utf-8")
    temporary.replace(path)


def load_org(path: Path, now: datetime | None = None) -> tuple[Org, int]:
    """The org saved at ``path``; records edited in the file since (their fingerprint no longer
    matches) are stamped as changed ``now`` by a Salesforce user. (org, records so stamped)."""
    try:
        state = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise UsageError(
            f"{path} does not exist", hint="create the demo first: crmhub demo DIR"
        ) from None
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"{path} line {exc.lineno}: not valid JSON ({exc.msg})",
            hint="fix the edit, or rebuild the demo with crmhub demo DIR --force",
        ) from None
    fingerprints: dict[str, str] = state.pop("fingerprints", {})
    stamp = format_datetime((now or datetime.now(UTC)).replace(microsecond=0))
    edited = 0
    for rows in state["records"].values():
        for record in rows:
            if fingerprints.get(record["Id"]) != _fingerprint(record):
                record.update(
                    SystemModstamp=stamp, LastModifiedDate=stamp, LastModifiedById=OTHER_USER_ID
                )
                edited += 1
    return Org.from_state(state), edited


def _fake(org: Org, port: int) -> FakeSalesforce:
    fake = FakeSalesforce(port=port, org=org, real_time=True, bulk_polls=1)
    try:
        return fake.start()
    except OSError as exc:
        raise UsageError(
            f"cannot serve the demo Salesforce on 127.0.0.1:{port}: {exc.strerror}",
            hint="is `crmhub demo salesforce` already running? Stop it, or let it serve "
            "the cycle: crmhub run",
        ) from None


@contextmanager
def running_org(demo_dir: Path, port: int) -> Iterator[FakeSalesforce]:
    """The demo org served on ``port`` while the block runs; saved when it ends."""
    path = demo_dir / ORG_FILE
    org, _ = load_org(path)
    fake = _fake(org, port)
    try:
        yield fake
    finally:
        fake.stop()
        save_org(fake.state(), path)


def serve(
    demo_dir: Path, port: int, *, on_edits: Callable[[int], None] | None = None,
    stop: threading.Event | None = None, poll_seconds: float = 0.5,
) -> None:  # fmt: skip
    """Serve the demo org on ``port`` until interrupted (or ``stop`` is set), saving it after
    every write; ``on_edits`` is told how many records were edited in the file meanwhile."""
    path = demo_dir / ORG_FILE
    org, edited = load_org(path)
    if on_edits:
        on_edits(edited)
    if edited:
        save_org(org.to_state(), path)
    fake = _fake(org, port)
    saved = len(fake.writes)
    stop = stop or threading.Event()
    try:
        while not stop.wait(poll_seconds):
            if len(fake.writes) != saved:
                saved = len(fake.writes)
                save_org(fake.state(), path)
                fake.server.reset_log()  # a long-running fake keeps no request history
    finally:
        fake.stop()
        save_org(fake.state(), path)


def connection_config(port: int) -> dict[str, Any]:
    """The ``type: salesforce`` connection of the demo project: the fake org's connected app,
    its secret taken from ``$CRMHUB_DEMO_SF_SECRET`` as any secret would be."""
    return {
        "type": "salesforce",
        "description": "The sales team's Salesforce (the fake org: crmhub demo salesforce)",
        "config": {
            "instance_url": f"http://127.0.0.1:{port}",
            "auth": {
                "method": "client_credentials",
                "client_id": CLIENT_ID,
                "client_secret": f"${{{SECRET_ENV}}}",
            },
            "objects": {"Contact": {}, "Account": {}},
            "lookback_seconds": 5,
            "bulk_poll_seconds": 0.2,
            "bulk_poll_max_seconds": 1.0,
            "connect_timeout_seconds": 3,
            "max_retries": 2,
            "backoff_seconds": 0.2,
            "backoff_max_seconds": 1.0,
        },
        "streams": {
            "Contact": {"mapping": "mappings/salesforce_contact.yaml"},
            "Account": {"mapping": "mappings/salesforce_account.yaml"},
        },
    }
