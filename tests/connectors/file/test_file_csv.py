"""Reading CSV exports in every messy form they come in: encodings, delimiters, title lines,
quoting, broken rows. Each fixture is a small file written by the test itself."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from connectors.builtin.file import FileLayoutError

from .helpers import connector_for, read_file, write


def test_values_are_yielded_exactly_as_written_and_keys_trimmed(tmp_path: Path) -> None:
    write(tmp_path, "clienti.csv", "CODICE;NOME;NOTE\r\n C1 ;Niccolò ;  due spazi\r\nC2;Anna;\r\n")
    run = read_file(tmp_path, "clienti.csv")
    assert not run.problems
    assert [r.key for r in run.records] == ["C1", "C2"]
    assert run.records[0].data == {"CODICE": " C1 ", "NOME": "Niccolò ", "NOTE": "  due spazi"}
    assert run.records[1].data == {"CODICE": "C2", "NOME": "Anna", "NOTE": ""}
    assert [r.position for r in run.records] == ["clienti.csv line 2", "clienti.csv line 3"]


def test_utf8_with_bom(tmp_path: Path) -> None:
    write(tmp_path, "bom.csv", "\ufeffCODICE;CITTA\r\nC1;Forlì\r\n")
    run = read_file(tmp_path, "bom.csv")
    assert not run.problems
    assert run.records[0].data == {"CODICE": "C1", "CITTA": "Forlì"}


def test_configured_utf8_still_skips_a_bom(tmp_path: Path) -> None:
    write(tmp_path, "bom.csv", "\ufeffCODICE;CITTA\r\nC1;Cantù\r\n")
    run = read_file(tmp_path, "bom.csv", encoding="utf-8")
    assert run.records[0].data == {"CODICE": "C1", "CITTA": "Cantù"}


def test_windows_1252_accents_are_decoded(tmp_path: Path) -> None:
    text = (
        "CODICE;NOME;CITTA\r\n"
        "C1;Niccolò;Città di Castello\r\nC2;È già così;Forlì\r\nC3;José;Paternò\r\n"
    )
    write(tmp_path, "cp1252.csv", text, "cp1252")
    connector = connector_for(tmp_path, "cp1252.csv")
    assert "cp1252" in connector.check().message
    run = read_file(tmp_path, "cp1252.csv")
    assert not run.problems
    assert [r.data["NOME"] for r in run.records] == ["Niccolò", "È già così", "José"]
    assert run.records[0].data["CITTA"] == "Città di Castello"


def test_windows_1252_is_recognised_when_the_first_accent_comes_late(tmp_path: Path) -> None:
    """The first 100 KB are plain ASCII: a sample-only detector would say UTF-8 and then fail
    every accented row; the read judges the whole file."""
    rows = "".join(f"C{i};ROSSI MARIO;VIA ROMA {i}\r\n" for i in range(4000))
    text = "CODICE;NOME;INDIRIZZO\r\n" + rows + "C9999;Nicolò Cannavò;Piazza Città 1\r\n"
    assert len(text) > 100_000
    write(tmp_path, "late.csv", text, "cp1252")
    run = read_file(tmp_path, "late.csv")
    assert not run.problems
    assert run.records[-1].data["NOME"] == "Nicolò Cannavò"
    assert run.records[-1].data["INDIRIZZO"] == "Piazza Città 1"


def test_utf16_with_bom_tab_separated(tmp_path: Path) -> None:
    """Excel's "Unicode text" export: UTF-16 LE with a BOM, tab-separated."""
    text = "CODICE\tNOME\r\nC1\tNiccolò\r\nC2\tZoë\r\n"
    (tmp_path / "unicode.txt").write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    run = read_file(tmp_path, "unicode.txt")
    assert not run.problems
    assert [r.data["NOME"] for r in run.records] == ["Niccolò", "Zoë"]
    assert run.records[1].position == "unicode.txt line 3"


@pytest.mark.parametrize("delimiter", [";", ",", "\t", "|"])
def test_delimiter_is_sniffed(tmp_path: Path, delimiter: str) -> None:
    rows = [
        ["CODICE", "INDIRIZZO", "FIDO", "NOTE"],
        ["C1", "V. Garibaldi, 5/A", "12.500,00", "cliente; storico"],
        ["C2", "P.za Duomo 1", "0,00", "a|b"],
        ["C3", "C.so Italia 33", "1.000,50", ""],
    ]
    text = "".join(
        delimiter.join(f'"{cell}"' if (delimiter in cell or '"' in cell) else cell for cell in row)
        + "\r\n"
        for row in rows
    )
    write(tmp_path, "clienti.csv", text)
    run = read_file(tmp_path, "clienti.csv")
    assert not run.problems
    assert [r.data for r in run.records] == [dict(zip(rows[0], row)) for row in rows[1:]]


