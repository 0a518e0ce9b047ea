"""The configuration, the registry entry, check() and the SDK's contract test kit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from connectors.builtin.file import FileConnector, FileConnectorConfig
from connectors.sdk import registry
from connectors.sdk.errors import UnknownStream
from connectors.testing.contract_tests import ConnectorContractTests

from .helpers import connector_for, write


def config(**top: Any) -> FileConnectorConfig:
    raw = {"streams": {"customers": {"path": "clienti.csv", "key": ["CODICE"]}}, **top}
    return FileConnectorConfig.model_validate(raw)


def test_registered_as_type_file() -> None:
    assert registry.load("file") is FileConnector


def test_stream_options_inherit_the_connection_defaults(tmp_path: Path) -> None:
    cfg = FileConnectorConfig.model_validate(
        {
            "base_dir": str(tmp_path),
            "encoding": "cp1252",
            "delimiter": "tab",
            "skip_blank_rows": False,
            "streams": {
                "a": {"path": "a.csv", "key": ["CODICE"]},
                "b": {
                    "path": "sub/b.csv",
                    "key": ["ID"],
                    "encoding": "utf-8",
                    "delimiter": ";",
                    "header_row": 3,
                },
                "c": {"path": "c.xlsx", "key": ["ID"], "sheet": "Clienti"},
            },
        }
    )
    a, b, c = cfg.settings("a"), cfg.settings("b"), cfg.settings("c")
    assert (a.encoding, a.delimiter, a.header_row, a.skip_blank_rows) == (
        "cp1252",
        "\t",
        None,
        False,
    )
    assert (b.encoding, b.delimiter, b.header_row) == ("utf-8", ";", 3)
    assert b.path == tmp_path / "sub" / "b.csv" and b.display_name == "sub/b.csv"
    assert (c.format, c.sheet) == ("xlsx", "Clienti")


def test_settings_digest_changes_with_what_changes_the_output() -> None:
    base = config().settings("customers")
    assert base.digest() == config().settings("customers").digest()
    assert base.digest() != config(encoding="cp1252").settings("customers").digest()
    assert base.digest() != config(header_row=2).settings("customers").digest()
    assert base.digest() == config(base_dir="/elsewhere").settings("customers").digest()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"streams": {}}, "streams"),
        ({"streams": {"c": {"path": "c.csv"}}}, "key"),
        ({"streams": {"c": {"path": "c.csv", "key": []}}}, "key"),
        ({"streams": {"c": {"path": "c.csv", "key": ["A", "A "]}}}, "key lists a column twice"),
        ({"streams": {"c": {"path": "c.xls", "key": ["A"]}}}, "save the file as .xlsx or CSV"),
        ({"streams": {"c": {"path": "c.dat", "key": ["A"]}}}, "set format: csv or format: xlsx"),
        (
            {"streams": {"c": {"path": "c.csv", "key": ["A"], "sheet": "S"}}},
            "sheet applies to XLSX",
        ),
        (
            {"streams": {"c": {"path": "c.csv", "key": ["A"], "encoding": "klingon"}}},
            "unknown encoding 'klingon'",
        ),
        (
            {"streams": {"c": {"path": "c.csv", "key": ["A"], "delimiter": ";;"}}},
            "delimiter must be",
        ),
        ({"streams": {"c": {"path": "c.csv", "key": ["A"], "header_row": 0}}}, "header_row"),
        ({"streams": {"c": {"path": "c.csv", "key": ["A"], "sep": ";"}}}, "sep"),
        (
            {"streams": {"c": {"path": "c.csv", "key": ["A"]}}, "checkpoint_every": 0},
            "checkpoint_every",
        ),
    ],
)
def test_bad_configuration_is_refused_naming_the_field(raw: dict[str, Any], expected: str) -> None:
    with pytest.raises(ValidationError) as caught:
        FileConnector.from_dict(raw)
    assert expected in str(caught.value)


def test_json_schema_describes_every_field() -> None:
    schema = FileConnectorConfig.model_json_schema()
    stream = schema["$defs"]["FileStreamConfig"]
    for fields in (schema["properties"], stream["properties"]):
        undocumented = [name for name, spec in fields.items() if not spec.get("description")]
        assert not undocumented
    assert stream["required"] == ["path", "key"]


def test_unknown_stream_names_the_configured_ones(tmp_path: Path) -> None:
    connector = connector_for(tmp_path, "clienti.csv")
    with pytest.raises(UnknownStream) as caught:
        list(connector.read("clients", None))
    assert "customers" in str(caught.value)


def test_check_describes_how_each_file_is_read(tmp_path: Path) -> None:
    write(tmp_path, "clienti.csv", "Titolo\r\nCODICE;NOME\r\nC1;Mario\r\n", "cp1252")
    result = connector_for(tmp_path, "clienti.csv").check()
    assert result.ok
    assert "semicolon-separated, header on line 2 with 2 columns" in result.message


def test_check_reports_a_missing_file_without_raising(tmp_path: Path) -> None:
    result = connector_for(tmp_path, "nowhere.csv").check()
    assert not result.ok
    assert "file not found" in result.message and "nowhere.csv" in result.message


class TestFileConnectorContract(ConnectorContractTests):
    """The SDK's kit: the file stream is a snapshot (no cursor), so the incremental tests skip."""

    connector_class = FileConnector

    def valid_config(self, system: Path) -> dict[str, Any]:
        return {
            "base_dir": str(system),
            "streams": {"customers": {"path": "clienti.csv", "key": ["CODICE"]}},
        }

    def invalid_config(self, system: Path) -> dict[str, Any]:
        return {"base_dir": str(system), "streams": {"customers": {"path": "clienti.csv"}}}

    def seed(self, system: Path, n: int) -> None:
        rows = "".join(f"C{i:03d};Cliente {i};Città {i}\r\n" for i in range(n))
        write(system, "clienti.csv", "CODICE;NOME;CITTA\r\n" + rows)

    @pytest.fixture
    def connector(self, system: Path) -> Any:
        self.seed(system, 0)  # discover() and check() read the header: the file must exist
        built = self.connector_class.from_dict(self.valid_config(system))
        yield built
        built.close()
