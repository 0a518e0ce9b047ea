"""The one-time step of connecting an org that already holds customers: stamping the hub's id
on the Salesforce records the match linked to golden records.

A target record the hub did not create does not carry the golden id in ``Crmhub_Id__c``, so
the hub leaves it alone rather than upsert a duplicate beside it (``unlinked`` in a publish
plan). In a real org an administrator stamps the ids once with a data load; the demo does the
same on its fake org, as a Salesforce user, and says so.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from connectors.testing.fake_salesforce import OTHER_USER_ID, FakeSalesforce
from crmhub.store.schema import golden_records, source_records, xref

EXTERNAL_ID = "Crmhub_Id__c"


def matched_records(engine: Engine, connection: str) -> dict[tuple[str, str], str]:
    """(sObject, golden id) -> the newest live record of ``connection`` linked to a live golden
    record."""
    s, x, g = source_records.c, xref.c, golden_records.c
    query = (
        sa.select(s.stream, x.golden_id, s.source_key)
        .join_from(xref, source_records, x.source_record_id == s.id)
        .join(golden_records, g.id == x.golden_id)
        .where(
            s.connection == connection,
            s.deleted.is_(False),
            g.redirect_to.is_(None),
            g.retired_at.is_(None),
        )
        .order_by(s.updated_at)
    )
    with engine.connect() as conn:
        return {(stream, gid): key for stream, gid, key in conn.execute(query)}


def stamp_golden_ids(engine: Engine, fake: FakeSalesforce, connection: str = "salesforce") -> int:
    """Stamp each matched record's golden id where the org has no record carrying it yet;
    how many records were stamped."""
    stamped = 0
    for (sobject, golden_id), record_id in sorted(matched_records(engine, connection).items()):
        if fake.find(sobject, EXTERNAL_ID, golden_id):
            continue
        fake.touch(
            sobject, [record_id], same_second=True, changes={EXTERNAL_ID: golden_id},
            by=OTHER_USER_ID,
        )  # fmt: skip
        stamped += 1
    return stamped
