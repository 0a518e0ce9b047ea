"""The ``file`` connector's configuration, and the settings of one stream once resolved.

A connection lists its streams (one file each) and may set, at the top level, defaults that every
stream inherits unless it sets its own::

    type: file
    encoding: auto          # default for every stream
    delimiter: auto
    streams:
      customers:
        path: exports/clienti.csv
        key: [CODICE]
      contacts:
        path: contatti.xlsx
        sheet: Contatti
        key: [CODICE_CLIENTE, EMAIL]
        header_row: 3
"""

from __future__ import annotations

import codecs
import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path, PurePath
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator, model_validator

from connectors.sdk.contract import ConnectorConfig

FileFormat = Literal["csv", "xlsx"]
HeaderRow = Literal["auto"] | Annotated[int, Field(ge=1)]

# What a file extension says about the format; the policy lives here, not in a chain of ifs.
FORMAT_BY_EXTENSION: dict[str, FileFormat] = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
}
UNSUPPORTED_EXTENSIONS: dict[str, str] = {
    ".xls": "the Excel 97-2003 format (.xls) is not supported: save the file as .xlsx or CSV",
    ".ods": "OpenDocument spreadsheets (.ods) are not supported: save the file as .xlsx or CSV",
    ".xlsb": "binary Excel workbooks (.xlsb) are not supported: save the file as .xlsx or CSV",
}
DELIMITER_ALIASES = {"tab": "\t", "\\t": "\t"}
GLOB_CHARACTERS = frozenset("*?[")


def _check_encoding(value: str) -> str:
    if value == "auto":
        return value
    try:
        return codecs.lookup(value).name
    except LookupError:
        raise ValueError(
            f"unknown encoding {value!r}; use 'auto' or a Python codec name such as "
            "'utf-8', 'utf-8-sig', 'cp1252' or 'latin-1'"
        ) from None


def _check_delimiter(value: str) -> str:
    if value == "auto":
        return value
    value = DELIMITER_ALIASES.get(value, value)
    if len(value) != 1 or value in '"\r\n':
        raise ValueError(
            f"delimiter must be 'auto', 'tab' or one character other than a quote or a line "
            f"break, not {value!r}"
        )
    return value


Encoding = Annotated[str, AfterValidator(_check_encoding)]
Delimiter = Annotated[str, AfterValidator(_check_delimiter)]


class FileStreamConfig(ConnectorConfig):
    """One stream: one CSV or XLSX file. Options left unset inherit the connection's defaults."""

    path: str = Field(
        description=(
            "The file to read. A relative path is resolved against the project folder "
            "(base_dir). One literal file per stream: wildcards are not expanded, because a "
            "stream is a complete snapshot and a pattern matching a different set of files on "
            "each run would turn the missing ones into deletions."
        ),
        min_length=1,
    )
    key: list[str] = Field(
        description=(
            "Header names of the column(s) that identify a row, e.g. [CODICE]. Several columns "
            "form a composite key joined with '|'. Required: it is also how the header row is "
            "found below title lines."
        ),
        min_length=1,
    )
    format: FileFormat | None = Field(
        default=None,
        description=(
            "csv or xlsx; by default taken from the extension (.csv .txt .tsv / .xlsx .xlsm)."
        ),
    )
    sheet: str | None = Field(
        default=None, description="XLSX only: the worksheet to read; the first sheet when unset."
    )
    encoding: Encoding | None = Field(
        default=None,
        description="CSV only: 'auto' or a codec name (utf-8, utf-8-sig, cp1252, latin-1...).",
    )
    delimiter: Delimiter | None = Field(
        default=None,
        description="CSV only: 'auto' (sniffed among ; , tab |), 'tab', or one character.",
    )
    header_row: HeaderRow | None = Field(
        default=None,
        description=(
            "'auto' (the first row holding every key column) or the 1-based line (CSV) / row "
            "(XLSX) number of the header."
        ),
    )
    skip_blank_rows: bool | None = Field(
        default=None,
        description="Skip rows whose cells are all empty or blank instead of reporting them.",
    )

    @field_validator("key")
    @classmethod
    def _distinct_key_columns(cls, value: list[str]) -> list[str]:
        names = [name.strip() for name in value]
        if any(not name for name in names):
            raise ValueError("key column names must not be empty")
        if len(set(names)) != len(names):
            raise ValueError(f"key lists a column twice: {value}")
        return names

    @model_validator(mode="after")
    def _format_is_known(self) -> FileStreamConfig:
        if self.format is None:
            file_format_for(self.path)  # raises a ValueError naming the extension
        if self.sheet is not None and self.resolved_format() != "xlsx":
            raise ValueError("sheet applies to XLSX files only")
        return self

    def resolved_format(self) -> FileFormat:
        """The declared format, or the one the file's extension implies."""
        return self.format or file_format_for(self.path)


