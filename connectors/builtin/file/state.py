"""The state a ``file`` stream saves after a complete read, and when it lets a read be skipped.

Shape (JSON)::

    {"version": 1,
     "file": {"size": 189000205, "mtime_ns": 1767139200000000000, "sha256": "9f2c..."},
     "settings": "3a7b0c1d2e4f5a6b",
     "rows": 1000000, "problems": 12}

A read is skipped when the file's size and hash, the digest of the stream's settings (key,
encoding, delimiter, header row, ...) and ``version`` all match: changing the configuration
or upgrading to a reader that yields differently (bump ``STATE_VERSION``) re-reads the file.
``rows`` and ``problems`` are for people and logs only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from connectors.builtin.file.fingerprint import Fingerprint

STATE_VERSION = 1


@dataclass(frozen=True, slots=True)
class FileState:
    """What the last complete read of a stream saw."""

    fingerprint: Fingerprint
    settings_digest: str
    rows: int
    problems: int

    def covers(self, fingerprint: Fingerprint, settings_digest: str) -> bool:
        """True when a read of ``fingerprint`` with these settings would yield the same again."""
        return (
            self.fingerprint.same_content(fingerprint) and self.settings_digest == settings_digest
        )

    def to_state(self) -> dict[str, Any]:
        return {
            "version": STATE_VERSION,
            "file": self.fingerprint.to_state(),
            "settings": self.settings_digest,
            "rows": self.rows,
            "problems": self.problems,
        }

    @classmethod
    def from_state(cls, state: dict[str, Any] | None) -> FileState | None:
        """The saved state, or None when there is none, or it is from another version or shape
        (then the file is simply read again)."""
        if not state or state.get("version") != STATE_VERSION:
            return None
        fingerprint = Fingerprint.from_state(state.get("file"))
        if fingerprint is None or not isinstance(state.get("settings"), str):
            return None
        return cls(
            fingerprint, state["settings"], int(state.get("rows", 0)), int(state.get("problems", 0))
        )
