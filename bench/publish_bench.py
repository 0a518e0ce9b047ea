"""Publish benchmark: N golden records to the fake Salesforce through Bulk API 2.0.

    python bench/publish_bench.py --records 10000 --records 30000 --records 100000

For each size: a fresh project and store (SQLite by default, ``--store postgresql`` for a fresh
PostgreSQL database) holding N golden records (bench/publish/goldens.py, inserted directly),
and a fresh fake Salesforce served on loopback by a process of its own (bench/publish/
fake_process.py), so that the org's memory is not counted as the publisher's. Then, each
measured as its own process (``crmhub publish`` run through bench/publish/run_cli.py):

* first publish: every record planned, queued and written as a Contact by ``Crmhub_Id__c``;
  the target's ``batch_size`` (``--batch-size``) is above the connection's
  ``bulk_threshold``, so every write call is one Bulk 2.0 ingest job;
* unchanged rerun: the same publish again, which must write nothing.

Reported: wall time, records/s, CPU time and peak RSS of the publishing process (its own
high-water mark, VmHWM), and the CPU time the fake org spent meanwhile. Checked after each
run, or the benchmark fails: the fake holds exactly N live Contacts, each with the
Crmhub_Id__c of one golden record and no id twice, with the names, e-mail and phone the
reverse mapping makes (digests compared); the run's counts say N created, none failed; the
rerun queued and sent nothing and the fake saw no write call.

Results go to bench/out/publish_<store>.json and bench/out/publish_memory.png; with
--write-results, the last run of each store goes into the publish block of bench/RESULTS.md
and the plot to bench/publish/publish_memory.png, which the block shows.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml

BENCH = Path(__file__).parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH / "publish"))
from fake_process import FakeProcess, content_line, digest
from goldens import insert_goldens
from measure import Measurement, measure
from results_file import machine, replace_block

from crmhub.store.engine import create_store_engine
from crmhub.store.schema import outbox, runs

OUT = BENCH / "out"
RUN_CLI = BENCH / "publish" / "run_cli.py"
PLOT = BENCH / "publish" / "publish_memory.png"  # the committed copy RESULTS.md shows
TARGET = "sf_contacts"
POSTGRES_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
MAPPING = """\
version: 1
kind: {const: person}
defaults: {country: IT}
fields:
  person.given_name: FirstName
  person.family_name: LastName
  emails:
    - {raw: Email}
  phones:
    - {raw: Phone}
reverse:
  FirstName: person.given_name
  LastName: person.family_name
  Email: emails[primary].value
  Phone: phones[primary].value
"""


@dataclass
class Row:
    records: int
    case: str
    seconds: float
    records_per_s: float
    cpu_seconds: float
    peak_rss_mb: float
    written: int
    bulk_jobs: int
    org_cpu_seconds: float
    store: str
    load: str


# -- the world: a project, a store, a fake org -------------------------------------------------


def project_config(url: str, batch_size: int, job_size: int, poll: float) -> dict[str, Any]:
    """crmhub.yaml: one Salesforce connection on the fake, one Contact target by Crmhub_Id__c."""
    salesforce = {
        "instance_url": url,
        "auth": {"method": "access_token", "access_token": "${SF_TOKEN}"},
        "objects": {"Contact": {}},
        "bulk_threshold": 2000,
        "bulk_job_size": job_size,
        "bulk_poll_seconds": poll,
        "bulk_poll_max_seconds": max(poll, 2.0),
    }
    return {
        "project": "publish_bench",
        "connections": {
            "salesforce": {
                "type": "salesforce",
                "config": salesforce,
                "streams": {"Contact": {"mapping": "mappings/sf_contact.yaml"}},
            }
        },
        "targets": {
            TARGET: {
                "connection": "salesforce",
                "stream": "Contact",
                "id_field": "Crmhub_Id__c",
                "batch_size": batch_size,
            }
        },
    }


@contextmanager
def store_url(kind: str, project: Path) -> Iterator[str]:
    """A fresh, empty store: a SQLite file in the project, or a PostgreSQL database dropped
    afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{(project / 'crmhub.db').resolve()}"
        return
    name = f"crmhub_publish_bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield POSTGRES_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def crmhub(project: Path, usage: Path, *args: str) -> list[str]:
    return [sys.executable, str(RUN_CLI), str(usage), "--project", str(project), *args]


