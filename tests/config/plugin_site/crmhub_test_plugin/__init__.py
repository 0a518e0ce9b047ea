"""A small but real connector plugin, installed for the tests through a ``.dist-info`` folder.

``type: catalog`` reads a directory of JSON files, one stream per file: it exercises what the
configuration layer cares about (a ``Path`` setting relative to the project, an int, a nested
block with a ``SecretStr``, a list) without needing a server.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from connectors.sdk import (
    AuthError,
    Checkpoint,
    CheckResult,
    Connector,
    ConnectorConfig,
    ReadItem,
    SourceRecord,
    StreamSpec,
)


class Auth(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    user: str
    client_secret: SecretStr


class CatalogConfig(ConnectorConfig):
    directory: Path = Field(description="Folder holding one JSON file per stream.")
    page_size: int = Field(100, ge=1, description="Records per checkpoint.")
    api_password: SecretStr | None = Field(None, description="Unused; a declared secret.")
    auth: Auth | None = None
    streams: list[str] = Field(default_factory=list, description="Streams to offer (default: all).")
    fail_check_with: str | None = Field(
        None,
        description="Make check() fail like a buggy or refusing system: 'auth' raises an "
        "AuthError, 'leak' a RuntimeError quoting the client secret, else a RuntimeError.",
    )


class CatalogConnector(Connector[CatalogConfig]):
    kind = "catalog"
    config_model = CatalogConfig
    description = "JSON files in a folder, one stream per file (test plugin)"

    def _files(self) -> list[Path]:
        files = sorted(self.config.directory.glob("*.json"))
        wanted = set(self.config.streams)
        return [f for f in files if not wanted or f.stem in wanted]

    def check(self) -> CheckResult:
        failure = self.config.fail_check_with
        if failure == "auth":
            raise AuthError(
                "the catalog refused user " + repr(self.config.auth and self.config.auth.user),
                hint="check auth.user and auth.client_secret",
            )
        if failure == "leak" and self.config.auth:
            raise RuntimeError(
                f"driver said: bad secret {self.config.auth.client_secret.get_secret_value()}"
            )
        if failure:
            raise RuntimeError(failure)
        if not self.config.directory.is_dir():
            return CheckResult(False, f"folder {self.config.directory} does not exist")
        return CheckResult(True, f"{len(self._files())} stream file(s) in {self.config.directory}")

    def discover(self) -> list[StreamSpec]:
        return [
            StreamSpec(
                name=f.stem,
                key=("id",),
                json_schema={"type": "object"},
                description=f"records of {f.name}",
            )
            for f in self._files()
        ]

    def read(self, stream: str, state: dict[str, Any] | None) -> Iterator[ReadItem]:
        self.stream_spec(stream)
        rows = json.loads((self.config.directory / f"{stream}.json").read_text(encoding="utf-8"))
        for row in rows:
            yield SourceRecord(stream=stream, key=str(row["id"]), data=row)
        yield Checkpoint(stream=stream, state={}, snapshot_complete=True)
