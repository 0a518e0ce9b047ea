"""Reading a file again: unchanged -> nothing but a checkpoint; changed -> a complete snapshot."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from connectors.sdk.errors import ConfigError, SourceUnavailable
from connectors.sdk.records import Checkpoint, SourceRecord
from connectors.testing.contract_tests import read_all

from .helpers import STREAM, connector_for, read_file, write

EXPORT = "CODICE;NOME\r\nC1;Mario\r\nC2;Anna\r\nC3;Luca\r\n"


def test_first_read_ends_with_a_complete_snapshot_checkpoint(tmp_path: Path) -> None:
    path = write(tmp_path, "clienti.csv", EXPORT)
    run = read_file(tmp_path, "clienti.csv")
    assert [r.key for r in run.records] == ["C1", "C2", "C3"]
    final = run.items[-1]
    assert isinstance(final, Checkpoint) and final.snapshot_complete
    state = json.loads(json.dumps(final.state))  # JSON-safe, as the engine stores it
    assert state["file"]["size"] == path.stat().st_size
    assert state["rows"] == 3 and state["problems"] == 0


def test_unchanged_file_yields_only_a_checkpoint(tmp_path: Path) -> None:
    write(tmp_path, "clienti.csv", EXPORT)
    first = read_file(tmp_path, "clienti.csv")
    again = read_file(tmp_path, "clienti.csv", state=first.state)
    assert again.records == [] and again.problems == []
    [checkpoint] = again.items
    assert isinstance(checkpoint, Checkpoint)
    assert checkpoint.snapshot_complete is False
    assert checkpoint.state == first.state


def test_same_bytes_with_a_new_mtime_is_unchanged(tmp_path: Path) -> None:
    path = write(tmp_path, "clienti.csv", EXPORT)
    first = read_file(tmp_path, "clienti.csv")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**10))
    assert read_file(tmp_path, "clienti.csv", state=first.state).records == []


def test_changed_bytes_with_the_old_mtime_are_read_again(tmp_path: Path) -> None:
    path = write(tmp_path, "clienti.csv", EXPORT)
    mtime = path.stat().st_mtime_ns
    first = read_file(tmp_path, "clienti.csv")
    write(tmp_path, "clienti.csv", EXPORT.replace("Mario", "Maria"))  # same size
    os.utime(path, ns=(mtime, mtime))  # copied with its old timestamp
    again = read_file(tmp_path, "clienti.csv", state=first.state)
    assert [r.data["NOME"] for r in again.records] == ["Maria", "Anna", "Luca"]


def test_removed_row_gives_a_complete_snapshot_without_its_key(tmp_path: Path) -> None:
    write(tmp_path, "clienti.csv", EXPORT)
    first = read_file(tmp_path, "clienti.csv")
    write(tmp_path, "clienti.csv", EXPORT.replace("C2;Anna\r\n", ""))
    second = read_file(tmp_path, "clienti.csv", state=first.state)
    assert [r.key for r in second.records] == ["C1", "C3"]
    final = second.items[-1]
    assert isinstance(final, Checkpoint) and final.snapshot_complete
    assert final.state != first.state


def test_changing_the_settings_reads_an_unchanged_file_again(tmp_path: Path) -> None:
    write(tmp_path, "clienti.csv", EXPORT)
    first = read_file(tmp_path, "clienti.csv")
    again = read_file(tmp_path, "clienti.csv", key=["NOME"], state=first.state)
    assert [r.key for r in again.records] == ["Mario", "Anna", "Luca"]


def test_state_of_another_shape_means_a_full_read(tmp_path: Path) -> None:
    write(tmp_path, "clienti.csv", EXPORT)
    for state in ({"version": 999}, {"cursor": "x"}, {"version": 1, "file": "?"}):
        assert len(read_file(tmp_path, "clienti.csv", state=state).records) == 3


def test_intermediate_checkpoints_keep_the_previous_state(tmp_path: Path) -> None:
    write(tmp_path, "clienti.csv", EXPORT)
    first = read_file(tmp_path, "clienti.csv")
    rows = "".join(f"C{i};Nome {i}\r\n" for i in range(10, 35))
    write(tmp_path, "clienti.csv", EXPORT + rows)
    run = read_file(tmp_path, "clienti.csv", state=first.state, top={"checkpoint_every": 10})
    checkpoints = [i for i, item in enumerate(run.items) if isinstance(item, Checkpoint)]
    assert checkpoints == [10, 21, 30]  # after 10 and 20 of the 28 rows, and at the end
    *inner, last = [run.items[i] for i in checkpoints]
    assert all(c.state == first.state and not c.snapshot_complete for c in inner)  # type: ignore[union-attr]
    assert last.snapshot_complete and last.state["rows"] == 28  # type: ignore[union-attr]


def test_an_interrupted_read_resumed_from_its_last_checkpoint_reads_the_file_again(
    tmp_path: Path,
) -> None:
    write(tmp_path, "clienti.csv", EXPORT)
    first = read_file(tmp_path, "clienti.csv")
    write(tmp_path, "clienti.csv", EXPORT + "".join(f"C{i};x\r\n" for i in range(10, 40)))
    connector = connector_for(tmp_path, "clienti.csv", top={"checkpoint_every": 5})
    saved = first.state
    for item in connector.read(STREAM, first.state):
        if isinstance(item, Checkpoint):
            saved = item.state
        if isinstance(item, SourceRecord) and item.key == "C20":
            break  # the process dies here
    rerun = read_all(connector, STREAM, saved)
    assert len(rerun.records) == 33  # every row again: the final snapshot must name all keys
    assert rerun.items[-1].snapshot_complete  # type: ignore[union-attr]


def test_missing_file_raises_and_yields_no_checkpoint(tmp_path: Path) -> None:
    connector = connector_for(tmp_path, "clienti.csv")
    reader = connector.read(STREAM, None)
    with pytest.raises(SourceUnavailable) as caught:
        next(reader)  # raises before yielding anything, not even a checkpoint
    assert "file not found" in str(caught.value) and "clienti.csv" in str(caught.value)


def test_a_wildcard_path_is_not_expanded(tmp_path: Path) -> None:
    write(tmp_path, "clienti_2025.csv", EXPORT)
    with pytest.raises(SourceUnavailable) as caught:
        read_file(tmp_path, "clienti_*.csv")
    assert "wildcards are not expanded" in str(caught.value)


def test_xlsx_unchanged_yields_only_a_checkpoint(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["CODICE", "NOME"])
    book.active.append(["C1", "Mario"])
    book.save(tmp_path / "c.xlsx")
    first = read_file(tmp_path, "c.xlsx")
    assert [r.key for r in first.records] == ["C1"]
    again = read_file(tmp_path, "c.xlsx", state=first.state)
    assert again.records == [] and len(again.items) == 1


def test_a_folder_is_not_a_file(tmp_path: Path) -> None:
    (tmp_path / "exports.csv").mkdir()
    with pytest.raises(ConfigError) as caught:
        read_file(tmp_path, "exports.csv")
    assert "is a folder, not a file" in str(caught.value)