# -- checks ------------------------------------------------------------------------------------


def checked(m: Measurement, what: str) -> Measurement:
    if m.returncode != 0:
        raise SystemExit(f"{what} failed ({m.returncode}):\n{m.output[-3000:]}")
    return m


def last_publish_counts(engine: sa.Engine) -> dict[str, Any]:
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(runs.c.status, runs.c.counts)
            .where(runs.c.kind == "publish")
            .order_by(runs.c.id.desc())
            .limit(1)
        ).one()
        open_rows = conn.execute(
            sa.select(sa.func.count()).where(outbox.c.status != "sent")
        ).scalar_one()
    if row.status != "succeeded":
        raise SystemExit(f"the publish run ended {row.status}: {row.counts}")
    return {**row.counts, "outbox_open": int(open_rows)}


def verify_org(stats: dict[str, Any], expected: dict[str, list[Any]]) -> None:
    """The fake holds exactly the expected Contacts: one per golden id, with its values."""
    n = len(expected)
    problems = [
        f"{name} is {stats[name]:,}, not {n:,}"
        for name in ("contacts", "with_id", "distinct_ids")
        if stats[name] != n
    ]
    if stats["ids_digest"] != digest(list(expected)):
        problems.append("the set of Crmhub_Id__c values is not the set of golden ids")
    lines = [content_line(gid, values) for gid, values in expected.items()]
    if stats["content_digest"] != digest(lines):
        problems.append(
            "some Contact's FirstName/LastName/Email/Phone differ from its golden record"
        )
    if problems:
        raise SystemExit(
            "the fake Salesforce does not hold what was published: " + "; ".join(problems)
        )


def verify_first(counts: dict[str, Any], n: int) -> None:
    created = counts.get("outcomes", {}).get("created", 0)
    if (counts["sent"], created, counts["failed"], counts["dead"], counts["outbox_open"]) != (
        n,
        n,
        0,
        0,
        0,
    ):
        raise SystemExit(f"the first publish did not create exactly {n:,} records: {counts}")


def verify_rerun(counts: dict[str, Any], before: dict[str, Any], after: dict[str, Any]) -> None:
    if counts["queued"] or counts["due"] or counts["sent"] or counts["outbox_open"]:
        raise SystemExit(f"the unchanged rerun queued or wrote something: {counts}")
    if (after["write_calls"], after["bulk_jobs"]) != (before["write_calls"], before["bulk_jobs"]):
        raise SystemExit(
            f"the unchanged rerun called the org: {before['write_calls']} -> "
            f"{after['write_calls']} write calls, {before['bulk_jobs']} -> {after['bulk_jobs']} jobs"
        )


# -- one size --------------------------------------------------------------------------------


def load_average() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def new_project(n: int, fake: FakeProcess, args: argparse.Namespace) -> Path:
    project = OUT / f"publish_{n}"
    shutil.rmtree(project, ignore_errors=True)
    (project / "mappings").mkdir(parents=True)
    (project / "mappings" / "sf_contact.yaml").write_text(MAPPING, encoding="utf-8")
    config = project_config(fake.url, args.batch_size, args.bulk_job_size, args.poll_seconds)
    (project / "crmhub.yaml").write_text(yaml.safe_dump(config, sort_keys=False), "utf-8")
    return project


def bench_size(n: int, args: argparse.Namespace) -> list[Row]:
    """A fresh world of ``n`` golden records, published twice, each publish checked."""
    with FakeProcess() as fake:
        project = new_project(n, fake, args)
        with store_url(args.store, project) as url:
            env = {**os.environ, "SF_TOKEN": fake.token, "CRMHUB_DATABASE_URL": url}
            upgrade = crmhub(project, project / "usage.json", "db", "upgrade")
            subprocess.run(upgrade, env=env, check=True, capture_output=True)
            engine = create_store_engine(url)
            expected = insert_goldens(engine, n)
            print(f"{n:,} golden records in the {args.store} store; publishing", flush=True)
            try:
                return [
                    publish_once(project, env, engine, fake, expected, case, args.store)
                    for case in ("first publish", "unchanged rerun")
                ]
            finally:
                engine.dispose()


