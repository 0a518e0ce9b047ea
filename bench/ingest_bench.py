"""Ingest benchmark: crmhub against dlt on the same generated ERP export, in the same run.

    python bench/ingest_bench.py --rows 100000 --rows 1000000

For each size it generates the export once (bench/generate_customers.py, seeded), then measures,
each tool as its own process (wall time and peak RSS of the whole process tree):

* crmhub first load: ``crmhub sync`` with full validation and normalisation into SQLite;
* crmhub unchanged rerun: the same file again (its fingerprint says nothing changed);
* crmhub unchanged full re-read: ``sync --full``, every row read, hashed and compared;
* dlt first load: ``write_disposition="merge"`` on CODICE into SQLite (bench/dlt_load.py);
* dlt unchanged rerun, up to --dlt-rerun-max rows (dlt's merge of an unchanged file ran at
  about 100 rows/s on 100k rows here; at 1M it would take hours).

Besides wall time, each case reports the CPU time of its whole process tree (worker pools
included) per row: on a shared machine wall time follows the other users' load, CPU time
much less, so compare CPU µs/row between runs, and rows/s only on a quiet machine.

Results go to bench/out/ingest.json and, with --write-results, into bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from measure import Measurement, measure
from results_file import machine, replace_block

BENCH = Path(__file__).parent
REPO = BENCH.parent
DATA = BENCH / "data"
OUT = BENCH / "out"
MAPPING = BENCH / "ingest" / "customers_mapping.yaml"


@dataclass
class Row:
    rows: int
    tool: str
    case: str
    seconds: float
    rows_per_s: float
    peak_rss_mb: float
    note: str = ""
    cpu_seconds: float = float("nan")  # user + system, the whole process tree


def export_for(rows: int) -> Path:
    path = DATA / f"customers_{rows}.csv"
    if not path.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, str(BENCH / "generate_customers.py"), "--rows", str(rows), "--out", str(path),
                        "--seed", "2026"], check=True)
    return path


def crmhub(*args: str) -> list[str]:
    return [sys.executable, "-m", "crmhub.cli", *args]


def checked(m: Measurement, what: str) -> Measurement:
    if m.returncode != 0:
        raise SystemExit(f"{what} failed ({m.returncode}):\n{m.output[-3000:]}")
    return m


def measured(cmd: list[str], what: str, env: dict[str, str] | None = None) -> tuple[Measurement, float]:
    """``measure(cmd)`` and the CPU seconds its whole process tree used (see bench/measure.py)."""
    m = checked(measure(cmd, env=env), what)
    return m, m.tree_cpu_seconds


def _line(tool: str, case: str, rows: int, m: Measurement, cpu: float) -> str:
    return (f"  {tool} {case}: {m.seconds:.1f} s, {rows / m.seconds:,.0f} rows/s, "
            f"CPU {cpu:.1f} s ({cpu / rows * 1e6:,.0f} µs/row), {m.peak_rss_mb:.0f} MB")


def crmhub_project(project: Path, export: Path) -> Path:
    """A fresh crmhub project at ``project`` whose one stream reads ``export`` with the
    benchmark's mapping, its store migrated."""
    shutil.rmtree(project, ignore_errors=True)
    subprocess.run(crmhub("init", str(project)), check=True, capture_output=True)
    shutil.copy(MAPPING, project / "mappings" / "legacy_crm_customers.yaml")
    # the export sits outside the project: point the stream at it
    config = (project / "crmhub.yaml").read_text().replace("path: data/customers.csv", f"path: {export.resolve()}")
    (project / "crmhub.yaml").write_text(config)
    subprocess.run(crmhub("--project", str(project), "db", "upgrade"), check=True, capture_output=True)
    return project


def bench_crmhub(rows: int, export: Path, workers: int) -> list[Row]:
    project = crmhub_project(OUT / f"crmhub_{rows}", export)
    sync = crmhub("--project", str(project), "sync", "--all", "--workers", str(workers))
    env = {**os.environ, "COLUMNS": "200"}
    result = []
    for case, extra in (("first load", []), ("unchanged rerun (file fingerprint)", []),
                        ("unchanged full re-read (--full)", ["--full"])):
        m, cpu = measured(sync + extra, f"crmhub {case}", env=env)
        result.append(Row(rows, "crmhub", case, m.seconds, rows / m.seconds, m.peak_rss_mb,
                          f"--workers {workers}", cpu))
        print(_line("crmhub", case, rows, m, cpu), flush=True)
    return result


