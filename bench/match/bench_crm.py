"""crmhub vs Splink on the generated Italian CRM data: accuracy, wall time, peak memory.

    python bench/match/bench_crm.py --records 100000 --accuracy
    python bench/match/bench_crm.py --records 1000000 --timeout 900

Each tool runs in its own process (bench/match/run_dedupe.py) on the same CSV. The peak RSS
reported is the process's own maximum (ru_maxrss) read before any accuracy computation; the
outer sampling every 0.2 s (psutil) gives a peak for runs stopped at the time or memory limit.
Writes bench/out/match_crm_<records>.json and .md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import psutil

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

import generate_crm


def ensure_data(records: int, seed: int) -> Path:
    path = Path(f"bench/data/crm_{records}_s{seed}.csv")
    if not path.exists():
        generate_crm.write_csv(path, records, seed)
    return path


def run_tool(
    tool: str, data: Path, records: int, accuracy: bool, timeout: float, max_rss_gb: float
) -> dict:
    out = Path(f"bench/out/match_run_{tool}_{records}.json")
    out.parent.mkdir(parents=True, exist_ok=True)  # a fresh clone has no bench/out yet
    out.unlink(missing_ok=True)
    command = [
        sys.executable,
        str(HERE / "run_dedupe.py"),
        "--tool",
        tool,
        "--data",
        str(data),
        "--out",
        str(out),
    ] + (["--accuracy"] if accuracy else [])
    started = time.perf_counter()
    log = out.with_suffix(".log")
    with log.open("w") as stderr:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr)
        stopped = _watch(process, started, timeout, max_rss_gb * 2**30)
    peak_mb = round(stopped.pop("peak") / 2**20)
    if stopped:
        return {"tool": tool, "finished": False, **stopped, "peak_rss_mb_sampled": peak_mb}
    if process.returncode != 0:
        return {
            "tool": tool,
            "finished": False,
            "exit_code": process.returncode,
            "stderr_tail": log.read_text()[-2000:],
            "peak_rss_mb_sampled": peak_mb,
        }
    result = json.loads(out.read_text())
    result.update(
        finished=True,
        wall_s_outer=round(time.perf_counter() - started, 1),
        peak_rss_mb_sampled=peak_mb,
    )
    return result


def _watch(process: subprocess.Popen, started: float, timeout: float, max_rss: float) -> dict:
    """Sample the process's RSS until it ends; kill it past the time or memory limit. Returns
    {"peak": bytes} plus, when stopped, why and when."""
    watched = psutil.Process(process.pid)
    peak = 0
    while process.poll() is None:
        try:
            peak = max(peak, watched.memory_info().rss)
        except psutil.NoSuchProcess:
            break
        elapsed = time.perf_counter() - started
        if elapsed > timeout or peak > max_rss:
            process.kill()
            process.wait()
            reason = "time limit" if elapsed > timeout else "memory limit"
            return {"peak": peak, "stopped_because": reason, "stopped_after_s": round(elapsed)}
        time.sleep(0.2)
    return {"peak": peak}


def markdown(records: int, runs: list[dict]) -> str:
    lines = [
        f"CRM data set, {records:,} records (bench/match/generate_crm.py, seed 1)",
        "",
        (
            "| tool | total s | peak RSS MB | pairwise P / R / F1 @0.9 | best pairwise F1 |"
            " clusters P / R / F1 | B-cubed F1 |"
        ),
        "|---|---|---|---|---|---|---|",
    ]
    for r in runs:
        if not r.get("finished"):
            lines.append(
                f"| {r['tool']} | did not finish ({r.get('stopped_because', 'error')}, {r.get('stopped_after_s', '?')} s)"
                f" | {r['peak_rss_mb_sampled']} | | | | |"
            )
            continue
        a = r.get("accuracy")
        cells = ["", "", "", ""]
        if a:
            d, c = a["pairwise_at_default"], a["clusters_pairwise"]
            cells = [
                f"{d['precision']:.4f} / {d['recall']:.4f} / {d['f1']:.4f}",
                f"{a['pairwise_best']['f1']:.4f}",
                f"{c['precision']:.4f} / {c['recall']:.4f} / {c['f1']:.4f}",
                f"{a['clusters_b_cubed']['f1']:.4f}",
            ]
        lines.append(
            f"| {r['tool']} | {r['seconds']['total']:.1f} | "
            f"{r['peak_rss_mb']:.0f} | " + " | ".join(cells) + " |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--accuracy", action="store_true")
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--tools", default="crmhub,splink")
    parser.add_argument("--max-rss-gb", type=float, default=16.0, help="stop a run above this")
    args = parser.parse_args()
    data = ensure_data(args.records, args.seed)
    load = os.getloadavg()
    runs = [
        run_tool(t, data, args.records, args.accuracy, args.timeout, args.max_rss_gb)
        for t in args.tools.split(",")
    ]
    out = Path(f"bench/out/match_crm_{args.records}")
    report = {"load_average_at_start": load, "cpus": os.cpu_count(), "runs": runs}
    out.with_suffix(".json").write_text(json.dumps(report, indent=2, default=float))
    out.with_suffix(".md").write_text(markdown(args.records, runs) + "\n")
    print(markdown(args.records, runs))


if __name__ == "__main__":
    main()
