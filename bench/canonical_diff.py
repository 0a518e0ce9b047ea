"""Differential check: does this tree's ``canonical`` build exactly what another tree's does?

    PYTHONPATH=. python bench/canonical_diff.py --baseline /work/main [--rows 100000] [--seed 2]
        [--messy 20000] [--show 5]

The records: ``--rows`` rows of the benchmark's ERP export (``bench/generate_customers.py``),
mapped with ``bench/ingest/customers_mapping.yaml`` as ``bench/canonical_speed.py`` maps them
(the same cached file in /tmp), validated with default country IT; then ``--messy`` of the
same rows made messier by the identity fixture's edits (``tests/canonical/
make_identity_fixture.py``: foreign phones, odd e-mails, other EU VAT ids, stored values,
other default countries, inputs the model refuses), with a seed of their own.

Each tree validates every record in a fresh process (its directory first on ``PYTHONPATH``)
and writes one line per record: the stored dump and content hash (``canonical_dump()``), the
full JSON dump and the Python ``repr`` (types included), or the validation errors (location,
type, message) when the record is refused. The two outputs must be byte-identical; the
script prints how many records differ and the first ``--show`` of them, and exits 1 if any do.
"""

from __future__ import annotations

import argparse
import copy
import itertools
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from tree_diff import differing_lines, start_with_tree

MESSY_SEED = 20261122


def cases(rows: int, seed: int, messy: int) -> Iterator[tuple[str, dict[str, Any]]]:
    """(default country, mapped record) for every record checked, in a fixed order."""
    sys.path.insert(0, str(ROOT / "bench"))
    sys.path.insert(0, str(ROOT / "tests" / "canonical"))
    from canonical_speed import mapped_file
    from make_identity_fixture import _mess_up

    records = [orjson.loads(line) for line in mapped_file(rows, seed).read_bytes().splitlines()]
    for record in records:
        yield "IT", record
    rng = random.Random(MESSY_SEED)
    for i in range(messy):
        record, country = _mess_up(copy.deepcopy(records[i % len(records)]), rng)
        yield country, record


def outcome(record: dict[str, Any], country: str) -> dict[str, Any]:
    """What ``canonical`` makes of one record, as data that compares byte for byte: the identity
    fixture's outcome (dumps, hash, repr digest, or the errors) plus what the ingest stores,
    ``canonical_dump()``'s document and hash."""
    from make_identity_fixture import _outcome

    from canonical import Party

    result = _outcome(record, country)
    if "errors" not in result:
        party = Party.model_validate(record, context={"default_country": country})
        result["canonical_dump"] = list(party.canonical_dump())
    return result


def run_child(cases_path: Path, out_path: Path) -> None:
    """Validate every case of ``cases_path`` with the ``canonical`` on the path."""
    import canonical

    sys.path.insert(0, str(ROOT / "tests" / "canonical"))  # the identity fixture's outcome
    print(f"  canonical from {Path(canonical.__file__).parent}", file=sys.stderr)
    with cases_path.open("rb") as cases_in, out_path.open("wb") as out:
        for line in cases_in:
            country, record = orjson.loads(line)
            out.write(orjson.dumps(outcome(record, country), option=orjson.OPT_SORT_KEYS) + b"\n")


def spawn(package_dir: str, cases_path: Path, out_path: Path) -> subprocess.Popen[bytes]:
    return start_with_tree(package_dir, __file__, "--child", str(cases_path), str(out_path))


def compare(cases_path: Path, ours: Path, theirs: Path, show: int) -> int:
    """Print the differing records (the first ``show`` of them); returns how many differ."""
    differing = 0
    for number, mine, base in differing_lines(ours, theirs):
        differing += 1
        if differing <= show:
            with cases_path.open("rb") as cases:
                case = next(itertools.islice(cases, number, None), b"")
            print(f"\nrecord {number}: {case.decode().strip()}")
            print(f"  baseline:  {base.decode().strip()}")
            print(f"  this tree: {mine.decode().strip()}")
    return differing


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", help="directory holding the reference `canonical`")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2)
    parser.add_argument("--messy", type=int, default=20_000, help="messier variants checked too")
    parser.add_argument("--show", type=int, default=5, help="differences printed")
    parser.add_argument("--child", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child(*args.child)
        return 0
    if not args.baseline or not (Path(args.baseline) / "canonical" / "__init__.py").exists():
        parser.error("--baseline DIR: a directory with canonical/__init__.py")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="canonical_diff_") as tmp:
        work = Path(tmp)
        cases_path = work / "cases.jsonl"
        with cases_path.open("wb") as out:
            count = 0
            for country, record in cases(args.rows, args.seed, args.messy):
                out.write(orjson.dumps([country, record]) + b"\n")
                count += 1
        children = [
            spawn(str(ROOT), cases_path, work / "ours.jsonl"),
            spawn(args.baseline, cases_path, work / "theirs.jsonl"),
        ]
        if any(child.wait() != 0 for child in children):
            print("a child failed", file=sys.stderr)
            return 2
        differing = compare(cases_path, work / "ours.jsonl", work / "theirs.jsonl", args.show)
        refused = sum(line.startswith(b'{"errors"') for line in (work / "ours.jsonl").open("rb"))
    print(
        f"\n{count} records ({args.rows} export rows, seed {args.seed}; {args.messy} messier), "
        f"{refused} refused: {differing} differ from {args.baseline} "
        f"({time.monotonic() - started:.0f} s)"
    )
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
