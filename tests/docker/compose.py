"""What ``docker compose -f A -f B config`` would see, for checks that run without Docker.

Covers the parts of the Compose specification the files in ``docker/`` use: YAML anchors and
merge keys, override files (mappings merged, a few sequences appended), ``extends`` from another
file (``depends_on`` is never inherited), variable references (``${VAR}``, ``${VAR:-default}``,
``${VAR:?error}``, ``$VAR``; ``$$`` is a literal dollar) and long and short volume syntax.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

DOCKER_DIR = Path(__file__).resolve().parents[2] / "docker"
COMPOSE_FILE = DOCKER_DIR / "compose.yaml"
CELERY_FILE = DOCKER_DIR / "compose.celery.yaml"

# Sequences an override file adds to instead of replacing (Compose's merge rules).
_APPENDED = frozenset({"volumes", "ports", "expose", "env_file", "secrets", "configs"})
_NOT_INHERITED = frozenset({"depends_on", "volumes_from"})

_VARIABLE = re.compile(
    r"\$\$|\$\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?P<modifier>:?[-?+][^}]*)?\}"
    r"|\$(?P<bare>[A-Za-z_][A-Za-z0-9_]*)|\$\{(?P<broken>[^}]*)\}?"
)


@dataclass(frozen=True, slots=True)
class VariableRef:
    """One ``${NAME...}`` in a compose file: the name, and whether it falls back to a default
    (``:-``/``-``) or stops Compose when unset (``:?``/``?``)."""

    name: str
    has_default: bool = False
    required: bool = False


def load_yaml(path: Path) -> dict[str, Any]:
    """One compose file as a mapping, anchors and ``<<`` merge keys resolved."""
    loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(loaded, dict):
        raise TypeError(f"{path.name}: the top level is not a mapping")
    return loaded


def merge(base: Any, override: Any, key: str | None = None) -> Any:
    """``override`` laid over ``base`` the way Compose merges files and ``extends``."""
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for name, value in override.items():
            merged[name] = merge(base[name], value, name) if name in base else value
        return merged
    if isinstance(base, list) and isinstance(override, list) and key in _APPENDED:
        return base + [item for item in override if item not in base]
    return copy.deepcopy(override)


def load_project(*paths: Path) -> dict[str, Any]:
    """The files merged in order, with every ``extends`` resolved."""
    project: dict[str, Any] = {}
    for path in paths:
        project = merge(project, load_yaml(path))
    services = project.get("services") or {}
    project["services"] = {
        name: _resolve_extends(service or {}, paths[0].parent) for name, service in services.items()
    }
    return project


def _resolve_extends(service: dict[str, Any], directory: Path) -> dict[str, Any]:
    extends = service.get("extends")
    if extends is None:
        return service
    if isinstance(extends, str):
        raise TypeError(f"extends: {extends!r} (same-file form) is not used by docker/")
    base_file = directory / extends["file"]
    base_services = load_yaml(base_file)["services"]
    if extends["service"] not in base_services:
        raise KeyError(f"extends: {base_file.name} has no service {extends['service']!r}")
    base = _resolve_extends(base_services[extends["service"]], base_file.parent)
    base = {k: v for k, v in base.items() if k not in _NOT_INHERITED}
    local = {k: v for k, v in service.items() if k != "extends"}
    return merge(base, local)


def variable_refs(text: str) -> list[VariableRef]:
    """Every variable ``text`` refers to; a malformed ``${...}`` raises ``ValueError``."""
    found = []
    for match in _VARIABLE.finditer(text):
        if match.group(0) == "$$":
            continue
        if match["broken"] is not None or (match.group(0).startswith("${") and not match["braced"]):
            raise ValueError(f"malformed variable reference {match.group(0)!r}")
        name = match["braced"] or match["bare"]
        operator = (match["modifier"] or "").lstrip(":")[:1]
        found.append(VariableRef(name, has_default=operator == "-", required=operator == "?"))
    return found


def strings(value: Any) -> list[str]:
    """Every string anywhere inside ``value`` (mapping keys included)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in strings(k) + strings(v)]
    if isinstance(value, list):
        return [s for item in value for s in strings(item)]
    return []


def environment(service: dict[str, Any]) -> dict[str, str]:
    """A service's ``environment`` as a mapping (the list form ``KEY=value`` too)."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        return dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(k): "" if v is None else str(v) for k, v in env.items()}


@dataclass(frozen=True, slots=True)
class Mount:
    """One entry of a service's ``volumes``."""

    kind: str  # "volume" (named) or "bind"
    source: str
    target: str


def mounts(service: dict[str, Any]) -> list[Mount]:
    """A service's volumes in either syntax; a source with a path separator or dot is a bind."""
    found = []
    for entry in service.get("volumes") or []:
        if isinstance(entry, dict):
            found.append(Mount(entry["type"], str(entry.get("source", "")), entry["target"]))
            continue
        source, target = _split_outside_braces(entry)[:2]
        bind = source.startswith((".", "/", "~", "$"))
        found.append(Mount("bind" if bind else "volume", source, target))
    return found


def _split_outside_braces(text: str) -> list[str]:
    """``text`` split on ``:``, except inside ``${...}`` (``${DIR:-../x}:/target``)."""
    parts, depth, current = [], 0, ""
    for char in text:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if char == ":" and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return [*parts, current]


def depends_on(service: dict[str, Any]) -> dict[str, str]:
    """Service name -> condition (``service_started`` for the short list form)."""
    deps = service.get("depends_on") or {}
    if isinstance(deps, list):
        return dict.fromkeys(deps, "service_started")
    return {name: (spec or {}).get("condition", "service_started") for name, spec in deps.items()}


def substitute(text: str, values: dict[str, str]) -> str:
    """``text`` with its variables replaced as Compose would, from ``values``."""

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match["braced"] or match["bare"]
        modifier = match["modifier"] or ""
        value = values.get(name)
        if modifier.startswith(":-") and not value:
            return modifier[2:]
        if modifier.startswith("-") and value is None:
            return modifier[1:]
        return value or ""

    return _VARIABLE.sub(replace, text)