def test_configured_delimiter_overrides_sniffing(tmp_path: Path) -> None:
    # Sniffing would pick ';' (more consistent rows); the configuration says ','.
    write(tmp_path, "odd.csv", "CODICE,NOTE\r\nC1,a;b;c\r\nC2,d;e;f\r\n")
    run = read_file(tmp_path, "odd.csv", delimiter=",")
    assert [r.data["NOTE"] for r in run.records] == ["a;b;c", "d;e;f"]


def test_rfc4180_quoting_and_line_breaks_inside_quotes(tmp_path: Path) -> None:
    text = (
        "CODICE,INDIRIZZO,NOTE\r\n"
        'C1,"Via Roma, 12","Ha detto ""ciao"""\r\n'
        'C2,"Corso Italia 33\r\nscala B","due\nrighe"\r\n'
        "C3,Largo Augusto 1,\r\n"
    )
    write(tmp_path, "quoted.csv", text)
    run = read_file(tmp_path, "quoted.csv")
    assert not run.problems
    assert run.records[0].data == {
        "CODICE": "C1",
        "INDIRIZZO": "Via Roma, 12",
        "NOTE": 'Ha detto "ciao"',
    }
    assert run.records[1].data["INDIRIZZO"] == "Corso Italia 33\r\nscala B"
    assert run.records[1].data["NOTE"] == "due\nrighe"
    # C2 spans physical lines 3-5, so C3 is on line 6.
    assert [r.position for r in run.records] == [
        "quoted.csv line 2",
        "quoted.csv line 3",
        "quoted.csv line 6",
    ]


def test_lone_carriage_return_line_ends(tmp_path: Path) -> None:
    write(tmp_path, "mac.csv", "CODICE;NOME\rC1;Mario\rC2;Anna\r")
    run = read_file(tmp_path, "mac.csv")
    assert [(r.key, r.position) for r in run.records] == [
        ("C1", "mac.csv line 2"),
        ("C2", "mac.csv line 3"),
    ]


def test_title_lines_above_the_header_are_skipped(tmp_path: Path) -> None:
    text = (
        "Esportazione clienti al 31/12/2025;;;\r\n"
        ";;;\r\n"
        "Filtro: tutti i clienti attivi\r\n"
        "CODICE;RAGIONE_SOCIALE;CITTA;\r\n"
        "C1;Rossi S.r.l.;Roma;\r\n"
    )
    write(tmp_path, "export.csv", text)
    connector = connector_for(tmp_path, "export.csv")
    spec = connector.discover()[0]
    assert spec.extras["header_line"] == 4
    assert list(spec.json_schema["properties"]) == ["CODICE", "RAGIONE_SOCIALE", "CITTA"]
    run = read_file(tmp_path, "export.csv")
    assert not run.problems
    assert run.records[0].data == {
        "CODICE": "C1",
        "RAGIONE_SOCIALE": "Rossi S.r.l.",
        "CITTA": "Roma",
    }
    assert run.records[0].position == "export.csv line 5"


def test_configured_header_row(tmp_path: Path) -> None:
    # Line 1 also names CODICE (a legend), so only header_row finds the real header.
    text = "CODICE = codice cliente;\r\nCODICE;NOME\r\nC1;Mario\r\n"
    write(tmp_path, "legend.csv", text)
    run = read_file(tmp_path, "legend.csv", header_row=2, delimiter=";")
    assert [r.data for r in run.records] == [{"CODICE": "C1", "NOME": "Mario"}]


def test_configured_header_row_without_the_key_is_an_error_naming_what_it_holds(
    tmp_path: Path,
) -> None:
    write(tmp_path, "x.csv", "Titolo\r\nCODICE;NOME\r\nC1;Mario\r\n")
    with pytest.raises(FileLayoutError) as caught:
        read_file(tmp_path, "x.csv", header_row=1)
    message = str(caught.value)
    assert "x.csv" in message and "line 1" in message and "'CODICE'" in message


def test_missing_key_column_suggests_the_closest_header_name(tmp_path: Path) -> None:
    write(
        tmp_path, "clienti.csv", "Esportazione\r\nCODICE_CLIENTE;NOME;EMAIL\r\nC1;Mario;m@x.it\r\n"
    )
    connector = connector_for(tmp_path, "clienti.csv", key=["CODICE_CLIENT"])
    with pytest.raises(FileLayoutError) as caught:
        connector.discover()
    message = str(caught.value)
    assert "clienti.csv" in message and "'CODICE_CLIENT'" in message
    assert "line 2 has: CODICE_CLIENTE, NOME, EMAIL" in message
    assert "did you mean 'CODICE_CLIENT' -> 'CODICE_CLIENTE'" in message
    result = connector.check()
    assert not result.ok and "CODICE_CLIENTE" in result.message


