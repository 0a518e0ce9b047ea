"""Incremental matching through the store, as a scheduled run does it: `crmhub sync` then
`crmhub match`, 10,000 new records against a store of about 1M.

    python bench/match/bench_store_incremental.py --data bench/data/crm_1010000_s1.csv --new 10000

The CRM data set (generate_crm.py) is shuffled (seeded, as in bench_incremental.py) and split
by its ``source`` column into one CSV per system; each system is a connection of a crmhub
project (mapping: bench/match/store/crm_mapping.yaml, full validation and normalisation).
Day one holds all rows but the last ``--new``; day two appends those to their systems' files.

Measured, each command as its own process (wall time, peak RSS and CPU of its process tree):
day-one sync, the first match (a full run: model fitted), day-two sync, and the day-two
``crmhub match``: the incremental run the target is about. Then, on a copy of the store,
``crmhub match --full --keep-model`` (same model, everything again) gives the reference, and
the share of source records whose golden record holds the same members in both is reported.

Writes bench/out/match_store_incremental_<n>.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).parent))

import crm_data
from measure import Measurement, measure

HERE = Path(__file__).parent
MAPPING = HERE / "store" / "crm_mapping.yaml"
OUT = HERE.parent / "out"


def crmhub(project: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "crmhub.cli", "--project", str(project), *args]


def run_measured(cmd: list[str], what: str) -> Measurement:
    m = measure(cmd, env={**os.environ, "COLUMNS": "160", "CI": "true"})
    if m.returncode != 0:
        raise SystemExit(f"{what} failed ({m.returncode}):\n{m.output[-3000:]}")
    print(f"  {what}: {m.seconds:.1f} s, CPU {m.tree_cpu_seconds:.1f} s, peak RSS {m.peak_rss_mb:.0f} MB "
          f"at {m.peak_rss_at_s:.0f} s, peak PSS {m.peak_pss_mb:.0f} MB at {m.peak_pss_at_s:.0f} s", flush=True)
    return m


def split_rows(data: Path, new: int, seed: int) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    rows = list(crm_data.read_rows(data))
    random.Random(seed).shuffle(rows)
    return rows[: len(rows) - new], rows[len(rows) - new :]


def write_systems(rows: list[dict[str, str]], folder: Path, mode: str) -> dict[str, int]:
    """Write (``"w"``) or append (``"a"``) each system's rows to ``folder/<system>.csv``."""
    by_system: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_system.setdefault(row["source"], []).append(row)
    for system, system_rows in by_system.items():
        path = folder / f"{system}.csv"
        header = mode == "w" or not path.exists()
        with path.open(mode, newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(system_rows[0]))
            if header:
                writer.writeheader()
            writer.writerows(system_rows)
    return {system: len(r) for system, r in by_system.items()}


def make_project(project: Path, systems: list[str]) -> None:
    shutil.rmtree(project, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "crmhub.cli", "init", str(project)], check=True,
                   capture_output=True)
    shutil.copy(MAPPING, project / "mappings" / "crm.yaml")
    config = (project / "crmhub.yaml").read_text()
    head, _, tail = config.partition("connections:")
    _, _, tail = tail.partition("\nmatching:")
    connections = "".join(
        f"""  {system}:
    type: file
    config:
      delimiter: ","
      encoding: utf-8
      streams:
        customers: {{path: data/{system}.csv, key: [record_id]}}
    streams:
      customers: {{mapping: mappings/crm.yaml}}
"""
        for system in systems
    )
    tail = tail.replace("source_priority: [legacy_crm]", f"source_priority: [{', '.join(systems)}]")
    (project / "crmhub.yaml").write_text(f"{head}connections:\n{connections}\nmatching:{tail}")
    subprocess.run(crmhub(project, "db", "upgrade"), check=True, capture_output=True)


def members_by_record(database: Path) -> dict[int, frozenset[int]]:
    """Each live source record's golden record, as the set of its members."""
    with sqlite3.connect(database) as db:
        links = db.execute(
            "SELECT x.source_record_id, x.golden_id FROM xref x "
            "JOIN source_records s ON s.id = x.source_record_id WHERE NOT s.deleted"
        ).fetchall()
    groups: dict[str, set[int]] = {}
    for record, golden in links:
        groups.setdefault(golden, set()).add(record)
    frozen = {g: frozenset(m) for g, m in groups.items()}
    return {record: frozen[golden] for record, golden in links}


