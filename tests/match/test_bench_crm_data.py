"""The benchmark's CSV loader: records built in parallel parts come back whole and in order."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[2] / "bench" / "match"))

import crm_data
import generate_crm


@pytest.mark.parametrize("workers", [1, 2, 3, 7])
def test_parallel_parts_give_the_serial_records_in_file_order(tmp_path: Path, workers: int) -> None:
    path = tmp_path / "crm.csv"
    generate_crm.write_csv(path, 300, seed=5)
    serial = [crm_data.to_record(row) for row in crm_data.read_rows(path)]
    assert list(crm_data.read_records(path, workers)) == serial
