"""Airflow connections, for ``${airflow:CONN_ID}`` references.

Inside Airflow the connection comes from ``airflow.sdk.BaseHook.get_connection`` (so every secrets
backend Airflow is configured with works). Without Airflow installed it comes from the
``AIRFLOW_CONN_<CONN_ID>`` environment variable, in either of Airflow's two formats:

* URI: ``postgres://login:p%40ss@host:5432/schema?sslmode=require`` (parts URL-encoded, extras as
  query parameters, or JSON in the ``__extra__`` parameter);
* JSON: ``{"conn_type": "postgres", "login": "...", "password": "...", "host": "...",
  "port": 5432, "schema": "...", "extra": {...}}``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

ENV_PREFIX = "AIRFLOW_CONN_"

#: The attributes a reference may name: ``${airflow:crm_db.password}``.
FIELDS: tuple[str, ...] = ("conn_type", "host", "login", "password", "schema", "port", "extra")


class AirflowConnectionError(ValueError):
    """The connection exists but cannot be read (bad URI or JSON)."""


@dataclass(frozen=True, slots=True)
class AirflowConnection:
    """The parts of an Airflow connection crmhub can use."""

    conn_id: str
    conn_type: str | None = None
    host: str | None = None
    login: str | None = None
    password: str | None = None
    schema: str | None = None
    port: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    uri: str | None = None  # as Airflow gives it, when it gives one

    def value(self, name: str) -> str | None:
        """The value of ``name`` (one of ``FIELDS`` or ``extra.KEY``) as text, or None if unset."""
        if name.startswith("extra."):
            value = self.extra.get(name.removeprefix("extra."))
            return None if value is None else str(value)
        if name == "extra":
            return json.dumps(self.extra) if self.extra else None
        if name not in FIELDS:
            raise KeyError(name)
        value = getattr(self, name)
        return None if value is None else str(value)

    def as_uri(self) -> str:
        """The connection as one URI, in Airflow's own ``get_uri`` layout."""
        if self.uri:
            return self.uri
        scheme = (self.conn_type or "").replace("_", "-")
        auth = ""
        if self.login is not None or self.password is not None:
            auth = quote(self.login or "", safe="")
            if self.password is not None:
                auth += ":" + quote(self.password, safe="")
            auth += "@"
        host = self.host or ""
        port = f":{self.port}" if self.port else ""
        schema = "/" + quote(self.schema, safe="") if self.schema else ""
        query = "?" + urlencode(self.extra) if self.extra else ""
        return f"{scheme}://{auth}{host}{port}{schema}{query}"


def get_connection(
    conn_id: str, environ: Mapping[str, str] | None = None
) -> AirflowConnection | None:
    """The Airflow connection ``conn_id``, or None when it does not exist here."""
    from_airflow = _from_airflow(conn_id)
    if from_airflow is not _NOT_IN_AIRFLOW:
        return from_airflow  # type: ignore[return-value]
    env = os.environ if environ is None else environ
    raw = env.get(env_var_name(conn_id))
    return None if raw is None else parse_connection(conn_id, raw)


def env_var_name(conn_id: str) -> str:
    """``AIRFLOW_CONN_CRM_DB`` for ``crm_db``: Airflow's own naming."""
    return ENV_PREFIX + conn_id.upper()


_NOT_IN_AIRFLOW = object()


def _from_airflow(conn_id: str) -> AirflowConnection | None | object:
    try:
        from airflow.sdk import BaseHook  # type: ignore[import-not-found]
    except ImportError:
        return _NOT_IN_AIRFLOW
    try:
        conn = BaseHook.get_connection(conn_id)
    except Exception as exc:  # AirflowNotFoundException and friends: "not here"
        if type(exc).__name__ == "AirflowNotFoundException":
            return None
        raise
    extra = conn.extra_dejson if hasattr(conn, "extra_dejson") else {}
    return AirflowConnection(
        conn_id=conn_id,
        conn_type=conn.conn_type,
        host=conn.host,
        login=conn.login,
        password=conn.password,
        schema=conn.schema,
        port=conn.port,
        extra=dict(extra or {}),
        uri=conn.get_uri(),
    )


def parse_connection(conn_id: str, raw: str) -> AirflowConnection:
    """Read an ``AIRFLOW_CONN_*`` value in URI or JSON form."""
    text = raw.strip()
    if text.startswith("{"):
        return _parse_json(conn_id, text)
    return _parse_uri(conn_id, text)


def _parse_json(conn_id: str, text: str) -> AirflowConnection:
    name = env_var_name(conn_id)
    try:
        data = json.loads(text)
        extra = (data.get("extra") or {}) if isinstance(data, dict) else None
        if isinstance(extra, str):
            extra = json.loads(extra) if extra.strip() else {}
    except json.JSONDecodeError as exc:
        raise AirflowConnectionError(f"{name} is not valid JSON ({exc.msg})") from None
    if not isinstance(data, dict) or not isinstance(extra, dict):
        raise AirflowConnectionError(f"{name} must be a JSON object with an object in 'extra'")
    port = data.get("port")
    return AirflowConnection(
        conn_id=conn_id,
        conn_type=data.get("conn_type"),
        host=data.get("host"),
        login=data.get("login"),
        password=data.get("password"),
        schema=data.get("schema"),
        port=int(port) if port not in (None, "") else None,
        extra=dict(extra),
    )


def _parse_uri(conn_id: str, text: str) -> AirflowConnection:
    if "://" not in text:
        raise AirflowConnectionError(f"{env_var_name(conn_id)} is neither a URI nor JSON")
    scheme, rest = text.split("://", 1)
    protocol = None
    if "://" in rest:  # Airflow's "conn-type://protocol://host" form
        protocol, rest = rest.split("://", 1)
    parts = urlsplit("//" + rest)
    try:
        port = parts.port
    except ValueError:
        raise AirflowConnectionError(f"{env_var_name(conn_id)} has an invalid port") from None
    host = unquote(parts.hostname or "")
    extra: dict[str, Any] = {}
    if parts.query:
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        extra = json.loads(query["__extra__"]) if "__extra__" in query else query
    return AirflowConnection(
        conn_id=conn_id,
        conn_type=_normalise_conn_type(scheme),
        host=f"{protocol}://{host}" if protocol else (host or None),
        login=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        schema=unquote(parts.path[1:]) if parts.path[1:] else None,
        port=port,
        extra=extra,
        uri=text,
    )


def _normalise_conn_type(scheme: str) -> str:
    # Airflow: "postgresql" is the postgres connection type; dashes stand for underscores.
    return "postgres" if scheme == "postgresql" else scheme.replace("-", "_")
