"""The fake Salesforce in a process of its own, so that its org's memory is not the publisher's.

Run as a script it serves ``connectors.testing.fake_salesforce.FakeSalesforce`` on loopback,
prints one JSON line ``{"url": ..., "token": ...}`` and then answers commands read from stdin,
one a line, each with one JSON line:

* ``stats``: what the org holds (see :func:`org_stats`) and how it was written to;
* ``quit`` (or end of input): stop serving and exit.

``FakeProcess`` is the other end, for the benchmark::

    with FakeProcess() as fake:
        ... publish to fake.url with fake.token ...
        stats = fake.stats()
"""

from __future__ import annotations

import hashlib
import json
import resource
import subprocess
import sys
from typing import Any, Self

OBJECT = "Contact"
EXTERNAL_ID = "Crmhub_Id__c"
CONTENT_FIELDS = ("FirstName", "LastName", "Email", "Phone")
DAILY_LIMIT = 10**9  # the benchmark measures the hub, not the org's allowance


def digest(lines: list[str]) -> str:
    """A digest of ``lines`` in sorted order: equal digests, equal sets of lines."""
    sha = hashlib.sha256()
    for line in sorted(lines):
        sha.update(line.encode("utf-8") + b"\n")
    return sha.hexdigest()


def content_line(external_id: str, values: list[Any]) -> str:
    """One record as the content digest sees it: the external id, then the content fields."""
    return "\t".join([external_id, *("" if v is None else str(v) for v in values)])


def org_stats(fake: Any) -> dict[str, Any]:
    """Live Contacts, how many carry the external id and how many distinct values it has, the
    digests of those ids and of (id, content fields), the write traffic so far and the CPU time
    the fake's process has used."""
    with fake._lock:  # the org is not thread-safe; the server's handlers hold this lock too
        live = [r for r in fake.org.records[OBJECT].values() if not r["IsDeleted"]]
        ids = [r[EXTERNAL_ID] for r in live if r.get(EXTERNAL_ID)]
        lines = [
            content_line(r[EXTERNAL_ID], [r.get(f) for f in CONTENT_FIELDS])
            for r in live
            if r.get(EXTERNAL_ID)
        ]
        return {
            "contacts": len(live),
            "with_id": len(ids),
            "distinct_ids": len(set(ids)),
            "ids_digest": digest(ids),
            "content_digest": digest(lines),
            "bulk_jobs": len(fake.jobs),
            "write_calls": len(fake.writes),
            "api_calls": fake.api_usage,
            "cpu_seconds": _cpu_seconds(),
        }


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def serve() -> None:
    """The child process: serve until ``quit`` or the end of stdin."""
    from connectors.testing.fake_salesforce import FakeSalesforce

    with FakeSalesforce(daily_limit=DAILY_LIMIT) as fake:
        print(json.dumps({"url": fake.url, "token": fake.token}), flush=True)
        for line in sys.stdin:
            command = line.strip()
            if command == "quit":
                break
            answer = org_stats(fake) if command == "stats" else {"error": f"unknown {command!r}"}
            print(json.dumps(answer), flush=True)
        errors = fake.server.errors
    if errors:  # a handler crashed: the benchmark's numbers would mean nothing
        print(f"fake Salesforce handler errors: {errors[0]}", file=sys.stderr)
        raise SystemExit(1)


class FakeProcess:
    """Starts ``serve`` in a child process and talks to it over its stdin and stdout."""

    def __init__(self, python: str = sys.executable) -> None:
        self._python = python
        self._proc: subprocess.Popen[str] | None = None
        self.url = ""
        self.token = ""

    def __enter__(self) -> Self:
        self._proc = subprocess.Popen(
            [self._python, __file__],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        hello = self._read_line()
        self.url, self.token = hello["url"], hello["token"]
        return self

    def stats(self) -> dict[str, Any]:
        """What the fake org holds now (see :func:`org_stats`)."""
        proc = self._running()
        assert proc.stdin is not None
        proc.stdin.write("stats\n")
        proc.stdin.flush()
        return self._read_line()

    def __exit__(self, *exc: object) -> None:
        proc = self._running()
        assert proc.stdin is not None
        proc.stdin.write("quit\n")
        proc.stdin.close()
        if proc.wait(timeout=30) != 0 and exc[0] is None:
            raise RuntimeError(f"the fake Salesforce process ended with {proc.returncode}")

    def _running(self) -> subprocess.Popen[str]:
        if self._proc is None:
            raise RuntimeError("the fake Salesforce process is not started: use `with`")
        return self._proc

    def _read_line(self) -> dict[str, Any]:
        proc = self._running()
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the fake Salesforce process ended ({proc.poll()})")
        answer: dict[str, Any] = json.loads(line)
        return answer


if __name__ == "__main__":
    serve()
