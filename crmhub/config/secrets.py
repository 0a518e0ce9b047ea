"""Secret references in configuration values, and their resolution.

A configuration never holds a secret itself, only a reference to where it lives:

* ``${ENV_VAR}``: an environment variable, alone or inside a string
  (``postgresql://crm:${PG_PASS}@db/crm``);
* ``${airflow:CONN_ID}``: an Airflow connection as a URI, or one of its parts:
  ``${airflow:CONN_ID.password}`` (also ``login``, ``host``, ``port``, ``schema``, ``conn_type``,
  ``extra`` and ``extra.KEY``).

``$${`` writes a literal ``${``. References are resolved when a connector is built, never when
the file is read, so that ``crmhub config validate`` on a laptop does not need production secrets
(``crmhub config validate --resolve`` checks, where crmhub runs, that every reference resolves).
Resolved secret values are registered with ``crmhub.logging`` so they are masked if they ever
reach a log line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from crmhub.config import airflow_connections
from crmhub.config.source import KeyPath, SourceMap
from crmhub.errors import ConfigInvalid, ConfigProblem
from crmhub.logging import register_secret

_TOKEN = re.compile(r"\$\$|\$\{([^}]*)\}")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_AIRFLOW = re.compile(
    r"^airflow:(?P<conn>[A-Za-z0-9_\-]+)(?:\.(?P<field>[A-Za-z_][A-Za-z0-9_.\-]*))?$"
)

REFERENCE_FORMS = "${ENV_VAR}, ${airflow:CONN_ID} or ${airflow:CONN_ID.password}"


@dataclass(frozen=True, slots=True)
class Reference:
    """One ``${...}`` reference: an environment variable or (a part of) an Airflow connection."""

    text: str  # as written, e.g. "${airflow:crm.password}"
    env_var: str | None = None
    airflow_conn: str | None = None
    airflow_field: str | None = None

    def describe(self) -> str:
        if self.env_var:
            return f"environment variable {self.env_var}"
        part = f" ({self.airflow_field})" if self.airflow_field else ""
        return f"Airflow connection {self.airflow_conn!r}{part}"


def parse_references(text: str) -> list[Reference]:
    """The references in ``text``; a malformed ``${...}`` raises ``ValueError`` saying why."""
    found: list[Reference] = []
    for match in _TOKEN.finditer(text):
        if match.group(0) == "$$":
            continue
        found.append(_reference(match.group(0), match.group(1).strip()))
    if "${" in _TOKEN.sub("", text):
        raise ValueError("a '${' without its closing '}'")
    return found


def _reference(text: str, inner: str) -> Reference:
    if _ENV_NAME.match(inner):
        return Reference(text, env_var=inner)
    airflow = _AIRFLOW.match(inner)
    if airflow:
        field = airflow["field"]
        if field and field not in airflow_connections.FIELDS and not field.startswith("extra."):
            raise ValueError(
                f"{text}: an Airflow connection has no part {field!r} "
                f"(parts: {', '.join(airflow_connections.FIELDS)}, extra.KEY)"
            )
        return Reference(text, airflow_conn=airflow["conn"], airflow_field=field)
    raise ValueError(f"{text} is not a reference crmhub understands")


def has_reference(value: Any) -> bool:
    """True when ``value`` is a string holding a ``${...}`` reference (or a broken attempt at one)."""
    if not isinstance(value, str) or "${" not in value:
        return False
    return "${" in value.replace("$${", "")


def reference_problems(value: Any, path: KeyPath, source: SourceMap) -> list[ConfigProblem]:
    """Malformed references anywhere inside ``value`` (checked when the file is validated)."""
    problems: list[ConfigProblem] = []
    for sub_path, text in _strings(value, path):
        try:
            parse_references(text)
        except ValueError as exc:
            problems.append(source.problem(sub_path, str(exc), hint=f"write {REFERENCE_FORMS}"))
    return problems


def _strings(value: Any, path: KeyPath) -> list[tuple[KeyPath, str]]:
    if isinstance(value, str):
        return [(path, value)] if "$" in value else []
    if isinstance(value, dict):
        return [item for k, v in value.items() for item in _strings(v, (*path, str(k)))]
    if isinstance(value, list):
        return [item for i, v in enumerate(value) for item in _strings(v, (*path, i))]
    return []


class _Resolver:
    """Walks a value, replacing references; collects every problem before raising."""

    def __init__(
        self, source: SourceMap, environ: Mapping[str, str], is_secret: Callable[[KeyPath], bool]
    ) -> None:
        self.source = source
        self.environ = environ
        self.is_secret = is_secret
        self.problems: list[ConfigProblem] = []

    def walk(self, value: Any, path: KeyPath) -> Any:
        if isinstance(value, str):
            return self.string(value, path) if "$" in value else value
        if isinstance(value, dict):
            return {k: self.walk(v, (*path, str(k))) for k, v in value.items()}
        if isinstance(value, list):
            return [self.walk(v, (*path, i)) for i, v in enumerate(value)]
        return value

    def string(self, text: str, path: KeyPath) -> str:
        if "${" not in text and "$$" not in text:
            return text
        try:
            parse_references(text)  # every malformed reference, before any lookup
        except ValueError as exc:
            self.problems.append(
                self.source.problem(path, str(exc), hint=f"write {REFERENCE_FORMS}")
            )
            return text

        def replace(match: re.Match[str]) -> str:
            if match.group(0) == "$$":
                return "$"
            ref = _reference(match.group(0), match.group(1).strip())
            value = self.lookup(ref, path)
            if value is not None and self.holds_secret(ref, path):
                register_secret(value)
            return value or ""

        return _TOKEN.sub(replace, text)

    def holds_secret(self, ref: Reference, path: KeyPath) -> bool:
        # A whole Airflow connection is a URI with its password in it.
        airflow_secret = ref.airflow_conn is not None and ref.airflow_field in (None, "password")
        return airflow_secret or self.is_secret(path)

    def lookup(self, ref: Reference, path: KeyPath) -> str | None:
        if ref.env_var:
            value = self.environ.get(ref.env_var)
            if value is None:
                self.missing(
                    ref, path, f"export {ref.env_var}=... in the environment crmhub runs in"
                )
            return value
        assert ref.airflow_conn is not None
        try:
            conn = airflow_connections.get_connection(ref.airflow_conn, self.environ)
        except airflow_connections.AirflowConnectionError as exc:
            self.problems.append(
                self.source.problem(
                    path, f"{ref.text}: {exc}", hint="fix the connection's URI or JSON"
                )
            )
            return None
        if conn is None:
            env_name = airflow_connections.env_var_name(ref.airflow_conn)
            self.missing(
                ref,
                path,
                f"create the connection in Airflow, or set {env_name} "
                "to its URI or JSON outside Airflow",
            )
            return None
        value = conn.value(ref.airflow_field) if ref.airflow_field else conn.as_uri()
        if value is None:
            self.missing(ref, path, f"fill in the connection's {ref.airflow_field} in Airflow")
        return value

    def missing(self, ref: Reference, path: KeyPath, hint: str) -> None:
        self.problems.append(self.source.problem(path, f"{ref.describe()} is not set", hint=hint))


def resolve(
    value: Any,
    *,
    path: KeyPath,
    source: SourceMap,
    environ: Mapping[str, str],
    is_secret: Callable[[KeyPath], bool] = lambda _path: False,
) -> Any:
    """``value`` with every reference replaced by what it points to.

    ``path`` is where ``value`` sits in the project file (errors name it and its line);
    ``is_secret`` says which key paths hold secrets, whose resolved values are then masked in
    logs. Every unresolvable reference is collected into one ``ConfigInvalid``.
    """
    resolver = _Resolver(source, environ, is_secret)
    resolved = resolver.walk(value, path)
    if resolver.problems:
        raise ConfigInvalid(resolver.problems)
    return resolved
