"""The live progress display steps aside for forks, so a spinner does not cost a core."""

from __future__ import annotations

import io
import threading

import pytest
from rich.console import Console

from crmhub.cli import progress as progress_module
from crmhub.cli.progress import live_progress
from crmhub.forking import fork_window
from tests.fresh_interpreter import run_python


def _progress_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "crmhub-progress"]


def test_the_refresh_thread_is_paused_in_a_fork_window_and_resumed_after(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    screen = io.StringIO()
    monkeypatch.setattr(
        progress_module, "err", lambda: Console(file=screen, force_terminal=True, width=80)
    )
    with live_progress("{task.description}") as progress:
        progress.add_task("matching: 12 records", total=None)
        assert len(_progress_threads()) == 1
        with fork_window():
            assert _progress_threads() == []
        assert len(_progress_threads()) == 1
    assert _progress_threads() == []
    assert "matching: 12 records" in screen.getvalue()


def test_no_refresh_thread_when_stderr_is_not_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress_module, "err", lambda: Console(file=io.StringIO()))
    with live_progress("{task.description}"):
        assert _progress_threads() == []


SPINNER_PROBE = """
import io, os
from rich.console import Console
from crmhub.cli import progress as progress_module
from crmhub.match.background import Background
progress_module.err = lambda: Console(file=io.StringIO(), force_terminal=True)
with progress_module.live_progress("{task.description}") as progress:
    progress.add_task("fitting", total=None)
    spinning = any(t.name == "crmhub-progress" for t in __import__("threading").enumerate())
    child = Background(os.getpid).result()
print(spinning, child != os.getpid())
"""


def test_a_spinning_display_still_lets_the_matcher_fork() -> None:
    # in a fresh interpreter: the test runner itself may run other threads (pytest-xdist)
    result = run_python(SPINNER_PROBE)
    assert result.stdout.split() == ["True", "True"], result.stdout + result.stderr
