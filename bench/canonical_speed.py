"""How long building a canonical Party takes, per record: validate, dump, content hash.

    . .venv/bin/activate
    python bench/canonical_speed.py [--rows 20000] [--seed 2] [--warmup 2000] [--repeat 5]
    python bench/canonical_speed.py --baseline /path/to/old/copy   # before/after, interleaved
    python bench/canonical_speed.py --profile                      # where the time goes

It generates the benchmark's ERP export (``bench/generate_customers.py``), maps every row with
``bench/ingest/customers_mapping.yaml`` as the ingest does (both kept in /tmp and reused), then
times each step over all records: by default all in memory at once, the way the speed target
was set; ``--batch N`` works N records at a time and drops them, as an ingest worker does:

  validate        Party.model_validate(mapped, context={"default_country": "IT"})
  dump            party.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
  content_hash    party.content_hash()
  canonical_dump  party.canonical_dump(): the dump and the hash in one call (if the model has it)

The first ``--warmup`` records warm the caches and are not counted. Each step is reported in
microseconds per record, as CPU time (``time.process_time``) and wall time. Every repetition
runs in a fresh process (cold caches, as a new ingest worker has); the table shows the median
and the best of the repetitions. The machine may be shared: compare CPU figures, and prefer
``--baseline``, which alternates runs of the two packages so that both see the same load.
``--gc-freeze`` (``gc.freeze()``) and ``--gc-threshold N`` (``gc.set_threshold(N)``), applied
after the warm-up, show what the engine would gain by tuning the garbage collector.
``--profile`` shows a cProfile of the validate step (top functions by own time) instead.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import gc
import hashlib
import json
import os
import pstats
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parents[1]
MAPPING = ROOT / "bench" / "ingest" / "customers_mapping.yaml"
CONTEXT = {"default_country": "IT"}
STEPS = ("validate", "dump", "content_hash", "canonical_dump")


# -- the data -------------------------------------------------------------------------------------


def mapped_file(rows: int, seed: int) -> Path:
    """The export for (rows, seed), mapped, one JSON record a line; made once and reused."""
    mapping_hash = hashlib.blake2b(MAPPING.read_bytes(), digest_size=6).hexdigest()
    path = Path(f"/tmp/canonical_speed_{rows}_s{seed}_{mapping_hash}.jsonl")
    if path.exists():
        return path
    export = Path(f"/tmp/canonical_speed_{rows}_s{seed}.csv")
    if not export.exists():
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "bench" / "generate_customers.py"),
                "--rows",
                str(rows),
                "--out",
                str(export),
                "--seed",
                str(seed),
            ],
            check=True,
        )
    from crmhub.mapping.loader import load_mapping

    mapping = load_mapping(MAPPING)
    with export.open(encoding="utf-8", newline="") as rows_in, path.open("wb") as out:
        for row in csv.DictReader(rows_in, delimiter=";"):
            out.write(orjson.dumps(mapping.apply(row)[0]) + b"\n")
    return path


def read_records(path: Path) -> list[bytes]:
    """The mapped records, still as JSON.

    Kept as bytes, not dicts: an ingest worker holds one batch at a time, and 20,000 dicts
    alive for the whole run would make the garbage collector's full passes (part of what is
    measured) slower than they are in the ingest.
    """
    return path.read_bytes().splitlines()


def decoded(batch: list[bytes]) -> list[dict[str, Any]]:
    """The mapped records of one batch as dicts again (not timed)."""
    return [orjson.loads(record) for record in batch]


# -- one measurement ---------------------------------------------------------------------------------


class Clock:
    """CPU and wall seconds accumulated for one step."""

    def __init__(self) -> None:
        self.cpu = 0.0
        self.wall = 0.0

    def run(self, step: Callable[[Any], Any], items: list[Any]) -> list[Any]:
        """Apply ``step`` to every item, adding the time taken; returns the results."""
        cpu, wall = time.process_time(), time.perf_counter()
        out = [step(item) for item in items]
        self.cpu += time.process_time() - cpu
        self.wall += time.perf_counter() - wall
        return out


def measure(
    records: list[bytes], warmup: int, batch: int, gc_freeze: bool, gc_threshold: int | None
) -> dict[str, Any]:
    """Time each step over ``records[warmup:]``; microseconds per record.

    ``batch`` 0: the whole export at once (all mapped records, then all parties, in memory);
    otherwise ``batch`` records at a time, decoded untimed and dropped after, like a worker.
    """
    from canonical import Party

    def validate(data: dict[str, Any]) -> Any:
        return Party.model_validate(data, context=CONTEXT)

    steps: dict[str, Callable[[Any], Any]] = {
        "dump": lambda p: p.model_dump(mode="json", exclude_none=True, exclude_defaults=True),
        "content_hash": lambda p: p.content_hash(),
    }
    if hasattr(Party, "canonical_dump"):
        steps["canonical_dump"] = lambda p: p.canonical_dump()
    clocks = {name: Clock() for name in ("validate", *steps)}
    if batch == 0:  # how the target was set: every mapped record decoded first, all kept
        chunks: Iterable[list[dict[str, Any]]] = [decoded(records)]
    else:
        chunks = (decoded(records[at : at + batch]) for at in range(0, len(records), batch))
    seen = 0
    for data in chunks:
        if seen < warmup:  # the warm-up records: run every step, time nothing
            warming, data = data[: warmup - seen], data[warmup - seen :]
            for item in warming:
                party = validate(item)
                for step in steps.values():
                    step(party)
            seen += len(warming)
            if seen == warmup:
                tune_gc(gc_freeze, gc_threshold)
        parties = clocks["validate"].run(validate, data)
        for name, step in steps.items():
            clocks[name].run(step, parties)
    import canonical

    counted = len(records) - warmup
    return {
        "package": str(Path(canonical.__file__).parent),
        "steps": {
            name: {"cpu": c.cpu / counted * 1e6, "wall": c.wall / counted * 1e6}
            for name, c in clocks.items()
        },
    }


def tune_gc(freeze: bool, threshold: int | None) -> None:
    """What an ingest worker could do once its caches are warm (the engine decides)."""
    if freeze:  # what is alive now (modules, schemas, warm caches) is never scanned again
        gc.collect()
        gc.freeze()
    if threshold:  # fewer young collections, and so fewer full ones
        gc.set_threshold(threshold, *gc.get_threshold()[1:])


def profile_validate(records: list[bytes], warmup: int, top: int) -> None:
    """cProfile of the validate step over records the caches have not seen, after the warm-up
    (top functions by own time)."""
    from canonical import Party

    for data in decoded(records[:warmup]):
        Party.model_validate(data, context=CONTEXT)
    rest = decoded(records[warmup:])
    profiler = cProfile.Profile()
    profiler.enable()
    for data in rest:
        Party.model_validate(data, context=CONTEXT)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(top)


# -- repetitions and the table ---------------------------------------------------------------------


def run_child(args: argparse.Namespace, package_dir: str | None) -> dict[str, Any]:
    """One measurement in a fresh process; ``package_dir`` first on the path if given."""
    env = dict(os.environ)
    if package_dir:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_dir, env.get("PYTHONPATH")]))
    command = (
        [
            sys.executable,
            __file__,
            "--child",
            "--rows",
            str(args.rows),
            "--seed",
            str(args.seed),
            "--warmup",
            str(args.warmup),
            "--batch",
            str(args.batch),
        ]
        + (["--gc-freeze"] if args.gc_freeze else [])
        + (["--gc-threshold", str(args.gc_threshold)] if args.gc_threshold else [])
    )
    done = subprocess.run(command, env=env, cwd="/", check=True, capture_output=True, text=True)
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def table(title: str, runs: list[dict[str, Any]]) -> dict[str, float]:
    """Print median and best per step; returns the median CPU figure of each step."""
    print(f"\n{title}\n  package {runs[0]['package']}, {len(runs)} run(s)")
    print(f"  {'step':<16}{'CPU median':>12}{'CPU best':>10}{'wall median':>13}{'wall best':>11}")
    medians = {}
    for step in STEPS:
        if step not in runs[0]["steps"]:
            continue
        cpu = [r["steps"][step]["cpu"] for r in runs]
        wall = [r["steps"][step]["wall"] for r in runs]
        medians[step] = statistics.median(cpu)
        print(
            f"  {step:<16}{statistics.median(cpu):>12.1f}{min(cpu):>10.1f}"
            f"{statistics.median(wall):>13.1f}{min(wall):>11.1f}"
        )
    return medians


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=2_000)
    parser.add_argument(
        "--batch",
        type=int,
        default=0,
        help="records per batch, like an ingest worker; 0 (default): all at once, as the target "
        "was measured (every mapped record and every party in memory)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="fresh-process runs per package")
    parser.add_argument("--baseline", help="directory holding another copy of `canonical`")
    parser.add_argument("--gc-freeze", action="store_true", help="gc.freeze() after the warm-up")
    parser.add_argument(
        "--gc-threshold", type=int, help="gc.set_threshold(N, ...) after the warm-up (default 700)"
    )
    parser.add_argument("--profile", action="store_true", help="cProfile the validate step")
    parser.add_argument("--top", type=int, default=30, help="functions shown by --profile")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not 0 <= args.warmup < args.rows:
        parser.error("--warmup must be at least 0 and less than --rows")
    if args.baseline and not (Path(args.baseline) / "canonical" / "__init__.py").exists():
        parser.error(f"--baseline {args.baseline}: no canonical/__init__.py there")

    path = mapped_file(args.rows, args.seed)
    if args.child:
        result = measure(
            read_records(path), args.warmup, args.batch, args.gc_freeze, args.gc_threshold
        )
        print(json.dumps(result))
        return 0
    if args.profile:
        profile_validate(read_records(path), args.warmup, args.top)
        return 0
    how = f"batches of {args.batch}" if args.batch else "all records in memory at once"
    print(
        f"{args.rows - args.warmup} records timed per run, after {args.warmup} warm-up, {how}"
        + (", gc frozen after the warm-up" if args.gc_freeze else "")
        + (f", gc threshold {args.gc_threshold}" if args.gc_threshold else "")
        + "; microseconds per record"
    )
    current, baseline = [], []
    for _ in range(args.repeat):
        current.append(run_child(args, None))
        if args.baseline:
            baseline.append(run_child(args, args.baseline))
    now = table("this tree", current)
    if args.baseline:
        before = table("baseline", baseline)
        print("\n  speed-up (baseline CPU median / this tree's):")
        for step, cpu in before.items():
            print(f"  {step:<16}{cpu / now[step]:>8.2f}x")
        if "canonical_dump" in now:
            both = before["dump"] + before["content_hash"]
            print(
                f"  {'dump + hash':<16}{both / now['canonical_dump']:>8.2f}x"
                "  (baseline dump + content_hash vs canonical_dump)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
