"""Differential check and timing of ``apply_clusters``: does this tree write exactly the golden
records, xref rows and events another tree writes for the same clusters?

    PYTHONPATH=. python bench/golden_diff.py --project /tmp/p50k_synced \
        --clusters clusters.json --baseline /work/main [--show 5]
    PYTHONPATH=. python bench/golden_diff.py --project ... --clusters ... [--profile out.prof]

``--clusters`` is a JSON list of lists of source record ids, e.g. what ``crmhub match`` handed to
``apply_clusters`` on that store. Each tree runs in a fresh process (its directory first on
``PYTHONPATH``) on its own copy of the project's SQLite store, with golden ids, change ids and
the clock made deterministic, and applies the clusters three times: as given (creating golden
records), reshuffled (every 10th pair of neighbouring clusters joined and every 7th cluster of
several records split in two: merges, redirects and unmerges), then the reshuffled clusters again
(nothing to do). After each pass it dumps every golden_records, xref and events row, JSON
columns as stored text. The dumps must be byte-identical; the script prints the first
``--show`` differing lines and exits 1 if any differ. Without ``--baseline`` it only times
this tree (CPU seconds per pass), under cProfile with ``--profile``.
"""

from __future__ import annotations

import argparse
import cProfile
import itertools
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from tree_diff import differing_lines, start_with_tree

FIXED_NOW = datetime(2026, 1, 1, tzinfo=UTC)


def reshuffled(clusters: list[list[int]]) -> list[list[int]]:
    """The clusters with every 10th pair of neighbours joined and every 7th larger one split."""
    out: list[list[int]] = []
    position = 0
    while position < len(clusters):
        cluster = clusters[position]
        if position % 10 == 0 and position + 1 < len(clusters):
            out.append(cluster + clusters[position + 1])
            position += 2
            continue
        if position % 7 == 0 and len(cluster) > 1:
            half = len(cluster) // 2
            out.extend([cluster[:half], cluster[half:]])
        else:
            out.append(cluster)
        position += 1
    return out


def _replace_everywhere(original: Callable[..., Any], replacement: Callable[..., Any]) -> None:
    """Point every loaded crmhub module's name for ``original`` at ``replacement``."""
    for name, module in list(sys.modules.items()):
        if not name.startswith("crmhub") or module is None:
            continue
        for attribute, value in list(vars(module).items()):
            if value is original:
                setattr(module, attribute, replacement)


def make_deterministic() -> None:
    """Golden ids, change ids and the clock: counters and a fixed instant."""
    import crmhub.golden  # loads every module that imported these names
    import crmhub.golden.events
    import crmhub.golden.ids
    import crmhub.store.types

    golden_ids = itertools.count(1)
    change_ids = itertools.count(1)
    _replace_everywhere(crmhub.golden.ids.new_golden_id, lambda: f"G{next(golden_ids):025d}")
    _replace_everywhere(crmhub.golden.events.new_change_id, lambda: f"{next(change_ids):032x}")
    _replace_everywhere(crmhub.store.types.utc_now, lambda: FIXED_NOW)


def dump(engine: Any, out: Any) -> None:
    """Every golden_records, xref and events row, one JSON line each, in key order."""
    import sqlalchemy as sa

    queries = {
        "golden": "SELECT id, party_kind, CAST(data AS TEXT), CAST(lineage AS TEXT), version, "
        "redirect_to, retired_at, created_at, updated_at FROM golden_records ORDER BY id",
        "xref": "SELECT source_record_id, golden_id, linked_at, via FROM xref "
        "ORDER BY source_record_id",
        "event": "SELECT id, at, actor, kind, subject_type, subject_id, CAST(data AS TEXT) "
        "FROM events WHERE subject_type = 'golden' ORDER BY id",
    }
    with engine.connect() as conn:
        for table, query in queries.items():
            for row in conn.execute(sa.text(query)):
                out.write(orjson.dumps([table, *row], default=str) + b"\n")