def match_stage_seconds(database: Path) -> list[dict[str, float]]:
    """Seconds per stage of each match run, oldest first (from ``runs.counts``)."""
    with sqlite3.connect(database) as db:
        rows = db.execute("SELECT counts FROM runs WHERE kind = 'match' ORDER BY id").fetchall()
    return [json.loads(counts or "{}").get("seconds", {}) for (counts,) in rows]


def agreement(incremental: dict[int, frozenset[int]], full: dict[int, frozenset[int]]) -> tuple[float, int]:
    same = sum(incremental.get(r) == m for r, m in full.items())
    return same / max(len(full), 1), len(full) - same


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="CSV from generate_crm.py")
    parser.add_argument("--new", type=int, default=10_000, help="records arriving on day two")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="sync's mapping processes (default: one per CPU)")
    parser.add_argument("--skip-reference", action="store_true",
                        help="skip the full rerun that checks agreement")
    args = parser.parse_args()
    if not args.data.is_file():
        parser.error(
            f"--data {args.data}: no such file; make it with "
            "`python bench/match/generate_crm.py --records 1010000`"
        )

    work = OUT / "store_incremental"
    project = work / "project"
    indexed, new = split_rows(args.data, args.new, args.seed)
    systems = sorted({r["source"] for r in indexed})
    make_project(project, systems)
    write_systems(indexed, project / "data", "w")
    print(f"{len(indexed):,} records on day one, {len(new):,} new on day two", flush=True)

    sync = crmhub(project, "sync", "--all", "--workers", str(args.workers))
    day_one_sync = run_measured(sync, "day-one sync")
    first_match = run_measured(crmhub(project, "match"), "first match (full)")
    arrived = write_systems(new, project / "data", "a")
    day_two_sync = run_measured(sync, "day-two sync")
    incremental = run_measured(crmhub(project, "match"), "day-two match (incremental)")

    with sqlite3.connect(project / "crmhub.db") as db:
        stored = db.execute("SELECT count(*) FROM source_records").fetchone()[0]
        refused = db.execute(
            "SELECT count(*) FROM quarantine WHERE resolved_at IS NULL"
        ).fetchone()[0]
    result: dict[str, object] = {
        "rows_on_day_one": len(indexed),
        "stored_records": stored,
        "quarantined_rows": refused,
        "new_records": len(new),
        "new_by_system": arrived,
        "day_one_sync_s": round(day_one_sync.seconds, 1),
        "first_match_full_s": round(first_match.seconds, 1),
        "first_match_peak_rss_mb": round(first_match.peak_rss_mb),
        "first_match_peak_rss_at_s": round(first_match.peak_rss_at_s),
        "first_match_peak_pss_mb": round(first_match.peak_pss_mb),
        "first_match_peak_pss_at_s": round(first_match.peak_pss_at_s),
        "day_two_sync_s": round(day_two_sync.seconds, 1),
        "incremental_match_s": round(incremental.seconds, 1),
        "incremental_match_cpu_s": round(incremental.tree_cpu_seconds, 1),
        "incremental_match_peak_rss_mb": round(incremental.peak_rss_mb),
        "incremental_match_peak_pss_mb": round(incremental.peak_pss_mb),
        "match_stage_seconds": match_stage_seconds(project / "crmhub.db"),
    }
    if not args.skip_reference:
        reference = work / "reference"
        shutil.rmtree(reference, ignore_errors=True)
        shutil.copytree(project, reference)
        full = run_measured(crmhub(reference, "match", "--full", "--keep-model"),
                            "reference: match --full --keep-model")
        share, differing = agreement(members_by_record(project / "crmhub.db"),
                                     members_by_record(reference / "crmhub.db"))
        result |= {"reference_full_s": round(full.seconds, 1),
                   "agreement_with_full_run": round(share, 6), "disagreeing_records": differing}
    out = OUT / f"match_store_incremental_{len(indexed)}.json"
    out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