def bench_dlt(rows: int, export: Path, rerun_max: int) -> list[Row]:
    work = OUT / f"dlt_{rows}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    command = [sys.executable, str(BENCH / "dlt_load.py"), str(export), str(work / "customers.db"), "CODICE"]
    result = []
    cases = ["first load"] + (["unchanged rerun"] if rows <= rerun_max else [])
    for case in cases:
        m, cpu = measured(command, f"dlt {case}")
        result.append(Row(rows, "dlt 1.31", case, m.seconds, rows / m.seconds, m.peak_rss_mb, 'merge on CODICE', cpu))
        print(_line("dlt", case, rows, m, cpu), flush=True)
    if rows > rerun_max:
        result.append(Row(rows, "dlt 1.31", "unchanged rerun", float("nan"), float("nan"), float("nan"),
                          f"not run: above --dlt-rerun-max {rerun_max:,}"))
    return result


def markdown(rows: list[Row]) -> str:
    lines = ["| rows | tool | case | seconds | rows/s | CPU µs/row | peak RSS (MB) | note |",
             "|---:|---|---|---:|---:|---:|---:|---|"]
    for r in rows:
        if r.seconds != r.seconds:  # NaN: not run
            lines.append(f"| {r.rows:,} | {r.tool} | {r.case} | - | - | - | - | {r.note} |")
        else:
            cpu = "-" if r.cpu_seconds != r.cpu_seconds else f"{r.cpu_seconds / r.rows * 1e6:,.0f}"
            lines.append(f"| {r.rows:,} | {r.tool} | {r.case} | {r.seconds:.1f} | {r.rows_per_s:,.0f} | "
                         f"{cpu} | {r.peak_rss_mb:.0f} | {r.note} |")
    return "\n".join(lines)


def ratios(rows: list[Row]) -> str:
    def rate(size: int, tool: str, case: str) -> float | None:
        found = [r.rows_per_s for r in rows if r.rows == size and r.tool.startswith(tool) and r.case.startswith(case)]
        return found[0] if found and found[0] == found[0] else None  # NaN: not run

    out = []
    for size in sorted({r.rows for r in rows}):
        first = (rate(size, "crmhub", "first"), rate(size, "dlt", "first"))
        if all(first):
            out.append(f"- {size:,} rows, first load: crmhub {first[0] / first[1]:.2f}x dlt's rows/s (target >= 3x)")
        dlt_rerun = rate(size, "dlt", "unchanged")
        for case in ("unchanged rerun", "unchanged full"):
            mine = rate(size, "crmhub", case)
            if mine and dlt_rerun:
                out.append(f"- {size:,} rows, {case}: crmhub {mine / dlt_rerun:,.0f}x dlt's unchanged rerun (target >= 50x)")
    return "\n".join(out)


def measure_all(sizes: list[int], args: argparse.Namespace) -> list[Row]:
    rows: list[Row] = []
    for size in sizes:
        export = export_for(size)
        print(f"{size:,} rows ({export.stat().st_size / 2**20:.0f} MB)", flush=True)
        rows += bench_crmhub(size, export, args.workers)
        if not args.skip_dlt:
            rows += bench_dlt(size, export, args.dlt_rerun_max)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, action="append", help="export sizes (repeatable; default 100000)")
    parser.add_argument("--workers", type=int, default=2, help="crmhub mapping processes (default 2: the cores)")
    parser.add_argument("--dlt-rerun-max", type=int, default=34_000,
                        help="largest size to rerun dlt on (default 34,000: its merge of an unchanged file runs at about 100-400 rows/s)")
    parser.add_argument("--skip-dlt", action="store_true")
    parser.add_argument("--write-results", action="store_true", help="update bench/RESULTS.md")
    parser.add_argument("--report-only", action="store_true",
                        help="measure nothing: render the last run (bench/out/ingest.json) into RESULTS.md")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    if args.report_only:
        rows = [Row(**r) for r in json.loads((OUT / "ingest.json").read_text())]
        sizes = sorted({r.rows for r in rows})
    else:
        sizes = args.rows or [100_000]
        rows = measure_all(sizes, args)
        (OUT / "ingest.json").write_text(json.dumps([asdict(r) for r in rows], indent=2))
    table = markdown(rows) + "\n\n" + ratios(rows)
    print(table)
    if args.write_results or args.report_only:
        command = "python bench/ingest_bench.py " + " ".join(f"--rows {s}" for s in sizes)
        replace_block("ingest", f"Measured on {machine()} with `{command}`.\n\n{table}",
                      heading="## Ingest: crmhub vs dlt")


if __name__ == "__main__":
    main()
