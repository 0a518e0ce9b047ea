"""Text lines from a binary file, with every undecodable byte kept and accounted for.

The file is read in large chunks cut at a line break and each chunk is decoded in one call,
strictly. A chunk that fails is decoded again with the ``crmhub.escape`` error handler (like
``surrogateescape``: each bad byte becomes the lone surrogate U+DC00 + byte, so nothing is
replaced by a guess; unlike it, it also escapes bytes below 0x80, which UTF-16 needs), and
every bad byte is logged in ``damage`` under its physical line number, with its byte offset in
the file. The row reader asks the log about the lines of each row only while the log is not
empty: clean files pay nothing.

Lines are split as ``open(newline="")`` splits them (``\\n``, ``\\r\\n`` and a lone ``\\r``), which
is what the ``csv`` module expects, so its ``line_num`` counts the same physical lines.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import chain
from typing import Any, BinaryIO

CHUNK_SIZE = 1 << 20
ESCAPE_ERRORS = "crmhub.escape"
_ESCAPED_BYTE = re.compile("[\udc00-\udcff]")


def _escape_bytes(exc: UnicodeError) -> tuple[str | bytes, int]:
    """Decode: bad byte b -> U+DC00+b. Encode: the reverse, so byte lengths can be measured."""
    if isinstance(exc, UnicodeDecodeError):
        return "".join(chr(0xDC00 + byte) for byte in exc.object[exc.start : exc.end]), exc.end
    if isinstance(exc, UnicodeEncodeError):
        chars = exc.object[exc.start : exc.end]
        if all(0xDC00 <= ord(ch) <= 0xDCFF for ch in chars):
            return bytes(ord(ch) - 0xDC00 for ch in chars), exc.end
    raise exc


codecs.register_error(ESCAPE_ERRORS, _escape_bytes)


def show_escaped_bytes(text: str) -> str:
    """``text`` with each escaped bad byte shown as ``\\xNN`` (storable, readable)."""
    return _ESCAPED_BYTE.sub(lambda match: f"\\x{ord(match.group()) - 0xDC00:02x}", text)


@dataclass(frozen=True, slots=True)
class BadByte:
    """A byte the encoding cannot decode: where it is in the file and what it is."""

    offset: int
    value: int

    def __str__(self) -> str:
        return f"byte offset {self.offset} (0x{self.value:02X})"


Damage = dict[int, list[BadByte]]


class DecodedLines:
    """Iterates the decoded lines of ``raw`` (positioned at its start).

    ``skip`` bytes are dropped first (a byte-order mark). ``codec`` must be stateless (no BOM
    handling of its own), as ``encoding.detect_encoding`` guarantees. Line numbers in ``damage``
    are exact when the consumer was built with ``csv_reader`` (its ``line_num`` tells how many
    lines were taken before each new chunk is decoded).
    """

    def __init__(
        self, raw: BinaryIO, codec: str, *, skip: int = 0, chunk_size: int = CHUNK_SIZE
    ) -> None:
        self.codec = codec
        self.damage: Damage = {}
        self._raw = raw
        self._skip = skip
        self._chunk_size = chunk_size
        self._newline = "\n".encode(codec)
        self._carriage_return = "\r".encode(codec)
        self._unit = len(self._newline)  # code unit width: 1, or 2 for UTF-16
        self._lines_taken: Callable[[], int] = lambda: 0

    def csv_reader(self, **fmtparams: Any) -> Any:
        """A ``csv.reader`` over these lines, wired so that damaged lines get exact numbers."""
        reader = csv.reader(iter(self), **fmtparams)
        self._lines_taken = lambda: reader.line_num
        return reader

    def __iter__(self) -> Iterator[str]:
        return chain.from_iterable(self._chunks())

    def _chunks(self) -> Iterator[io.StringIO]:
        raw, size = self._raw, self._chunk_size
        if self._skip:
            raw.read(self._skip)
        offset = self._skip
        pending = b""
        while block := raw.read(size):
            data = pending + block if pending else block
            cut = self._cut(data)
            if cut == 0:  # no line break yet: a very long line, keep reading
                pending = data
                continue
            pending = data[cut:]
            yield io.StringIO(self._decode(data[:cut], offset), newline="")
            offset += cut
        if pending:
            yield io.StringIO(self._decode(pending, offset), newline="")

    def _cut(self, data: bytes) -> int:
        """The end of the last complete line in ``data`` (0 when there is none)."""
        end = _rfind_aligned(data, self._newline, self._unit)
        if end >= 0:
            return end + self._unit
        # Old Mac exports end lines with a lone CR; never cut between CR and a following LF.
        end = _rfind_aligned(data, self._carriage_return, self._unit, stop=len(data) - self._unit)
        return end + self._unit if end >= 0 else 0

    def _decode(self, data: bytes, offset: int) -> str:
        try:
            return data.decode(self.codec)
        except UnicodeDecodeError:
            text = data.decode(self.codec, ESCAPE_ERRORS)
            self._log_damage(text, offset)
            return text

    def _log_damage(self, text: str, offset: int) -> None:
        """Record every escaped byte of ``text`` (which starts at byte ``offset``) by line."""
        line = self._lines_taken() + 1
        position = offset
        for line_text in io.StringIO(text, newline=""):
            found = [
                BadByte(
                    position + self._byte_length(line_text[: match.start()]),
                    ord(match.group()) - 0xDC00,
                )
                for match in _ESCAPED_BYTE.finditer(line_text)
            ]
            if found:
                self.damage[line] = found
            position += self._byte_length(line_text)
            line += 1

    def _byte_length(self, text: str) -> int:
        return len(text.encode(self.codec, ESCAPE_ERRORS))


def take_damage(damage: Damage, first_line: int, last_line: int) -> list[BadByte]:
    """Remove and return the bad bytes of lines ``first_line..last_line``.

    Entries for earlier lines (title lines skipped before the header) are dropped on the way:
    the log is filled in line order, so it is consumed from the front.
    """
    found: list[BadByte] = []
    while damage:
        line = next(iter(damage))
        if line > last_line:
            break
        bad = damage.pop(line)
        if line >= first_line:
            found.extend(bad)
    return found


def _rfind_aligned(data: bytes, needle: bytes, unit: int, stop: int | None = None) -> int:
    """``data.rfind(needle)`` restricted to positions that are multiples of ``unit``."""
    end = len(data) if stop is None else stop
    position = data.rfind(needle, 0, end)
    while position > 0 and position % unit:
        position = data.rfind(needle, 0, position + len(needle) - 1)
    return position
