"""The connector contract: every connector, built-in or third-party, implements this.

A connector declares a typed configuration (a pydantic model; secrets as ``SecretStr``) and offers:

* ``check()``     - can we reach the system with this configuration?
* ``discover()``  - the streams it offers, with key, cursor field and JSON schema;
* ``read()``      - records of one stream since a saved state, with checkpoints;
* ``write()``     - for writable streams, one result per record.

A connector never imports the engine (``crmhub``): it depends on ``connectors.sdk`` and
``canonical`` only, so it can ship as its own package, found through the ``crmhub.connectors``
entry-point group.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict

from connectors.sdk.errors import NotWritable, UnknownStream
from connectors.sdk.records import ReadItem, WriteResult
from connectors.sdk.streams import StreamSpec


class ConnectorConfig(BaseModel):
    """Base for connector configurations: unknown keys are errors, not silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


ConfigT = TypeVar("ConfigT", bound=ConnectorConfig)


@dataclass(frozen=True, slots=True)
class CheckResult:
    ok: bool
    message: str


class Connector(ABC, Generic[ConfigT]):
    """Base class of every connector.

    Subclasses set ``kind`` (the name used in ``crmhub.yaml``: ``type: file``) and ``config_model``.
    """

    kind: ClassVar[str]
    config_model: ClassVar[type[ConnectorConfig]]
    description: ClassVar[str] = ""

    def __init__(self, config: ConfigT) -> None:
        self.config = config

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Connector[Any]:
        """Validate ``raw`` against ``config_model`` and build the connector."""
        return cls(cls.config_model.model_validate(raw))  # type: ignore[arg-type]

    @abstractmethod
    def check(self) -> CheckResult:
        """Reach the system with the configuration; never raises for a bad credential."""

    @abstractmethod
    def discover(self) -> list[StreamSpec]:
        """The streams this connection offers."""

    @abstractmethod
    def read(self, stream: str, state: dict[str, Any] | None) -> Iterator[ReadItem]:
        """Yield the stream's records changed since ``state`` (all of them when None).

        Yield a ``Checkpoint`` whenever the state covering the records yielded so far is worth
        saving (at least at the end). Deletions are ``SourceRecord(deleted=True)``.
        """

    def write(self, stream: str, records: Iterable[dict[str, Any]]) -> Iterator[WriteResult]:
        """Upsert ``records`` into a writable stream; one ``WriteResult`` per record, in order.

        Each record carries its stable key under ``"__key__"``.
        """
        raise NotWritable(f"connector {self.kind!r} cannot write to stream {stream!r}")

    def close(self) -> None:
        """Release connections, sessions and files."""

    # helpers shared by every connector -------------------------------------------------------

    def stream_spec(self, stream: str) -> StreamSpec:
        """The ``StreamSpec`` named ``stream``, or ``UnknownStream`` listing what exists."""
        specs = self.discover()
        for spec in specs:
            if spec.name == stream:
                return spec
        names = ", ".join(s.name for s in specs) or "none"
        raise UnknownStream(
            f"connector {self.kind!r} has no stream {stream!r}", hint=f"streams offered: {names}"
        )

    def __enter__(self) -> Connector[ConfigT]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
