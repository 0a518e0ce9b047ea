"""Talking to unixODBC: connection strings, connecting with timeouts, and reading driver errors.

Everything that depends on how pyodbc and the Debian drivers word things lives here: the
connection-string syntax, the options each driver needs, and the translation of a
``pyodbc.Error`` into a clean message, a SQLSTATE, and the connector error a caller can act on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyodbc

from connectors.builtin.sql.config import SqlConfig
from connectors.sdk import AuthError, ConfigError, ConnectorError, SourceUnavailable

# Options added to a connection built from parts, chosen by a word in the driver's name.
# psqlodbc's default BoolsAsChar=1 would turn booleans into '1'/'0' strings; MariaDB's driver
# ignores the ODBC login-timeout attribute and needs its own CONN_TIMEOUT (seconds).
DRIVER_OPTIONS: dict[str, dict[str, str]] = {
    "postgres": {"BoolsAsChar": "0"},
    "mariadb": {"CONN_TIMEOUT": "{login_timeout}"},
    "mysql": {"CONN_TIMEOUT": "{login_timeout}"},
}

# SQLSTATEs after which the same statement may well succeed if tried again later.
RETRYABLE_SQLSTATES = frozenset(
    {"40001", "40P01", "55P03", "57014", "HYT00", "HYT01", "08S01", "08006", "08003"}
)


@dataclass(frozen=True, slots=True)
class DbError:
    """A driver error, cleaned: ``message`` is what the database said, without driver noise."""

    sqlstate: str
    native_code: int | None
    message: str

    def __str__(self) -> str:
        return f"{self.message} [SQLSTATE {self.sqlstate}]"


_LEADING_TAGS = re.compile(r"^(\s*\[[^\]]*\])+\s*")
_TRAILING_CALL = re.compile(r"\s*\(SQL\w+\)\s*$")
_TRAILING_CODE = re.compile(r"\s*\((-?\d+)\)\s*$")
_PSQLODBC_NOISE = re.compile(r";?\s*Error while executing the query\s*$")
_ERROR_PREFIX = re.compile(r"^(ERROR|FATAL):\s*")
# PostgreSQL echoes the whole failing row (personal data) in a DETAIL line: never pass it on.
_FAILING_ROW = re.compile(r"^DETAIL:\s*Failing row contains", re.IGNORECASE)


def describe_error(exc: pyodbc.Error) -> DbError:
    """The SQLSTATE, native code and plain message of a pyodbc error."""
    args = exc.args
    sqlstate = str(args[0]) if len(args) > 1 else "HY000"
    text = str(args[1] if len(args) > 1 else args[0] if args else exc)
    text = _TRAILING_CALL.sub("", _LEADING_TAGS.sub("", text.strip()))
    native: int | None = None
    code = _TRAILING_CODE.search(text)
    if code:
        native = int(code.group(1))
        text = text[: code.start()]
    text = _PSQLODBC_NOISE.sub("", text.strip())
    lines = [_ERROR_PREFIX.sub("", line.strip()) for line in text.splitlines()]
    kept = [line.rstrip(";") for line in lines if line and not _FAILING_ROW.match(line)]
    return DbError(sqlstate, native, " ".join(kept).strip() or "unknown database error")


def is_retryable(error: DbError, native_codes: frozenset[int]) -> bool:
    """True for deadlocks, lock and statement timeouts and dropped connections."""
    return error.sqlstate in RETRYABLE_SQLSTATES or (
        error.native_code is not None and error.native_code in native_codes
    )


def _attribute_value(value: str) -> str:
    """``value`` as written in a connection string: in braces only when it must be.

    Braces are needed around ``;``, ``{``, ``}`` and edge blanks (a password), but psqlodbc
    strips them from the password alone, so other values stay bare (an ``=`` in a value is
    fine: only the first one splits name from value).
    """
    if value != value.strip() or any(c in value for c in ";{}"):
        return "{" + value.replace("}", "}}") + "}"
    return value


_ATTRIBUTE = re.compile(r"\s*([^=;]+?)\s*=\s*(\{(?:[^}]|\}\})*\}|[^;]*)\s*(?:;|$)")


def attributes(text: str) -> dict[str, str]:
    """The ``NAME=value`` pairs of a connection string; names upper-cased, braces removed."""
    found: dict[str, str] = {}
    for match in _ATTRIBUTE.finditer(text):
        value = match.group(2)
        if value.startswith("{") and value.endswith("}"):
            value = value[1:-1].replace("}}", "}")
        else:
            value = value.strip()
        found[match.group(1).upper()] = value
    return found


def _driver_options(driver: str, login_timeout: int) -> dict[str, str]:
    options: dict[str, str] = {}
    for word, extra in DRIVER_OPTIONS.items():
        if word in driver.lower():
            options.update({k: v.format(login_timeout=login_timeout) for k, v in extra.items()})
    return options


def _join(parts: dict[str, str]) -> str:
    return ";".join(f"{name}={_attribute_value(value)}" for name, value in parts.items())


def connection_string(config: SqlConfig) -> str:
    """The ODBC connection string for ``config`` (it holds the password: never log it).

    The options a driver needs (``DRIVER_OPTIONS``) are added unless already given.
    """
    if config.connection_string is not None:
        given = config.connection_string.get_secret_value().strip().rstrip(";")
        present = attributes(given)
        defaults = _driver_options(present.get("DRIVER", ""), config.login_timeout_seconds)
        missing = {k: v for k, v in defaults.items() if k.upper() not in present}
        return f"{given};{_join(missing)}" if missing else given
    parts: dict[str, str] = {"DRIVER": config.driver or "", "SERVER": config.server or ""}
    if config.port:
        parts["PORT"] = str(config.port)
    parts["DATABASE"] = config.database or ""
    if config.user:
        parts["UID"] = config.user
    if config.password is not None:
        parts["PWD"] = config.password.get_secret_value()
    parts.update(_driver_options(config.driver or "", config.login_timeout_seconds))
    parts.update(config.options)
    return _join(parts)


def target_label(config: SqlConfig) -> str:
    """Where a connection goes, in words, without the password: 'db on host:port as user'."""
    server: str | None
    port: str | int | None
    database: str | None
    user: str | None
    if config.connection_string is not None:
        found = attributes(config.connection_string.get_secret_value())
        server = found.get("SERVER") or found.get("HOST") or "?"
        port = found.get("PORT")
        database = found.get("DATABASE") or "?"
        user = found.get("UID") or found.get("USER")
    else:
        server, port, database, user = (config.server, config.port, config.database, config.user)
    where = f"{server}:{port}" if port else str(server)
    return f"database {database!r} on {where}" + (f" as {user!r}" if user else "")


def scrub(text: str, config: SqlConfig) -> str:
    """``text`` with the password (also one inside a connection string) blanked out."""
    secrets = [config.password.get_secret_value() if config.password else ""]
    if config.connection_string is not None:
        whole = config.connection_string.get_secret_value()
        found = attributes(whole)
        secrets += [whole, found.get("PWD", ""), found.get("PASSWORD", "")]
    for secret in sorted(filter(None, secrets), key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


@dataclass(frozen=True, slots=True)
class _ConnectFailure:
    pattern: re.Pattern[str]
    error: type[ConnectorError]
    hint: str


# How to read a failed connection attempt, first match wins; anything else: unreachable.
_CONNECT_FAILURES = (
    _ConnectFailure(
        re.compile(r"Can't open lib|Data source name not found|\bIM002\b", re.IGNORECASE),
        ConfigError,
        "ODBC driver {driver!r} is not installed; installed: {drivers}. "
        "Run .ci/install-system-packages.sh (Debian: odbc-mariadb, odbc-postgresql)",
    ),
    _ConnectFailure(
        re.compile(
            r"\b28000\b|\b28P01\b|password authentication failed|role \".*\" does not exist"
            r"|Access denied for user|Login failed",
            re.IGNORECASE,
        ),
        AuthError,
        "check user and password (the password comes from the environment, e.g. ${{ERP_PASSWORD}})",
    ),
    _ConnectFailure(
        re.compile(r"Unknown database|database \".*\" does not exist", re.IGNORECASE),
        ConfigError,
        "check 'database': it must exist on the server",
    ),
)


def _connect_error(exc: pyodbc.Error, config: SqlConfig) -> ConnectorError:
    error = describe_error(exc)
    label = target_label(config)
    seen = f"{error.sqlstate} {error.message}"
    for failure in _CONNECT_FAILURES:
        if failure.pattern.search(seen):
            hint = failure.hint.format(
                driver=config.driver, drivers=", ".join(pyodbc.drivers()) or "none"
            )
            return failure.error(scrub(f"cannot connect to {label}: {error}", config), hint=hint)
    return SourceUnavailable(
        scrub(f"cannot connect to {label}: {error}", config),
        hint=(
            "is the server running and reachable on that host and port? "
            f"(login timeout {config.login_timeout_seconds}s)"
        ),
    )


def connect(config: SqlConfig) -> pyodbc.Connection:
    """An autocommit connection for ``config``; a ``ConnectorError`` subclass when it fails."""
    try:
        return pyodbc.connect(
            connection_string(config), timeout=config.login_timeout_seconds, autocommit=True
        )
    except pyodbc.Error as exc:
        raise _connect_error(exc, config) from None
