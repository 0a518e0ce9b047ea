"""Which text encoding a CSV file uses.

The decision, in order:

1. an encoding set in the configuration wins (a byte-order mark of the same family is skipped);
2. a byte-order mark: UTF-8, UTF-16 LE or BE;
3. the bytes read as UTF-8: all of them, or clearly most of them (more valid multi-byte sequences
   than invalid bytes: a UTF-8 export with a few damaged rows, whose rows become read problems);
4. otherwise a legacy single-byte encoding, chosen by charset-normalizer among the ones Italian
   (and Western European) exports use, on a sample around the first byte that is not UTF-8.

The evidence for step 3 is gathered chunk by chunk (``Utf8Evidence.feed``), so a read can collect
it over the whole file during the fingerprint pass it makes anyway: an export whose first
accented letter comes after the first 64 KiB is still recognised. Pure-ASCII chunks cost nothing.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

# Byte-order marks and the stateless codec that decodes what follows them.
BYTE_ORDER_MARKS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Configured codecs that carry their own BOM handling, and the BOM-less codec we decode with.
BOM_AWARE_CODECS = {"utf-8-sig": "utf-8", "utf-16": "utf-16-le"}
# Single-byte encodings charset-normalizer may choose from (its unrestricted guesses on short
# Italian samples include Vietnamese and Baltic code pages).
LEGACY_CANDIDATES = ("cp1252", "latin_1", "iso8859_15", "cp850")
FALLBACK_LEGACY = "cp1252"
SAMPLE_SIZE = 64 * 1024
# After this many valid multi-byte characters and no invalid byte (or the reverse) the verdict
# cannot change any more, and later chunks are not examined.
SETTLED_AFTER = 4096
_HIGH_BYTES = bytes(range(0x80, 0x100))


@dataclass(frozen=True, slots=True)
class DetectedEncoding:
    """How to decode a file: ``codec`` (stateless) after skipping ``bom_length`` bytes."""

    codec: str
    bom_length: int
    reason: str


class Utf8Evidence:
    """How well a file's bytes read as UTF-8, accumulated over chunks fed in file order."""

    def __init__(self) -> None:
        self.head = b""
        self.multibyte_chars = 0
        self.invalid_bytes = 0
        self.legacy_sample: bytes | None = None
        self._tail = b""

    @property
    def settled(self) -> bool:
        """True when further chunks cannot change the verdict."""
        return (self.multibyte_chars >= SETTLED_AFTER and not self.invalid_bytes) or (
            self.invalid_bytes >= SETTLED_AFTER and not self.multibyte_chars
        )

    def feed(self, chunk: bytes) -> None:
        """Examine the next chunk of the file."""
        if len(self.head) < 4:
            self.head += chunk[: 4 - len(self.head)]
        if self.settled:
            return
        data = self._tail + chunk if self._tail else chunk
        if data.isascii():
            self._tail = b""
            return
        data, self._tail = _split_incomplete_tail(data)
        text = data.decode("utf-8", "ignore")
        invalid = len(data) - len(text.encode("utf-8"))
        ascii_bytes = len(data.translate(None, _HIGH_BYTES))
        self.multibyte_chars += len(text) - ascii_bytes
        if invalid:
            self.invalid_bytes += invalid
            if self.legacy_sample is None:
                self.legacy_sample = _window_around_first_error(data)

    def finish(self) -> None:
        """Account for an incomplete sequence at the very end of the file."""
        if self._tail:
            self.invalid_bytes += len(self._tail)
            if self.legacy_sample is None:
                self.legacy_sample = self._tail
            self._tail = b""


def sample_evidence(path: Path, size: int = SAMPLE_SIZE) -> Utf8Evidence:
    """Evidence from the first ``size`` bytes of ``path`` only (enough to read a header)."""
    evidence = Utf8Evidence()
    with path.open("rb") as raw:
        evidence.feed(raw.read(size))
    return evidence


def detect_encoding(configured: str, evidence: Utf8Evidence) -> DetectedEncoding:
    """The encoding to decode the file with (see the module docstring for the order)."""
    bom = _byte_order_mark(evidence.head)
    if configured != "auto":
        name = codecs.lookup(configured).name
        codec = BOM_AWARE_CODECS.get(name, name)
        if bom is not None and _same_family(bom[1], codec):
            return DetectedEncoding(bom[1], len(bom[0]), f"{configured} (configured)")
        return DetectedEncoding(codec, 0, f"{configured} (configured)")
    if bom is not None:
        return DetectedEncoding(bom[1], len(bom[0]), f"{bom[1]} (byte-order mark)")
    if not evidence.invalid_bytes:
        return DetectedEncoding("utf-8", 0, "utf-8 (every byte is valid UTF-8)")
    if evidence.multibyte_chars > evidence.invalid_bytes:
        return DetectedEncoding(
            "utf-8",
            0,
            f"utf-8 ({evidence.multibyte_chars} valid multi-byte characters, "
            f"{evidence.invalid_bytes} invalid bytes)",
        )
    legacy = guess_legacy_encoding(evidence.legacy_sample or b"")
    return DetectedEncoding(legacy, 0, f"{legacy} (not UTF-8; guessed by charset-normalizer)")


def guess_legacy_encoding(sample: bytes) -> str:
    """The single-byte encoding charset-normalizer finds most plausible for ``sample``."""
    from charset_normalizer import from_bytes  # only a file that is not UTF-8 needs it

    best = from_bytes(sample, cp_isolation=list(LEGACY_CANDIDATES)).best()
    if best is None:
        return FALLBACK_LEGACY
    return codecs.lookup(best.encoding).name


def _byte_order_mark(head: bytes) -> tuple[bytes, str] | None:
    for mark, codec in BYTE_ORDER_MARKS:
        if head.startswith(mark):
            return mark, codec
    return None


def _same_family(bom_codec: str, codec: str) -> bool:
    return bom_codec == codec or (bom_codec.startswith("utf-16") and codec.startswith("utf-16"))


def _split_incomplete_tail(data: bytes) -> tuple[bytes, bytes]:
    """Split off a multi-byte UTF-8 sequence cut by the chunk boundary (it continues next chunk)."""
    for back in range(1, min(4, len(data)) + 1):
        byte = data[-back]
        if byte < 0x80:
            return data, b""
        if byte >= 0xC0:  # a lead byte: how long should its sequence be?
            needed = 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4
            return (data[:-back], data[-back:]) if back < needed else (data, b"")
    return data, b""


def _window_around_first_error(data: bytes) -> bytes:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        start = max(0, exc.start - SAMPLE_SIZE // 2)
        return data[start : start + SAMPLE_SIZE]
    return data[:SAMPLE_SIZE]
