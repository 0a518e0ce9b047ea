"""Which configuration values are secrets, and the check that none is written as a literal.

A value is a secret when its key has a secret's name (``password``, ``token``, ``api_key``, ...)
or when the connector declares the field as ``SecretStr``. A secret must be a reference
(``${ENV_VAR}``, ``${airflow:CONN_ID.password}``), so a file can be committed and shared.
"""

from __future__ import annotations

import types
import typing
from typing import Any, get_args, get_origin
from urllib.parse import urlsplit

from pydantic import BaseModel, SecretBytes, SecretStr

from crmhub.config.secrets import has_reference
from crmhub.config.source import KeyPath, SourceMap
from crmhub.errors import ConfigProblem

#: Keys whose values are secrets whatever the connector declares.
SECRET_KEY_NAMES: frozenset[str] = frozenset(
    {
        "password",
        "passwd",
        "secret",
        "token",
        "api_key",
        "apikey",
        "client_secret",
        "access_token",
        "refresh_token",
        "private_key",
        "passphrase",
    }
)
SECRET_KEY_SUFFIXES: tuple[str, ...] = ("_password", "_secret", "_token", "_api_key")

ANY = "*"  # stands for any list index or mapping key in a secret field path
SecretPattern = tuple[str, ...]
_MAX_DEPTH = 6


def is_secret_key(key: str | int) -> bool:
    """True for a key that names a secret (``password``, ``client_secret``, ``app_token``...)."""
    if not isinstance(key, str):
        return False
    name = key.lower()
    return name in SECRET_KEY_NAMES or name.endswith(SECRET_KEY_SUFFIXES)


def secret_field_patterns(model: type[BaseModel]) -> frozenset[SecretPattern]:
    """Paths of the ``SecretStr``/``SecretBytes`` fields of ``model``, nested models included."""
    found: set[SecretPattern] = set()
    _collect(model, (), found, 0)
    return frozenset(found)


def _collect(annotation: Any, path: SecretPattern, found: set[SecretPattern], depth: int) -> None:
    if depth > _MAX_DEPTH:
        return
    if annotation in (SecretStr, SecretBytes):
        found.add(path)
        return
    origin = get_origin(annotation)
    if origin is typing.Annotated:
        _collect(get_args(annotation)[0], path, found, depth)
    elif origin in (typing.Union, types.UnionType):
        for member in get_args(annotation):
            _collect(member, path, found, depth)
    elif origin in (list, tuple, set, frozenset, dict, typing.Mapping, typing.Sequence):
        args = [a for a in get_args(annotation) if a is not Ellipsis]
        if args:
            _collect(args[-1], (*path, ANY), found, depth + 1)
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        for name, info in annotation.model_fields.items():
            _collect(info.annotation, (*path, info.alias or name), found, depth + 1)


def _matches(path: KeyPath, pattern: SecretPattern) -> bool:
    return len(path) == len(pattern) and all(
        p == ANY or p == str(part) for part, p in zip(path, pattern, strict=True)
    )


def is_secret_path(path: KeyPath, patterns: frozenset[SecretPattern]) -> bool:
    """True when ``path`` (inside a connector config) holds a secret."""
    return bool(path) and (is_secret_key(path[-1]) or any(_matches(path, p) for p in patterns))


def literal_secret_problems(
    config: Any, prefix: KeyPath, patterns: frozenset[SecretPattern], source: SourceMap
) -> list[ConfigProblem]:
    """A problem for each secret in ``config`` written as a literal value instead of a reference."""
    problems = []
    for path, value in _leaves(config, ()):
        if not is_secret_path(path, patterns) or value in (None, "") or has_reference(value):
            continue
        problems.append(
            source.problem(
                (*prefix, *path),
                "a secret is written here as a literal value",
                hint=f"write it as ${{{_env_name(prefix, path)}}} and set that "
                "environment variable (or use ${airflow:CONN_ID.password})",
            )
        )
    return problems


def _leaves(value: Any, path: KeyPath) -> list[tuple[KeyPath, Any]]:
    if isinstance(value, dict):
        return [leaf for k, v in value.items() for leaf in _leaves(v, (*path, str(k)))]
    if isinstance(value, list):
        return [leaf for i, v in enumerate(value) for leaf in _leaves(v, (*path, i))]
    return [(path, value)]


def _env_name(prefix: KeyPath, path: KeyPath) -> str:
    """A suggested variable name: ``ERP_PASSWORD`` for connections.erp.config.password."""
    words = [str(p) for p in prefix[1:2] + path if isinstance(p, str) and p not in ("config",)]
    return "_".join(words).upper().replace("-", "_") or "SECRET"


def url_password_problem(url: Any, path: KeyPath, source: SourceMap) -> ConfigProblem | None:
    """A problem when ``url`` (a database URL) carries a literal password."""
    if not isinstance(url, str) or "://" not in url:
        return None
    try:
        password = urlsplit(url).password
    except ValueError:
        return None
    if not password or has_reference(password):
        return None
    return source.problem(
        path,
        "the URL carries a literal password",
        hint="write the password as a reference: postgresql://user:${PG_PASSWORD}@host/db, "
        "or the whole URL as ${CRMHUB_DATABASE_URL}",
    )