def test_duplicate_header_names_are_an_error_naming_the_columns(tmp_path: Path) -> None:
    write(tmp_path, "dup.csv", "CODICE;EMAIL;NOME;EMAIL\r\nC1;a@x.it;Mario;b@x.it\r\n")
    with pytest.raises(FileLayoutError) as caught:
        read_file(tmp_path, "dup.csv")
    assert "dup.csv line 1" in str(caught.value)
    assert "column 2 and column 4 are both named 'EMAIL'" in str(caught.value)


def test_empty_header_name_between_names_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, "gap.csv", "CODICE;; NOME ;\r\nC1;x;Mario;\r\n")
    with pytest.raises(FileLayoutError) as caught:
        read_file(tmp_path, "gap.csv")
    assert "gap.csv line 1: the header has no name in column 2" in str(caught.value)


def test_short_row_is_a_problem_naming_file_line_and_counts_and_the_read_goes_on(
    tmp_path: Path,
) -> None:
    write(
        tmp_path, "short.csv", "CODICE;NOME;CITTA\r\nC1;Mario;Roma\r\nC2;Anna\r\nC3;Luca;Bari\r\n"
    )
    run = read_file(tmp_path, "short.csv")
    assert [r.key for r in run.records] == ["C1", "C3"]
    [problem] = run.problems
    assert problem.reason.startswith(
        "short.csv line 3: 2 cells, but the header (line 1) has 3 columns"
    )
    assert problem.position == "short.csv line 3"
    assert problem.key == "C2"
    assert problem.raw == {"line": 3, "cells": ["C2", "Anna"]}


def test_long_row_with_data_beyond_the_header_is_a_problem(tmp_path: Path) -> None:
    write(tmp_path, "long.csv", "CODICE;NOME\r\nC1;Rossi;Mario\r\nC2;Anna;;\r\n")
    run = read_file(tmp_path, "long.csv")
    assert [r.key for r in run.records] == ["C2"]  # trailing empty cells are fine
    assert run.records[0].data == {"CODICE": "C2", "NOME": "Anna"}
    [problem] = run.problems
    assert "long.csv line 2: 3 cells, but the header (line 1) has 2 columns" in problem.reason
    assert "column 3 holds 'Mario'" in problem.reason


def test_undecodable_bytes_make_the_row_a_problem_naming_line_and_byte_offset(
    tmp_path: Path,
) -> None:
    head = "CODICE;NOME\r\n" + "".join(f"C{i};Niccolò Città\r\n" for i in range(5))
    bad_row = b"C9;Ros\xe8 Mario\r\n"
    tail = "C10;Perché\r\n"
    content = head.encode() + bad_row + tail.encode()
    (tmp_path / "mixed.csv").write_bytes(content)
    run = read_file(tmp_path, "mixed.csv")
    assert [r.key for r in run.records] == ["C0", "C1", "C2", "C3", "C4", "C10"]
    assert run.records[-1].data["NOME"] == "Perché"
    [problem] = run.problems
    offset = content.index(b"\xe8")
    assert problem.reason.startswith(
        f"mixed.csv line 7: bytes that are not valid utf-8: byte offset {offset} (0xE8)"
    )
    assert problem.key == "C9"
    assert problem.raw["values"] == {"CODICE": "C9", "NOME": "Ros\\xe8 Mario"}


def test_empty_key_is_a_problem(tmp_path: Path) -> None:
    write(tmp_path, "nokey.csv", "CODICE;NOME\r\nC1;Mario\r\n  ;Anna\r\n")
    run = read_file(tmp_path, "nokey.csv")
    assert [r.key for r in run.records] == ["C1"]
    [problem] = run.problems
    assert problem.reason == "nokey.csv line 3: the key column 'CODICE' is empty"
    assert problem.raw["values"] == {"CODICE": "  ", "NOME": "Anna"}
    assert problem.key is None


def test_blank_rows_are_skipped_or_reported(tmp_path: Path) -> None:
    write(tmp_path, "blank.csv", "CODICE;NOME\r\nC1;Mario\r\n\r\n;\r\n ; \r\nC2;Anna\r\n")
    skipped = read_file(tmp_path, "blank.csv")
    assert [r.key for r in skipped.records] == ["C1", "C2"] and not skipped.problems
    reported = read_file(tmp_path, "blank.csv", skip_blank_rows=False)
    assert [r.key for r in reported.records] == ["C1", "C2"]
    assert [p.reason for p in reported.problems] == [
        "blank.csv line 3: blank row",
        "blank.csv line 4: blank row",
        "blank.csv line 5: blank row",
    ]


