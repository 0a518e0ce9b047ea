"""docker/connections.env.example teaches the right thing: every connection in it is one
Airflow (and crmhub outside Airflow) can read, and every ``${airflow:...}`` reference its
comments show resolves against it."""

from __future__ import annotations

import re

from crmhub.config.airflow_connections import ENV_PREFIX, parse_connection
from crmhub.config.secrets import parse_references
from tests.docker.compose import DOCKER_DIR
from tests.docker.envfile import commented_lines, read_env_file

EXAMPLE = DOCKER_DIR / "connections.env.example"
_YAML_VALUE = re.compile(r"^[a-z_]+:\s*(?P<value>\$\{airflow:[^}]+\})$")


def test_every_line_is_an_airflow_connection_crmhub_can_parse() -> None:
    values = read_env_file(EXAMPLE)
    assert len(values) >= 2
    for name, raw in values.items():
        assert name.startswith(ENV_PREFIX), f"{name}: only AIRFLOW_CONN_* belong here"
        conn = parse_connection(name.removeprefix(ENV_PREFIX).lower(), raw)
        assert conn.conn_type and conn.password, name


def test_the_references_in_the_comments_resolve_against_the_example() -> None:
    values = read_env_file(EXAMPLE)
    connections = {
        name.removeprefix(ENV_PREFIX).lower(): parse_connection(
            name.removeprefix(ENV_PREFIX).lower(), raw
        )
        for name, raw in values.items()
    }
    shown = [m["value"] for line in commented_lines(EXAMPLE) if (m := _YAML_VALUE.match(line))]
    assert len(shown) >= 5
    for text in shown:
        for ref in parse_references(text):
            assert ref.airflow_conn in connections, f"{text}: no such connection in the example"
            conn = connections[ref.airflow_conn]
            value = conn.value(ref.airflow_field) if ref.airflow_field else conn.as_uri()
            assert value, f"{text}: the example connection has no {ref.airflow_field}"
