"""How long Airflow takes to parse crmhub's DAG folder, for projects of 1 to 200 connections.

    python bench/airflow_parse.py                      # 1, 10, 50 and 200 connections
    python bench/airflow_parse.py --connections 50 --repeat 10

Each size runs in a fresh process that imports Airflow first (a dag-processor has it loaded),
then parses ``dags/`` with Airflow's ``DagBag``:

* cold: the first parse, paying for importing crmhub's orchestration modules too;
* warm: the parses after it, as in a dag-processor, which imports what a DAG file imports
  before forking its parsers (``[dag_processor] parsing_pre_import_modules``).

CPU seconds (``time.process_time``) are the figure to compare: wall time moves with whatever
else the machine runs. ``DagBag`` is Airflow's own measure of the file (wall).
Every connection has a schedule and one stream; one publish target is configured.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).parent))
from results_file import machine

REPO = Path(__file__).resolve().parents[1]
DAGS = REPO / "dags"
MAPPING = "version: 1\nkind: {const: person}\nfields:\n  person.given_name: name\n"


def write_project(root: Path, connections: int) -> None:
    """A project with ``connections`` file connections and one publish target."""
    (root / "mappings").mkdir(parents=True)
    (root / "mappings" / "customers.yaml").write_text(MAPPING, encoding="utf-8")
    conns = {
        f"source_{i:03d}": {
            "type": "file",
            "config": {"streams": {"customers": {"path": f"data/{i}.csv", "key": ["id"]}}},
            "schedule": f"{i % 60} * * * *",
            "max_parallel": 1 + i % 4,
            "streams": {"customers": {"mapping": "mappings/customers.yaml"}},
        }
        for i in range(connections)
    }
    targets = {"back": {"connection": "source_000", "stream": "customers"}}
    document = {"project": f"bench{connections}", "connections": conns, "targets": targets}
    (root / "crmhub.yaml").write_text(yaml.safe_dump(document, sort_keys=False), "utf-8")


def child(repeat: int) -> None:
    """Parse dags/ once cold and ``repeat`` times warm; print the figures as JSON."""
    from airflow.dag_processing.dagbag import DagBag
    from airflow.sdk import task  # noqa: F401 - Airflow's own first-use imports, not ours

    def parse() -> tuple[float, float, float, DagBag]:
        cpu, wall = time.process_time(), time.perf_counter()
        bag = DagBag(dag_folder=str(DAGS))
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        if bag.import_errors:
            raise SystemExit(f"import errors: {bag.import_errors}")
        return cpu, wall, bag.dagbag_stats[0].duration.total_seconds(), bag

    cold_cpu, cold_wall, cold_bag, bag = parse()
    warm = [parse()[:3] for _ in range(repeat)]
    tasks = sum(len(dag.task_dict) for dag in bag.dags.values())
    print(
        json.dumps(
            {
                "dags": len(bag.dags),
                "tasks": tasks,
                "cold_cpu": cold_cpu,
                "cold_wall": cold_wall,
                "cold_dagbag": cold_bag,
                "warm_cpu": statistics.median(w[0] for w in warm),
                "warm_wall": statistics.median(w[1] for w in warm),
                "warm_dagbag": statistics.median(w[2] for w in warm),
            }
        )
    )


def measure(connections: int, repeat: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="crmhub-parse-") as tmp:
        root = Path(tmp) / "project"
        write_project(root, connections)
        env = {
            **os.environ,
            "CRMHUB_PROJECT": str(root),
            "AIRFLOW_HOME": str(Path(tmp) / "airflow"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
        }
        done = subprocess.run(
            [sys.executable, __file__, "--child", "--repeat", str(repeat)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise SystemExit(done.stderr[-4000:] or done.stdout[-4000:])
        return json.loads(done.stdout.strip().splitlines()[-1])


def table(rows: list[tuple[int, dict[str, float]]]) -> str:
    lines = [
        (
            "| connections | DAGs | tasks | cold CPU s | cold wall s | warm CPU s | warm wall s "
            "| DagBag s (cold / warm) |"
        ),
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for n, r in rows:
        lines.append(
            f"| {n} | {r['dags']} | {r['tasks']} | {r['cold_cpu']:.2f} | {r['cold_wall']:.2f} "
            f"| {r['warm_cpu']:.2f} | {r['warm_wall']:.2f} "
            f"| {r['cold_dagbag']:.2f} / {r['warm_dagbag']:.2f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, action="append", help="sizes to measure")
    parser.add_argument("--repeat", type=int, default=5, help="warm parses per size (median)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.repeat)
        return
    sizes = args.connections or [1, 10, 50, 200]
    rows = [(n, measure(n, args.repeat)) for n in sizes]
    print(
        f"Measured on {machine()}, apache-airflow "
        f"{_version('apache-airflow')} with `python bench/airflow_parse.py"
        f"{''.join(f' --connections {n}' for n in sizes) if args.connections else ''}`.\n"
    )
    print(table(rows))


def _version(name: str) -> str:
    from importlib.metadata import version

    return version(name)


if __name__ == "__main__":
    main()
