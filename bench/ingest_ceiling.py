"""How fast crmhub's first load could be if building the canonical record cost less, measured.

    python bench/ingest_ceiling.py --rows 100000 [--rows 1000000] [--write-results]

The ingest's first load spends most of its CPU building each record (mapping, then the
canonical model's validation and normalisation, dump and content hash: in the worker
processes); the rest is reading the file, hashing each raw row, shipping records to the workers
and back, and storing them (in the main process). This benchmark puts a ceiling on what any
speed-up of the build could give, by running the same ``crmhub sync`` of the same export with
the build replaced by a cheaper stand-in (``bench/ingest/ceiling_run.py``):

* as shipped: the real build (the first-load case of ``bench/ingest_bench.py``);
* mapped only: the mapping runs, the canonical model does not (no validation, normalisation,
  dump or content hash);
* nothing built: not even the mapping; what is left is reading, hashing, shipping, storing;
* nothing built, no workers: the same, in one process (reading, hashing and storing alone).

dlt's first load of the same file is measured in the same run, and each case is given as a
multiple of dlt's rows/s. The stand-ins store records that are not canonical records, each in
a throw-away project under bench/out/. Results go to bench/out/ingest_ceiling.json and, with
--write-results, into bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from ingest_bench import OUT, crmhub, crmhub_project, export_for, measured
from results_file import machine, replace_block

BENCH = Path(__file__).parent


@dataclass(frozen=True)
class Case:
    name: str
    stand_in: str | None  # None: crmhub as shipped
    workers: int


CASES = (
    Case("crmhub as shipped", None, 2),
    Case("crmhub, mapped only", "mapped-only", 2),
    Case("crmhub, nothing built", "nothing-built", 2),
    Case("crmhub, nothing built, no workers", "nothing-built", 0),
)


@dataclass
class Result:
    rows: int
    case: str
    seconds: float
    cpu_seconds: float
    peak_rss_mb: float

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.seconds


def sync_command(case: Case, project: Path) -> list[str]:
    args = ["--project", str(project), "sync", "--all", "--workers", str(case.workers)]
    if case.stand_in is None:
        return crmhub(*args)
    return [sys.executable, str(BENCH / "ingest" / "ceiling_run.py"), case.stand_in, *args]


def measure_size(rows: int) -> list[Result]:
    export = export_for(rows)
    print(f"{rows:,} rows", flush=True)
    results = []
    dlt_dir = OUT / f"ceiling_dlt_{rows}"
    dlt_dir.mkdir(parents=True, exist_ok=True)
    (dlt_dir / "customers.db").unlink(missing_ok=True)
    for name, command in [("dlt 1.31 first load",
                           [sys.executable, str(BENCH / "dlt_load.py"), str(export), str(dlt_dir / "customers.db"), "CODICE"])] + [
        (case.name, sync_command(case, crmhub_project(OUT / f"ceiling_{rows}_{i}", export)))
        for i, case in enumerate(CASES)
    ]:
        m, cpu = measured(command, name, env={**os.environ, "COLUMNS": "200"})
        results.append(Result(rows, name, m.seconds, cpu, m.peak_rss_mb))
        print(f"  {name}: {m.seconds:.1f} s, {rows / m.seconds:,.0f} rows/s, {cpu / rows * 1e6:,.0f} CPU µs/row", flush=True)
    return results


def markdown(results: list[Result]) -> str:
    lines = ["| rows | case | seconds | rows/s | CPU µs/row | x dlt's rows/s |", "|---:|---|---:|---:|---:|---:|"]
    for r in results:
        dlt = next(d for d in results if d.rows == r.rows and d.case.startswith("dlt"))
        lines.append(f"| {r.rows:,} | {r.case} | {r.seconds:.1f} | {r.rows_per_s:,.0f} | "
                     f"{r.cpu_seconds / r.rows * 1e6:,.0f} | {r.rows_per_s / dlt.rows_per_s:.2f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, action="append", help="export sizes (repeatable; default 100000)")
    parser.add_argument("--write-results", action="store_true", help="update bench/RESULTS.md")
    args = parser.parse_args()
    sizes = args.rows or [100_000]
    OUT.mkdir(parents=True, exist_ok=True)
    results = [r for size in sizes for r in measure_size(size)]
    (OUT / "ingest_ceiling.json").write_text(json.dumps([asdict(r) for r in results], indent=2))
    table = markdown(results)
    print(table)
    if args.write_results:
        command = "python bench/ingest_ceiling.py " + " ".join(f"--rows {s}" for s in sizes)
        replace_block("ingest-ceiling", f"Measured on {machine()} with `{command}`.\n\n{table}",
                      heading="### Ingest: the ceiling")


if __name__ == "__main__":
    main()
