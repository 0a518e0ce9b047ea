"""Where a source record came from, and what in it could not be validated."""

from __future__ import annotations

from canonical.base import CanonicalModel
from canonical.fields import UtcDateTime


class Provenance(CanonicalModel):
    """The origin of one source record.

    Attributes:
        system: the source system ("salesforce", "odoo").
        connection: the configured connection it was read through.
        stream: the stream (object, table, endpoint) within the system ("Contact").
        external_id: the record's key in that stream.
        source_updated_at: when the source last changed the record.
        read_at: when the hub read it.
        content_hash: ``Party.content_hash()`` at read time.
    """

    system: str
    connection: str | None = None
    stream: str | None = None
    external_id: str
    source_updated_at: UtcDateTime | None = None
    read_at: UtcDateTime | None = None
    content_hash: str | None = None


class ValueIssue(CanonicalModel):
    """A value that failed validation, kept with the reason.

    Attributes:
        field: the path of the value in the party ("phones[0]", "person.birth_date").
        raw: the value as the source wrote it.
        reason: why it failed.
    """

    field: str
    raw: str
    reason: str
