"""Opening a CSV file as a table: delimiter, header row, then the data rows.

The layout (delimiter and header) is read from the first ``SAMPLE_LINES`` lines; the data rows
come from a second, streamed pass through ``DecodedLines`` and ``csv.reader`` (RFC 4180
quoting: ``"`` quotes, ``""`` inside quotes is one quote, line breaks allowed inside quotes).
"""

from __future__ import annotations

import csv
from itertools import islice

from connectors.builtin.file.config import StreamSettings
from connectors.builtin.file.decoding import DecodedLines, show_escaped_bytes
from connectors.builtin.file.dialect import sniff_delimiter
from connectors.builtin.file.encoding import DetectedEncoding
from connectors.builtin.file.errors import FileLayoutError
from connectors.builtin.file.header import HeaderLayout, SampleRow, TablePlace, find_header
from connectors.builtin.file.table import LineReader, Table, TableLayout

SAMPLE_LINES = 50
SAMPLE_CHUNK = 64 * 1024
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


def inspect_csv(settings: StreamSettings, encoding: DetectedEncoding) -> TableLayout:
    """The header of the CSV file, read from its first lines only (for ``discover``)."""
    delimiter, header = _read_layout(settings, encoding)
    return TableLayout(header, _describe(settings, encoding, delimiter, header))


def open_csv_table(settings: StreamSettings, encoding: DetectedEncoding) -> Table:
    """The CSV file as a ``Table`` positioned after its header (close it when done)."""
    delimiter, header = _read_layout(settings, encoding)
    raw = settings.path.open("rb")
    try:
        lines = DecodedLines(raw, encoding.codec, skip=encoding.bom_length)
        # strict: a quote left open at the end of the file, or text after a closing quote, is a
        # read problem, instead of rows silently merged into one cell.
        reader = lines.csv_reader(delimiter=delimiter, strict=True)
        _skip_to_data(reader, header.last_line)
    except BaseException:
        raw.close()
        raise
    return Table(
        reader=reader,
        header=header,
        place=TablePlace(settings.display_name, "line"),
        pad_short_rows=False,
        close=raw.close,
        damage=lines.damage,
        row_errors=(csv.Error,),
        encoding=encoding.codec,
        description=_describe(settings, encoding, delimiter, header),
    )


def _read_layout(settings: StreamSettings, encoding: DetectedEncoding) -> tuple[str, HeaderLayout]:
    """The delimiter (configured or sniffed) and the header, from the first lines."""
    place = TablePlace(settings.display_name, "line")
    wanted = max(SAMPLE_LINES, (settings.header_row or 0) + 1)
    with settings.path.open("rb") as raw:
        decoded = DecodedLines(
            raw, encoding.codec, skip=encoding.bom_length, chunk_size=SAMPLE_CHUNK
        )
        lines = list(islice(decoded, wanted))
    delimiter = settings.delimiter
    if delimiter == "auto":
        delimiter = sniff_delimiter(lines, settings.key)
    header = find_header(_sample_rows(lines, delimiter), settings.key, settings.header_row, place)
    garbled = [name for name in header.names if show_escaped_bytes(name) != name]
    if garbled:
        raise FileLayoutError(
            f"{settings.display_name} line {header.first_line}: the header has bytes that are not "
            f"valid {encoding.codec}: {', '.join(show_escaped_bytes(n) for n in garbled)}",
            hint="set encoding to the file's encoding (cp1252 for most Windows exports)",
        )
    return delimiter, header


def _describe(
    settings: StreamSettings, encoding: DetectedEncoding, delimiter: str, header: HeaderLayout
) -> str:
    return (
        f"{settings.display_name}: CSV, encoding {encoding.reason}, "
        f"{DELIMITER_NAMES.get(delimiter, repr(delimiter))}-separated, header on line "
        f"{header.first_line} with {header.width} columns"
    )


def _sample_rows(lines: list[str], delimiter: str) -> list[SampleRow]:
    reader = csv.reader(lines, delimiter=delimiter, strict=False)
    rows: list[SampleRow] = []
    last = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return rows
        except csv.Error:
            last = reader.line_num
            continue
        rows.append(SampleRow(last + 1, reader.line_num, cells))
        last = reader.line_num


def _skip_to_data(reader: LineReader, header_last_line: int) -> None:
    """Consume the lines up to and including the header."""
    while reader.line_num < header_last_line:
        try:
            next(reader)
        except StopIteration:
            return
        except csv.Error:
            continue