def run_child(project: Path, clusters_path: Path, out_path: Path, profile: str | None) -> None:
    """Apply the three passes to a copy of ``project`` with the crmhub on the path."""
    import crmhub
    from crmhub.config.project import database_url, load_project
    from crmhub.golden import SurvivorshipPolicy, apply_clusters
    from crmhub.store.engine import create_store_engine

    print(f"  crmhub from {Path(crmhub.__file__).parent}", file=sys.stderr)
    make_deterministic()
    clusters = orjson.loads(clusters_path.read_bytes())
    with tempfile.TemporaryDirectory(prefix="golden_diff_") as tmp:
        copy = Path(tmp) / "project"
        shutil.copytree(project, copy)
        loaded = load_project(copy)
        url = database_url(option=None, root=copy, project=lambda: loaded, environ={})
        engine = create_store_engine(url)
        policy = SurvivorshipPolicy.from_config(loaded.config.survivorship)
        profiler = cProfile.Profile() if profile else None
        passes = [("given", clusters), ("reshuffled", reshuffled(clusters))]
        passes.append(("again", passes[1][1]))
        with out_path.open("wb") as out:
            for name, batch in passes:
                started = time.process_time()
                if profiler is not None and name == "given":
                    profiler.enable()
                result = apply_clusters(engine, batch, "matcher", None, policy=policy)
                if profiler is not None and name == "given":
                    profiler.disable()
                seconds = time.process_time() - started
                print(
                    f"  {name}: {seconds:.2f} s CPU, {result.created} created, "
                    f"{result.redirected} redirected, {result.written} written, "
                    f"{result.events} events",
                    file=sys.stderr,
                )
                out.write(orjson.dumps(["pass", name]) + b"\n")
                dump(engine, out)
        engine.dispose()
    if profiler is not None and profile:
        profiler.dump_stats(profile)


def spawn(package_dir: str, args: argparse.Namespace, out_path: Path) -> int:
    child = [str(args.project), str(args.clusters), str(out_path)]
    profile = ["--profile", args.profile] if args.profile else []
    return start_with_tree(package_dir, __file__, "--child", *child, *profile).wait()


def compare(ours: Path, theirs: Path, show: int) -> int:
    """Print the first ``show`` differing lines; returns how many differ."""
    differing = 0
    for number, mine, base in differing_lines(ours, theirs):
        differing += 1
        if differing <= show:
            print(f"\nline {number}:\n  baseline:  {base.decode().strip()[:2000]}")
            print(f"  this tree: {mine.decode().strip()[:2000]}")
    return differing


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--project", type=Path, help="a crmhub project with a SQLite store")
    parser.add_argument("--clusters", type=Path, help="JSON list of lists of source record ids")
    parser.add_argument("--baseline", help="directory holding the reference `crmhub`")
    parser.add_argument("--profile", help="cProfile output of this tree's first pass")
    parser.add_argument("--show", type=int, default=5, help="differences printed")
    parser.add_argument("--child", nargs=3, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child(*args.child, args.profile)
        return 0
    if not args.project or not args.clusters:
        parser.error("--project DIR and --clusters FILE are required")
    with tempfile.TemporaryDirectory(prefix="golden_diff_") as tmp:
        ours = Path(tmp) / "ours.jsonl"
        print(f"this tree ({ROOT}):", file=sys.stderr)
        if spawn(str(ROOT), args, ours) != 0:
            return 2
        if not args.baseline:
            return 0
        theirs = Path(tmp) / "theirs.jsonl"
        print(f"baseline ({args.baseline}):", file=sys.stderr)
        args.profile = None
        if spawn(args.baseline, args, theirs) != 0:
            return 2
        differing = compare(ours, theirs, args.show)
        with ours.open("rb") as dumped:
            rows = sum(1 for _ in dumped)
    print(f"\n{rows} rows dumped: {differing} differ from {args.baseline}")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
