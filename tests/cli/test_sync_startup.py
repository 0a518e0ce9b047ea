"""An unchanged re-sync of a CSV pays only for what it uses: on a small export, process start-up
is most of its time, so it must not start mapping workers, nor import the XLSX reader, the
legacy-encoding guesser or alembic (a store at the current revision needs no migration code)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import Invoke

NOT_NEEDED = ("openpyxl", "numpy", "charset_normalizer", "multiprocessing.pool", "alembic")

PROBE = """
import sys
from crmhub.cli.main import app
try:
    app(sys.argv[1:], prog_name="crmhub")
except SystemExit as exc:
    code = exc.code
print("exit", code)
print("loaded", sorted(m for m in {modules!r} if m in sys.modules))
"""


@pytest.fixture
def synced_project(cli: Invoke, tmp_path: Path) -> Path:
    """The ``crmhub init`` project (a CSV export), its store upgraded and synced once."""
    root = tmp_path / "project"
    for args in (("init", str(root)), ("--project", str(root), "db", "upgrade"),
                 ("--project", str(root), "sync", "--all")):
        result = cli(*args)
        assert result.exit_code == 0, result.output
    return root


@pytest.mark.parametrize("extra", [[], ["--full"]], ids=["fingerprint", "full"])
def test_an_unchanged_csv_resync_imports_no_xlsx_reader_and_starts_no_workers(
    synced_project: Path, extra: list[str]
) -> None:
    args = ["--project", str(synced_project), "sync", "--all", "--workers", "2", *extra]
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(modules=NOT_NEEDED), *args],
        capture_output=True, text=True, check=False, timeout=120,
    )
    assert "exit 0" in result.stdout, result.stdout + result.stderr
    assert "loaded []" in result.stdout, result.stdout
