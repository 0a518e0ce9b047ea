"""Markdown summary of every matching benchmark result in bench/out/ (for bench/RESULTS.md).

python bench/match/summary.py > bench/out/match_summary.md
"""

from __future__ import annotations

import json
from pathlib import Path

OUT = Path("bench/out")


def crm_rows() -> list[str]:
    rows = [
        "| records | tool | finished | total s | peak RSS MB | candidate pairs | note |",
        "|---|---|---|---|---|---|---|",
    ]
    for path in sorted(OUT.glob("match_crm_*.json"), key=lambda p: p.stat().st_mtime):
        report = json.loads(path.read_text())
        n = path.stem.removeprefix("match_crm_")
        for run in report["runs"]:
            if run.get("finished"):
                pairs = run.get("candidate_pairs", run.get("candidate_pairs_scored_above_0.01"))
                rows.append(
                    f"| {n} | {run['tool']} | yes | {run['seconds']['total']:.0f} | "
                    f"{run['peak_rss_mb']:.0f} | {pairs} | load {report['load_average_at_start'][0]:.1f} |"
                )
            else:
                why = run.get("stopped_because", f"exit {run.get('exit_code')}")
                rows.append(
                    f"| {n} | {run['tool']} | no ({why}) | {run.get('stopped_after_s', '')} | "
                    f"{run['peak_rss_mb_sampled']} | | |"
                )
    return rows


def main() -> None:
    parts = ["## Matching: crmhub.match vs Splink 5.0.0", ""]
    febrl = OUT / "match_febrl.md"
    if febrl.exists():
        parts += [
            "### FEBRL 1-4 (pairwise over scored pairs; crmhub clusters)",
            "",
            febrl.read_text(),
            "",
        ]
    for path in sorted(OUT.glob("match_crm_*.md")):
        parts += [f"### {path.stem}", "", path.read_text(), ""]
    parts += ["### Runs", "", *crm_rows(), ""]
    for path in sorted(OUT.glob("match_incremental_*.json")):
        parts += [f"### {path.stem}", "", "```json", path.read_text(), "```", ""]
    print("\n".join(parts))


if __name__ == "__main__":
    main()
