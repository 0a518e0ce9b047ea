"""Errors become one red line, a hint line and an exit code scripts can trust."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.sdk.errors import AuthError, ConfigError, ConnectorError, SourceUnavailable
from crmhub.cli.failures import exit_code_for
from crmhub.errors import ConfigInvalid, ConfigProblem, ExitCode, ProjectNotFound
from crmhub.store.errors import (
    LockBusy,
    RunStateError,
    StoreError,
    StoreOutOfDate,
    StoreUnavailable,
)

from .conftest import Invoke


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (ConfigInvalid([ConfigProblem("crmhub.yaml", 3, "x", "bad")]), ExitCode.USAGE),
        (ProjectNotFound("no project"), ExitCode.USAGE),
        (ConfigError("bad setting"), ExitCode.USAGE),
        (AuthError("refused"), ExitCode.FAILURE),
        (SourceUnavailable("down"), ExitCode.FAILURE),
        (ConnectorError("generic"), ExitCode.FAILURE),
        (LockBusy("busy", holder="host:1"), ExitCode.LOCKED),
        (StoreUnavailable("gone"), ExitCode.STORE),
        (StoreOutOfDate("old"), ExitCode.STORE),
        (StoreError("bad url"), ExitCode.STORE),
        (RunStateError("finished twice"), ExitCode.FAILURE),
        (KeyError("bug"), ExitCode.FAILURE),
    ],
)
def test_exit_codes(error: BaseException, code: ExitCode) -> None:
    assert exit_code_for(error) == code


def project(root: Path, failure: str) -> Path:
    (root / "exports").mkdir(parents=True)
    (root / "crmhub.yaml").write_text(
        "project: demo\nconnections:\n  erp:\n    type: catalog\n    config:\n      directory: exports\n"
        f"      fail_check_with: {failure}\n      auth: {{user: crm, client_secret: '${{ERP_SECRET}}'}}\n"
    )
    return root


def test_a_connector_error_prints_message_and_hint(cli: Invoke, tmp_path: Path) -> None:
    result = cli(
        "--project",
        str(project(tmp_path, "auth")),
        "connectors",
        "check",
        "erp",
        env={"ERP_SECRET": "x"},
    )
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "error: the catalog refused user 'crm'",
        "  hint: check auth.user and auth.client_secret",
    ]


def test_an_unexpected_error_has_a_traceback_only_with_verbose(cli: Invoke, tmp_path: Path) -> None:
    root = project(tmp_path, "boom")
    quiet = cli("--project", str(root), "connectors", "check", "erp", env={"ERP_SECRET": "x"})
    assert quiet.exit_code == 1
    assert quiet.stderr.splitlines()[0] == "error: unexpected RuntimeError: boom"
    assert "rerun with -v" in quiet.stderr and "Traceback" not in quiet.stderr
    loud = cli("-v", "--project", str(root), "connectors", "check", "erp", env={"ERP_SECRET": "x"})
    assert loud.exit_code == 1
    assert "Traceback" in loud.stderr and "error: unexpected RuntimeError: boom" in loud.stderr


def test_a_secret_quoted_by_a_failing_library_is_masked(cli: Invoke, tmp_path: Path) -> None:
    result = cli(
        "-v",
        "--project",
        str(project(tmp_path, "leak")),
        "connectors",
        "check",
        "erp",
        env={"ERP_SECRET": "Sup3r-s3cret"},
    )
    assert result.exit_code == 1
    assert "error: unexpected RuntimeError: driver said: bad secret ***" in result.stderr
    assert "Traceback" in result.stderr  # -v: the traceback is shown, masked too
    assert "Sup3r-s3cret" not in result.output
