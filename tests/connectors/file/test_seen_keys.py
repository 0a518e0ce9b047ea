"""SeenKeys: exact answers with a bounded number of keys in memory."""

from __future__ import annotations

import functools
import sqlite3
from pathlib import Path

import pytest

from connectors.builtin.file import rows
from connectors.builtin.file.seen_keys import SeenKeys
from connectors.sdk.errors import SourceUnavailable
from tests.connectors.file.helpers import read_file, write


def test_a_key_is_new_once() -> None:
    seen = SeenKeys()
    assert seen.first_time("C1") is True
    assert seen.first_time("C1") is False
    assert seen.first_time("C2") is True
    assert "C1" in seen and "C3" not in seen


def test_keys_spilled_to_disk_are_still_known_and_memory_holds_at_most_the_limit() -> None:
    seen = SeenKeys(recent_limit=100)
    keys = [f"K{i:06d}" for i in range(1_050)]
    assert all(seen.first_time(k) for k in keys)
    assert seen.spilled == 1_000  # ten spills of 100
    assert seen.in_memory == 50  # never more than the limit in memory
    assert not any(seen.first_time(k) for k in keys)  # every one known, spilled or recent
    assert seen.first_time("K999999") is True


def test_a_filter_that_always_answers_maybe_still_gives_exact_answers() -> None:
    """With an 8-bit filter every key's bits are set after the first spills: every lookup
    of a new key goes to disk, and the disk must say "not seen"."""
    seen = SeenKeys(recent_limit=10, filter_bits=8)
    keys = [f"K{i}" for i in range(200)]
    assert all(seen.first_time(k) for k in keys)
    assert seen._filter == bytearray(b"\xff")
    assert all(seen.first_time(f"new{i}") for i in range(50))
    assert not any(seen.first_time(k) for k in keys)


def test_close_deletes_what_was_spilled() -> None:
    seen = SeenKeys(recent_limit=2)
    for key in ("a", "b", "c"):
        seen.first_time(key)
    seen.close()
    assert seen.spilled == 0 and "a" not in seen
    assert seen.first_time("a") is True


@pytest.mark.parametrize("limit, bits", [(0, 1 << 10), (10, 12), (10, 4)])
def test_bad_sizes_are_refused(limit: int, bits: int) -> None:
    with pytest.raises(ValueError, match="power of two"):
        SeenKeys(recent_limit=limit, filter_bits=bits)


def test_a_file_repeating_a_key_long_after_it_was_spilled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rows, "SeenKeys", functools.partial(SeenKeys, recent_limit=7))
    lines = ["CODICE;NOME"] + [f"C{i};Nome {i}" for i in range(1, 41)] + ["C3 ;Again", "C40;Again"]
    write(tmp_path, "long.csv", "\r\n".join(lines) + "\r\n")
    run = read_file(tmp_path, "long.csv")
    assert [r.key for r in run.records] == [f"C{i}" for i in range(1, 41)]
    assert [(p.key, p.reason.split(":")[0]) for p in run.problems] == [
        ("C3", "long.csv line 42"),
        ("C40", "long.csv line 43"),
    ]


def test_a_temporary_directory_that_refuses_the_file_is_a_clear_error_naming_the_stream(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_connect = sqlite3.connect

    def refuse_temporary(database: str, *args: object, **kwargs: object) -> sqlite3.Connection:
        if database == "":  # SeenKeys' private temporary database
            raise sqlite3.OperationalError("unable to open database file")
        return real_connect(database, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(rows, "SeenKeys", functools.partial(SeenKeys, recent_limit=3))
    monkeypatch.setattr(sqlite3, "connect", refuse_temporary)
    write(tmp_path, "clienti.csv", "CODICE;NOME\r\n" + "".join(f"C{i};N{i}\r\n" for i in range(5)))
    with pytest.raises(SourceUnavailable, match="cannot keep the keys read so far on disk") as caught:
        read_file(tmp_path, "clienti.csv")
    message = str(caught.value)
    assert message.startswith("stream 'customers' (clienti.csv): ")
    assert "unable to open database file" in message
    assert "TMPDIR" in (caught.value.hint or "")