class FileConnectorConfig(ConnectorConfig):
    """Configuration of a ``type: file`` connection: CSV and XLSX exports, one file per stream."""

    streams: dict[str, FileStreamConfig] = Field(
        description="Stream name -> the file it reads and how.", min_length=1
    )
    base_dir: str | None = Field(
        default=None,
        description=(
            "Folder that relative stream paths are resolved against; the engine sets it to the "
            "project folder (where crmhub.yaml lives). Defaults to the current directory."
        ),
    )
    encoding: Encoding = Field(
        default="auto",
        description=(
            "Default CSV encoding: 'auto' detects UTF-8 (with or without BOM), UTF-16 with BOM, "
            "and legacy single-byte encodings such as Windows-1252; or a codec name."
        ),
    )
    delimiter: Delimiter = Field(
        default="auto",
        description=(
            "Default CSV delimiter: 'auto' (sniffed among ; , tab |), 'tab', or one character."
        ),
    )
    header_row: HeaderRow = Field(
        default="auto",
        description="Default header position: 'auto' or a 1-based line/row number.",
    )
    skip_blank_rows: bool = Field(
        default=True, description="Default: skip rows whose cells are all empty or blank."
    )
    checkpoint_every: int = Field(
        default=10_000,
        ge=1,
        description=(
            "Rows between intermediate checkpoints, so the engine can commit a large file in "
            "batches. Intermediate checkpoints keep the previous state: an interrupted read "
            "starts the file again (the engine skips rows it already stored)."
        ),
    )

    @field_validator("streams")
    @classmethod
    def _stream_names(cls, value: dict[str, FileStreamConfig]) -> dict[str, FileStreamConfig]:
        blank = [name for name in value if not name.strip()]
        if blank:
            raise ValueError("stream names must not be empty")
        return value

    def settings(self, stream: str) -> StreamSettings:
        """The resolved settings of ``stream`` (which must be configured)."""
        own = self.streams[stream]
        header_row = own.header_row if own.header_row is not None else self.header_row
        base = Path(self.base_dir) if self.base_dir else Path.cwd()
        return StreamSettings(
            name=stream,
            path=base / own.path,
            display_name=own.path,
            format=own.resolved_format(),
            key=tuple(own.key),
            sheet=own.sheet,
            encoding=own.encoding or self.encoding,
            delimiter=own.delimiter or self.delimiter,
            header_row=None if header_row == "auto" else int(header_row),
            skip_blank_rows=(
                own.skip_blank_rows if own.skip_blank_rows is not None else self.skip_blank_rows
            ),
        )


@dataclass(frozen=True, slots=True)
class StreamSettings:
    """Everything needed to read one stream, defaults applied.

    ``encoding`` and ``delimiter`` are ``"auto"`` or concrete; ``header_row`` is None for auto.
    ``display_name`` is the path as configured, used in positions and messages.
    """

    name: str
    path: Path
    display_name: str
    format: FileFormat
    key: tuple[str, ...]
    sheet: str | None
    encoding: str
    delimiter: str
    header_row: int | None
    skip_blank_rows: bool

    def digest(self) -> str:
        """A short hash of the options that change what a read yields (not of the location).

        Stored in the state, so that changing the key or the encoding re-reads an unchanged file.
        """
        options = asdict(self)
        for location in ("name", "path", "display_name"):
            options.pop(location)
        blob = json.dumps(options, sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()[:16]

    def has_glob_characters(self) -> bool:
        """True when the configured path looks like a wildcard pattern."""
        return any(ch in GLOB_CHARACTERS for ch in self.display_name)


def file_format_for(path: str) -> FileFormat:
    """The format a file name's extension implies; a ``ValueError`` with advice otherwise."""
    suffix = PurePath(path).suffix.lower()
    if suffix in FORMAT_BY_EXTENSION:
        return FORMAT_BY_EXTENSION[suffix]
    if suffix in UNSUPPORTED_EXTENSIONS:
        raise ValueError(f"{path}: {UNSUPPORTED_EXTENSIONS[suffix]}")
    raise ValueError(
        f"cannot tell the format of {path!r} from its extension; set format: csv or format: xlsx"
    )