def test_duplicate_key_keeps_the_first_row_and_reports_the_later_one(tmp_path: Path) -> None:
    write(tmp_path, "dup.csv", "CODICE;NOME\r\nC1;Mario\r\nC2;Anna\r\nC1 ;Mario Rossi\r\n")
    run = read_file(tmp_path, "dup.csv")
    assert [(r.key, r.data["NOME"]) for r in run.records] == [("C1", "Mario"), ("C2", "Anna")]
    [problem] = run.problems
    assert problem.key == "C1"
    assert problem.reason.startswith("dup.csv line 4: duplicate key 'C1'")
    assert "the first one is kept" in problem.reason


def test_composite_key(tmp_path: Path) -> None:
    write(
        tmp_path,
        "contacts.csv",
        "CLIENTE;EMAIL;RUOLO\r\nC1;a@x.it;CEO\r\nC1;b@x.it;CFO\r\nC2;;CEO\r\n",
    )
    run = read_file(tmp_path, "contacts.csv", key=["CLIENTE", "EMAIL"])
    assert [r.key for r in run.records] == ["C1|a@x.it", "C1|b@x.it"]
    [problem] = run.problems
    assert problem.reason == "contacts.csv line 4: the key column 'EMAIL' is empty"


def test_runaway_quote_is_a_problem_and_the_rest_of_the_file_is_read(tmp_path: Path) -> None:
    """An opening quote never closed swallows lines until the csv field limit (128 KiB)."""
    filler = "".join(f"C{i};riga inghiottita numero {i}\r\n" for i in range(10, 6000))
    after = "".join(f"D{i};dopo\r\n" for i in range(3))
    text = 'CODICE;NOTE\r\nC1;ok\r\nC2;"aperta e mai chiusa\r\n' + filler + after
    write(tmp_path, "quote.csv", text)
    run = read_file(tmp_path, "quote.csv")
    assert run.records[0].key == "C1"
    assert run.records[-3:] and [r.key for r in run.records[-3:]] == ["D0", "D1", "D2"]
    assert run.problems[0].reason.startswith("quote.csv lines 3-")
    assert "cannot parse the row (field larger than field limit" in run.problems[0].reason
    # every line is accounted for: a record, or inside the span of a problem
    covered = {int(r.position.rsplit(" ", 1)[1]) for r in run.records}
    for problem in run.problems:
        span = problem.reason.split(":", 1)[0].rsplit(" ", 1)[1]
        first, _, last = span.partition("-")
        covered.update(range(int(first), int(last or first) + 1))
    assert covered >= set(range(2, text.count("\r\n") + 1))


def test_unclosed_quote_at_the_end_is_a_problem_spanning_its_lines(tmp_path: Path) -> None:
    write(tmp_path, "eof.csv", 'CODICE;NOTE\r\nC1;ok\r\nC2;"aperta\r\nC3;persa\r\n')
    run = read_file(tmp_path, "eof.csv")
    assert [r.key for r in run.records] == ["C1"]
    [problem] = run.problems
    assert problem.reason.startswith(
        "eof.csv lines 3-4: cannot parse the row (unexpected end of data)"
    )


def test_text_after_a_closing_quote_is_a_problem_not_a_merged_row(tmp_path: Path) -> None:
    write(tmp_path, "q.csv", 'CODICE;NOTE\r\nC1;"Rossi" Mario\r\nC2;ok\r\n')
    run = read_file(tmp_path, "q.csv")
    assert [r.key for r in run.records] == ["C2"]
    [problem] = run.problems
    assert problem.reason.startswith("q.csv line 2: cannot parse the row")


def test_an_empty_file_is_an_error_naming_it(tmp_path: Path) -> None:
    write(tmp_path, "empty.csv", "")
    with pytest.raises(FileLayoutError) as caught:
        read_file(tmp_path, "empty.csv")
    assert str(caught.value).startswith("empty.csv: no key column 'CODICE'")


def test_a_header_without_rows_is_an_empty_complete_snapshot(tmp_path: Path) -> None:
    write(tmp_path, "none.csv", "CODICE;NOME\r\n")
    run = read_file(tmp_path, "none.csv")
    assert run.records == [] and run.problems == []
    assert run.items[-1].snapshot_complete  # type: ignore[union-attr]
