"""The inputs hash of a golden record: a fingerprint of everything its content is computed from.

Survivorship is a pure function of a golden record's source records, the overrides in force,
the policy and the survivorship code. A refresh computes the hash of those inputs first and
skips a record whose stored ``inputs_hash`` is the same: reading its sources' content and
running survivorship again would give the content it already has. An unchanged
``crmhub match --full`` spent half its time doing just that.

What goes in:
  * per source record (by id): its identity (connection, stream, key), whether it is deleted,
    its content hash (the canonical record without provenance, which survivorship never
    keeps) and its update time (the recency rules rank by it);
  * the overrides in force, every field of each;
  * the policy (default rule, source priority, field rules);
  * the code: :data:`SURVIVORSHIP_REVISION` and the installed crmhub version, so that an
    upgrade recomputes every record once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from functools import lru_cache
from importlib import metadata

import orjson

from crmhub.golden.overrides import Override
from crmhub.golden.policy import SurvivorshipPolicy
from crmhub.golden.sources import SourceStamp, SourceView

#: Bump when survivorship gives another result for the same inputs (a rule, a field's kind,
#: the display name's derivation, ...): every golden record is then recomputed once.
SURVIVORSHIP_REVISION = 1

_DIGEST_BYTES = 16  # 32 hex characters, as the store's other hashes


@lru_cache(maxsize=1)
def _crmhub_version() -> str:
    try:
        return metadata.version("crmhub")
    except metadata.PackageNotFoundError:  # run from a source tree that is not installed
        return "unknown"


def policy_part(policy: SurvivorshipPolicy) -> bytes:
    """The code's and the policy's share of every inputs hash (compute it once per refresh)."""
    rules = sorted(
        (path, rule, list(sources)) for path, (rule, sources) in policy.field_rules.items()
    )
    return orjson.dumps(
        [
            SURVIVORSHIP_REVISION,
            _crmhub_version(),
            policy.default_rule,
            list(policy.source_priority),
            rules,
        ]
    )


def inputs_hash(
    policy_bytes: bytes,
    sources: Iterable[SourceStamp | SourceView],
    overrides: Mapping[str, Override],
) -> str:
    """The inputs hash of one golden record (``policy_bytes`` from :func:`policy_part`), from
    the stamps of its source records or from the records themselves: the same hash."""
    stamped = sorted(
        (s.id, s.connection, s.stream, s.key, s.deleted, s.content_hash, s.updated_at)
        for s in sources
    )
    pinned = [
        (path, o.value, o.actor, o.reason, o.pinned_at, o.golden_id)
        for path, o in sorted(overrides.items())
    ]
    text = orjson.dumps([stamped, pinned], option=orjson.OPT_SORT_KEYS)
    return hashlib.blake2b(policy_bytes + b"\n" + text, digest_size=_DIGEST_BYTES).hexdigest()
