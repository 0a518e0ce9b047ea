"""Reading XLSX workbooks: header below title rows, date and number cells, sheets, broken files."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from connectors.builtin.file import FileLayoutError
from connectors.builtin.file.xlsx_table import cell_text

from .helpers import connector_for, read_file


def workbook(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    """Write an .xlsx with one sheet per entry, rows from row 1 (None = empty cell)."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


CLIENTI = [
    ["Esportazione clienti al 31/12/2025"],
    [],
    [" CODICE ", "NOME", "NATO_IL", "FIDO", "TELEFONO", "ULTIMA_MODIFICA", "ATTIVO"],
    [
        "C1",
        "Niccolò",
        datetime(1980, 2, 1),
        12500.5,
        3331234567,
        datetime(2025, 12, 31, 10, 11, 12),
        True,
    ],
    ["C2", "Anna", date(1975, 12, 31), 12500.0, "06 1234567", None, False],
    ["C3", "Luca"],  # the other cells were never filled in
    [],
    ["C4", "Sara", None, 0.1 + 0.2, None, None, None, "nota a margine"],
]


def test_header_below_title_rows_and_cells_as_deterministic_text(tmp_path: Path) -> None:
    workbook(tmp_path / "clienti.xlsx", {"Clienti": CLIENTI})
    run = read_file(tmp_path, "clienti.xlsx")
    assert [r.key for r in run.records] == ["C1", "C2", "C3"]
    assert run.records[0].data == {
        "CODICE": "C1",
        "NOME": "Niccolò",
        "NATO_IL": "1980-02-01",
        "FIDO": "12500.5",
        "TELEFONO": "3331234567",
        "ULTIMA_MODIFICA": "2025-12-31T10:11:12",
        "ATTIVO": "TRUE",
    }
    assert run.records[1].data["NATO_IL"] == "1975-12-31"
    assert run.records[1].data["FIDO"] == "12500"
    assert run.records[1].data["ATTIVO"] == "FALSE"
    assert run.records[2].data == {
        "CODICE": "C3",
        "NOME": "Luca",
        "NATO_IL": "",
        "FIDO": "",
        "TELEFONO": "",
        "ULTIMA_MODIFICA": "",
        "ATTIVO": "",
    }
    assert [r.position for r in run.records] == [
        "clienti.xlsx sheet 'Clienti' row 4",
        "clienti.xlsx sheet 'Clienti' row 5",
        "clienti.xlsx sheet 'Clienti' row 6",
    ]
    [problem] = run.problems  # the row with a note in a column without a name
    assert problem.reason.startswith(
        "clienti.xlsx sheet 'Clienti' row 8: 8 cells, but the header (row 3) has 7 columns; "
        "column H (8) holds 'nota a margine'"
    )
    assert problem.key == "C4"


def test_discover_reads_the_header_only(tmp_path: Path) -> None:
    workbook(tmp_path / "clienti.xlsx", {"Clienti": CLIENTI})
    [spec] = connector_for(tmp_path, "clienti.xlsx").discover()
    assert spec.key == ("CODICE",)
    assert list(spec.json_schema["properties"]) == [
        "CODICE",
        "NOME",
        "NATO_IL",
        "FIDO",
        "TELEFONO",
        "ULTIMA_MODIFICA",
        "ATTIVO",
    ]
    assert all(p == {"type": "string"} for p in spec.json_schema["properties"].values())
    assert spec.cursor_field is None and not spec.writable
    assert spec.extras["header_line"] == 3


def test_sheet_is_chosen_by_name_and_the_first_sheet_by_default(tmp_path: Path) -> None:
    workbook(
        tmp_path / "two.xlsx",
        {
            "Fornitori": [["CODICE", "NOME"], ["F1", "Acme"]],
            "Clienti": [["CODICE", "NOME"], ["C1", "Rossi"]],
        },
    )
    assert [r.key for r in read_file(tmp_path, "two.xlsx").records] == ["F1"]
    assert [r.key for r in read_file(tmp_path, "two.xlsx", sheet="Clienti").records] == ["C1"]
    with pytest.raises(FileLayoutError) as caught:
        read_file(tmp_path, "two.xlsx", sheet="clienti")
    assert "two.xlsx has no sheet 'clienti'" in str(caught.value)
    assert "'Fornitori', 'Clienti'" in str(caught.value)


def test_configured_header_row(tmp_path: Path) -> None:
    workbook(
        tmp_path / "h.xlsx",
        {"S": [["CODICE", "legenda"], ["x"], ["CODICE", "NOME"], ["C1", "Mario"]]},
    )
    run = read_file(tmp_path, "h.xlsx", header_row=3)
    assert [r.data for r in run.records] == [{"CODICE": "C1", "NOME": "Mario"}]


def test_duplicate_header_names_name_the_excel_columns(tmp_path: Path) -> None:
    workbook(tmp_path / "d.xlsx", {"S": [["CODICE", "EMAIL", "EMAIL"], ["C1", "a", "b"]]})
    with pytest.raises(FileLayoutError) as caught:
        read_file(tmp_path, "d.xlsx")
    assert "column B (2) and column C (3) are both named 'EMAIL'" in str(caught.value)


def test_a_file_that_is_not_a_workbook_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "export.xlsx").write_text("CODICE;NOME\nC1;Mario\n")  # a CSV under a false name
    with pytest.raises(FileLayoutError) as caught:
        read_file(tmp_path, "export.xlsx")
    assert "export.xlsx is not a readable XLSX workbook" in str(caught.value)
    assert "format: csv" in str(caught.value)


def test_format_option_reads_a_workbook_with_another_extension(tmp_path: Path) -> None:
    workbook(tmp_path / "export.dat", {"S": [["CODICE"], ["C1"]]})
    run = read_file(tmp_path, "export.dat", format="xlsx")
    assert [r.key for r in run.records] == ["C1"]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        ("  testo ", "  testo "),
        (True, "TRUE"),
        (42, "42"),
        (12500.0, "12500"),
        (0.1 + 0.2, "0.3"),
        (1e-07, "0.0000001"),
        (1e20, "100000000000000000000"),
        (-5.25, "-5.25"),
        (datetime(2025, 12, 31), "2025-12-31"),
        (datetime(2025, 12, 31, 8, 0, 1), "2025-12-31T08:00:01"),
        (datetime(2025, 12, 31, 8, 0, 1, 500000), "2025-12-31T08:00:01.500"),
        (date(2025, 1, 2), "2025-01-02"),
        (time(10, 11, 12), "10:11:12"),
        (timedelta(days=1, hours=2, seconds=3), "26:00:03"),
    ],
)
def test_cell_text(value: Any, text: str) -> None:
    assert cell_text(value) == text
