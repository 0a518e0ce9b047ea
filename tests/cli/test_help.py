"""Every command answers --help, and --help stays fast (heavy modules are imported lazily)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.main import get_command

from crmhub.cli.main import app

from .conftest import Invoke


def _command_paths() -> list[tuple[str, ...]]:
    paths: list[tuple[str, ...]] = [()]
    root = get_command(app)

    def walk(command: object, prefix: tuple[str, ...]) -> None:
        for name, sub in getattr(command, "commands", {}).items():
            paths.append((*prefix, name))
            walk(sub, (*prefix, name))

    walk(root, ())
    return paths


COMMANDS = _command_paths()


def test_the_expected_commands_exist() -> None:
    assert {" ".join(p) for p in COMMANDS} >= {
        "init",
        "status",
        "config validate",
        "config schema",
        "db upgrade",
        "db downgrade",
        "db current",
        "connectors list",
        "connectors spec",
        "connectors check",
        "connectors discover",
        "connectors new",
    }


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "crmhub")
def test_help_of_every_command(cli: Invoke, path: tuple[str, ...]) -> None:
    result = cli(*path, "--help")
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.stdout


def test_every_command_and_option_has_help() -> None:
    root = get_command(app)
    missing = []

    def walk(command: object, name: str) -> None:
        if not getattr(command, "help", None):
            missing.append(name)
        for param in getattr(command, "params", []):
            if getattr(param, "param_type_name", "") == "option" and not getattr(
                param, "help", None
            ):
                missing.append(f"{name} {param.name}")
            if getattr(param, "param_type_name", "") == "argument" and not getattr(
                param, "help", None
            ):
                missing.append(f"{name} {param.name}")
        for sub_name, sub in getattr(command, "commands", {}).items():
            walk(sub, f"{name} {sub_name}")

    walk(root, "crmhub")
    assert missing == []


def test_main_help_documents_exit_codes(cli: Invoke) -> None:
    text = " ".join(cli("--help").stdout.split())
    assert (
        "0 ok; 1 runtime failure; 2 usage or configuration error; 3 another run holds the lock; "
        "4 store unreachable or out of date" in text
    )


def test_version(cli: Invoke) -> None:
    result = cli("--version")
    assert result.exit_code == 0 and result.stdout.startswith("crmhub ")


def test_help_does_not_import_heavy_modules() -> None:
    probe = (
        "import sys; import crmhub.cli.main; "
        "print(sorted(m for m in ('sqlalchemy', 'pydantic', 'alembic', 'yaml', 'rich.table') "
        "if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_console_script_help_is_fast() -> None:
    script = Path(sys.executable).with_name("crmhub")
    subprocess.run([str(script), "--help"], capture_output=True, check=True)  # warm the disk cache
    started = time.perf_counter()
    result = subprocess.run([str(script), "--help"], capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    assert result.returncode == 0 and "Usage:" in result.stdout
    assert elapsed < 1.0, f"crmhub --help took {elapsed:.2f}s (aim: under 0.5 s)"
