"""Encoding detection and chunked decoding, down to the chunk boundaries."""

from __future__ import annotations

import codecs
import csv
import io

from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.builtin.file.decoding import BadByte, DecodedLines, take_damage
from connectors.builtin.file.encoding import Utf8Evidence, detect_encoding

ITALIAN = (
    "CODICE;NOME;CITTA\r\nC1;Niccolò;Città di Castello\r\nC2;Perché sì;Forlì\r\nC3;Zoë;Cantù\r\n"
)


def evidence_of(data: bytes, chunk: int = 1 << 20) -> Utf8Evidence:
    evidence = Utf8Evidence()
    for start in range(0, len(data), chunk):
        evidence.feed(data[start : start + chunk])
    evidence.finish()
    return evidence


def test_utf8_split_across_chunks_is_still_valid() -> None:
    evidence = evidence_of(ITALIAN.encode(), chunk=1)  # every multi-byte character is cut
    assert evidence.invalid_bytes == 0
    assert evidence.multibyte_chars == sum(1 for ch in ITALIAN if ord(ch) > 127)
    assert detect_encoding("auto", evidence).codec == "utf-8"


def test_windows_1252_is_not_utf8() -> None:
    detected = detect_encoding("auto", evidence_of(ITALIAN.encode("cp1252")))
    assert detected.codec == "cp1252"
    assert "charset-normalizer" in detected.reason


def test_dos_code_page_850_is_recognised() -> None:
    text = ITALIAN * 20  # enough text for the statistics to speak
    assert detect_encoding("auto", evidence_of(text.encode("cp850"))).codec == "cp850"


def test_utf8_with_a_few_damaged_bytes_stays_utf8() -> None:
    data = ITALIAN.encode() + b"C4;Ros\xe8\r\n"
    evidence = evidence_of(data)
    assert (evidence.invalid_bytes, evidence.multibyte_chars) == (1, 7)  # ò à é ì ì ë ù
    assert detect_encoding("auto", evidence).codec == "utf-8"


def test_truncated_sequence_at_the_end_counts_as_invalid() -> None:
    assert evidence_of("Città".encode()[:-1]).invalid_bytes == 1


def test_byte_order_marks_and_configured_encodings() -> None:
    bom8 = evidence_of(codecs.BOM_UTF8 + b"CODICE\r\n")
    for configured in ("auto", "utf-8", "utf-8-sig"):
        detected = detect_encoding(configured, bom8)
        assert (detected.codec, detected.bom_length) == ("utf-8", 3), configured
    bom16 = evidence_of(codecs.BOM_UTF16_LE + "CODICE".encode("utf-16-le"))
    assert (detect_encoding("auto", bom16).codec, detect_encoding("auto", bom16).bom_length) == (
        "utf-16-le",
        2,
    )
    assert (
        detect_encoding("utf-16", bom16).codec,
        detect_encoding("utf-16", bom16).bom_length,
    ) == ("utf-16-le", 2)
    plain = evidence_of(b"CODICE\r\n")
    assert (
        detect_encoding("latin-1", plain).codec,
        detect_encoding("latin-1", plain).bom_length,
    ) == ("iso8859-1", 0)


def lines_of(
    data: bytes, codec: str, chunk_size: int, skip: int = 0
) -> tuple[list[list[str]], dict[int, list[BadByte]]]:
    decoded = DecodedLines(io.BytesIO(data), codec, skip=skip, chunk_size=chunk_size)
    rows = list(decoded.csv_reader(delimiter=";"))
    return rows, decoded.damage


@settings(max_examples=200, deadline=None)
@given(
    lines=st.lists(st.text(alphabet='ab;è"€ \u00e0', max_size=12), max_size=12),
    ending=st.sampled_from(["\n", "\r\n", "\r"]),
    chunk_size=st.integers(min_value=1, max_value=40),
    codec=st.sampled_from(["utf-8", "utf-16-le", "cp1252"]),
)
def test_chunked_decoding_reads_what_one_whole_decode_reads(
    lines: list[str], ending: str, chunk_size: int, codec: str
) -> None:
    text = ending.join(lines)
    data = text.encode(codec)
    expected = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    rows, damage = lines_of(data, codec, chunk_size)
    assert rows == expected
    assert damage == {}


def test_damage_is_logged_by_physical_line_with_file_offsets_across_chunks() -> None:
    data = "A;B\r\nC1;è\r\n".encode() + b"C2;\xff\xfe\r\n" + b'C3;"x\r\ny"\r\n' + b"C4;z\x80\r\n"
    for chunk_size in (1, 3, 8, 1 << 20):
        rows, damage = lines_of(data, "utf-8", chunk_size)
        assert rows[2] == ["C2", "\udcff\udcfe"]
        assert damage == {
            3: [BadByte(data.index(b"\xff"), 0xFF), BadByte(data.index(b"\xfe"), 0xFE)],
            6: [BadByte(data.index(b"\x80"), 0x80)],
        }, chunk_size


def test_take_damage_returns_a_rows_lines_and_drops_earlier_ones() -> None:
    damage = {
        1: [BadByte(3, 0x81)],
        4: [BadByte(40, 0x90)],
        5: [BadByte(52, 0x9D)],
        9: [BadByte(99, 0x8D)],
    }
    assert take_damage(damage, 4, 5) == [BadByte(40, 0x90), BadByte(52, 0x9D)]
    assert list(damage) == [9]  # line 1 (before the row) is dropped, line 9 kept for later
    assert take_damage(damage, 6, 8) == []
    assert list(damage) == [9]