def publish_once(
    project: Path,
    env: dict[str, str],
    engine: sa.Engine,
    fake: FakeProcess,
    expected: dict[str, list[Any]],
    case: str,
    store: str,
) -> Row:
    """One measured ``crmhub publish``, then the checks of ``case``."""
    n, usage = len(expected), project / "usage.json"
    engine.dispose()  # no connection of ours open on the store while the publisher runs
    before, load = fake.stats(), load_average()
    m = checked(measure(crmhub(project, usage, "publish", TARGET), env=env), case)
    figures = json.loads(usage.read_text())
    counts, after = last_publish_counts(engine), fake.stats()
    verify_org(after, expected)
    if case == "first publish":
        verify_first(counts, n)
    else:
        verify_rerun(counts, before, after)
    jobs = after["bulk_jobs"] - before["bulk_jobs"]
    cpu, rss = figures["cpu_seconds"], figures["peak_rss_mb"]
    org_cpu = after["cpu_seconds"] - before["cpu_seconds"]
    row = Row(
        n, case, m.seconds, n / m.seconds, cpu, rss, counts["sent"], jobs, org_cpu, store, load
    )
    print(
        f"  {case}: {m.seconds:.1f} s, {row.records_per_s:,.0f} records/s, CPU {cpu:.1f} s, "
        f"peak RSS {rss:.0f} MB, {row.written:,} written in {jobs} Bulk 2.0 job(s); load {load}",
        flush=True,
    )
    return row


# -- reporting -------------------------------------------------------------------------------


def markdown(rows: list[Row]) -> str:
    lines = [
        "| records | case | seconds | records/s | CPU s | records per CPU s | peak RSS (MB) "
        + "| written | Bulk 2.0 jobs | fake org CPU s | load before |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r.records:,} | {r.case} | {r.seconds:.1f} | {r.records_per_s:,.0f} | "
            f"{r.cpu_seconds:.1f} | {r.records / r.cpu_seconds:,.0f} | {r.peak_rss_mb:.0f} | "
            f"{r.written:,} | {r.bulk_jobs} | {r.org_cpu_seconds:.1f} | {r.load} |"
        )
    return "\n".join(lines)


def memory_summary(rows: list[Row]) -> str:
    first = sorted((r for r in rows if r.case == "first publish"), key=lambda r: r.records)
    if len(first) < 2:
        return ""
    low, high = first[0], first[-1]
    growth = high.peak_rss_mb - low.peak_rss_mb
    per_record = growth * 2**20 / (high.records - low.records)
    return (
        f"Peak RSS of the first publish: {low.peak_rss_mb:.0f} MB at {low.records:,} records, "
        f"{high.peak_rss_mb:.0f} MB at {high.records:,} ({growth:+.0f} MB, "
        f"{per_record:,.0f} bytes per extra record)."
    )


