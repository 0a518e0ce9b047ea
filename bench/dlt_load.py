"""The peer: dlt loading a CSV file into SQLite with write_disposition="merge" on the record key.

Run as ``python bench/dlt_load.py CSV DB_FILE KEY`` (a subprocess of the benchmark, so its
time and memory are measured the same way as crmhub's).
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from pathlib import Path


def main(csv_path: str, db_file: str, key: str, encoding: str = "utf-8", delimiter: str = ";") -> None:
    import dlt

    @dlt.resource(name="customers", primary_key=key, write_disposition="merge")
    def customers() -> Iterator[dict[str, str]]:
        with open(csv_path, newline="", encoding=encoding) as handle:
            yield from csv.DictReader(handle, delimiter=delimiter)

    pipeline = dlt.pipeline(
        pipeline_name="bench_customers",
        destination=dlt.destinations.sqlalchemy(f"sqlite:///{Path(db_file).resolve()}"),
        dataset_name="main",
        pipelines_dir=str(Path(db_file).resolve().parent / "dlt_pipelines"),
        progress="log" if "--progress" in sys.argv else None,
    )
    info = pipeline.run(customers())
    print(info)


if __name__ == "__main__":
    main(*[a for a in sys.argv[1:] if not a.startswith("--")])
