"""What runs in a container of the compose files, per the entrypoint it goes through.

The official Airflow image's entrypoint (``scripts/docker/entrypoint_prod.sh`` in
apache/airflow) waits for the metadata database, then ``exec``s a command whose first word is
``bash`` or ``python`` as it is (``exec_to_bash_or_python_command_if_specified``), drops a
leading ``airflow``, and passes anything else to ``airflow``: ``crmhub ...`` there would run
``airflow crmhub ...``. crmhub's own services set ``entrypoint: ["crmhub"]`` instead.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import Any

# Shell syntax that would make a ``bash -c`` script more than one simple command.
_SHELL_OPERATORS = frozenset({";", "&&", "||", "|", "&", ">", ">>", "<", "(", ")"})


@dataclass(frozen=True, slots=True)
class Invocation:
    """The program a service ends up running (``airflow``, ``bash``, ``python``, ``crmhub``)
    and its arguments."""

    program: str
    arguments: list[str]


def invocation(service: dict[str, Any]) -> Invocation:
    """What ``service`` runs: its ``entrypoint`` with its ``command``, or the image's dispatch."""
    command = _words(service.get("command") or [])
    entrypoint = _words(service.get("entrypoint") or [])
    if entrypoint:
        return Invocation(entrypoint[0], [*entrypoint[1:], *command])
    if command[:1] in (["bash"], ["python"]):
        return Invocation(command[0], command[1:])
    if command[:1] == ["airflow"]:
        command = command[1:]
    return Invocation("airflow", command)


def crmhub_arguments(service: dict[str, Any]) -> list[str] | None:
    """The arguments ``service`` gives ``crmhub``, directly or as ``bash -c "[exec] crmhub ..."``;
    None when it runs something else. A script that is more than one plain command raises
    ``ValueError``: these checks could not vouch for it."""
    run = invocation(service)
    if run.program == "crmhub":
        return run.arguments
    if run.program != "bash" or run.arguments[:1] != ["-c"] or len(run.arguments) != 2:
        return None
    lexer = shlex.shlex(run.arguments[1], posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    words = list(lexer)
    if _SHELL_OPERATORS & set(words) or "$" in run.arguments[1]:
        raise ValueError(f"bash -c {run.arguments[1]!r}: keep it to one plain crmhub command")
    words = words[1:] if words[:1] == ["exec"] else words
    return words[1:] if words[:1] == ["crmhub"] else None


def _words(value: str | list[str]) -> list[str]:
    return shlex.split(value) if isinstance(value, str) else [str(word) for word in value]