def plot(runs: list[dict[str, Any]], path: Path) -> Path | None:
    """Peak RSS against records, one line per store and case."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    fig, ax = plt.subplots(figsize=(6.4, 4))
    for run in runs:
        for case, marker in (("first publish", "o"), ("unchanged rerun", "s")):
            chosen = sorted((r for r in run["rows"] if r.case == case), key=lambda r: r.records)
            sizes, peaks = [r.records for r in chosen], [r.peak_rss_mb for r in chosen]
            ax.plot(sizes, peaks, marker=marker, label=f"{case} ({run['store']})")
    ax.set_xlabel("golden records published")
    ax.set_ylabel("peak RSS of crmhub publish (MB)")
    ax.set_ylim(bottom=0)
    ax.set_title("crmhub publish, Bulk 2.0 to Salesforce: memory vs records")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def saved_run(store: str) -> Path:
    return OUT / f"publish_{store}.json"


def load_runs() -> list[dict[str, Any]]:
    """The last run saved for each store (SQLite first)."""
    runs = []
    for store in ("sqlite", "postgresql"):
        if saved_run(store).exists():
            run = json.loads(saved_run(store).read_text())
            run["rows"] = [Row(**r) for r in run["rows"]]
            runs.append(run)
    return runs


def run_section(run: dict[str, Any]) -> str:
    return (
        f"Store: {run['store']}. `{run['command']}` on {run['machine']}; target batch_size "
        f"{run['batch_size']:,}, bulk_job_size {run['bulk_job_size']:,}.\n\n"
        + markdown(run["rows"])
        + "\n\n"
        + memory_summary(run["rows"])
    ).rstrip()


def write_results(runs: list[dict[str, Any]]) -> None:
    """Replace the publish block of RESULTS.md (appended at the end when absent)."""
    body = (
        "N golden records (real canonical persons) published to a fresh fake Salesforce as "
        "Contacts by Crmhub_Id__c, every write call one Bulk 2.0 ingest job; then the same "
        "publish again. After each run the benchmark checks that the fake holds exactly N "
        "Contacts, one per golden id, with the names, e-mail and phone the reverse mapping "
        "makes, that the first run created N and failed none, and that the rerun queued and "
        "sent nothing and made no write call. CPU s and peak RSS are the publishing process's "
        "own (peak RSS: its high-water mark, VmHWM); the fake runs in a process of its own and "
        'is not counted (its CPU time is the "fake org CPU" column), nor is the PostgreSQL '
        "server's work on a PostgreSQL store. The machine was "
        "shared: the load average before each run is in the last column, and CPU time is the "
        "steadier figure."
        + (f"\n\n![peak RSS against records](publish/{PLOT.name})" if PLOT.exists() else "")
        + "\n\n"
        + "\n\n".join(run_section(run) for run in runs)
    )
    replace_block("publish", body)


def measure_run(args: argparse.Namespace) -> None:
    sizes = args.records or [10_000, 30_000, 100_000]
    rows = [row for n in sizes for row in bench_size(n, args)]
    command = "python bench/publish_bench.py " + " ".join(f"--records {n}" for n in sizes)
    defaults = {
        "store": "sqlite",
        "batch_size": 10_000,
        "bulk_job_size": 10_000,
        "poll_seconds": 0.2,
    }
    for name, default in defaults.items():
        if getattr(args, name) != default:
            command += f" --{name.replace('_', '-')} {getattr(args, name)}"
    run = {
        "store": args.store,
        "command": command,
        "machine": machine(),
        "batch_size": args.batch_size,
        "bulk_job_size": args.bulk_job_size,
        "rows": [asdict(r) for r in rows],
    }
    saved_run(args.store).write_text(json.dumps(run, indent=2))
    print(markdown(rows) + "\n\n" + memory_summary(rows))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--records",
        type=int,
        action="append",
        help="golden records to publish (repeatable; default 10000, 30000, 100000)",
    )
    parser.add_argument("--store", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--batch-size",
        type=int,
        default=10_000,
        help="the target's batch_size: records per write call (default 10000)",
    )
    parser.add_argument(
        "--bulk-job-size",
        type=int,
        default=10_000,
        help="the connection's bulk_job_size (default 10000)",
    )
    parser.add_argument(
        "--poll-seconds",
        type=float,
        default=0.2,
        help="the connection's bulk_poll_seconds (default 0.2)",
    )
    parser.add_argument(
        "--write-results",
        action="store_true",
        help="update bench/RESULTS.md with the last run of each store",
    )
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="measure nothing: render the saved runs (bench/out/publish_*.json)",
    )
    args = parser.parse_args()
    if args.batch_size <= 2000:
        parser.error("--batch-size must be above the bulk_threshold (2000) to use Bulk 2.0")
    OUT.mkdir(parents=True, exist_ok=True)
    if not args.report_only:
        measure_run(args)
    runs = load_runs()
    png = plot(runs, OUT / "publish_memory.png")
    if png:
        print(f"plot: {png}")
    if args.write_results or args.report_only:
        if png:
            shutil.copyfile(png, PLOT)
        write_results(runs)


if __name__ == "__main__":
    main()
