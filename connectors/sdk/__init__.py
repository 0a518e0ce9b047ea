"""The connector SDK: everything a connector needs, and nothing from the engine."""

from connectors.sdk.contract import CheckResult, Connector, ConnectorConfig
from connectors.sdk.errors import (
    AuthError,
    ConfigError,
    ConnectorError,
    NotWritable,
    SourceUnavailable,
    UnknownStream,
)
from connectors.sdk.incremental import CursorPosition, HighWaterMark, lookback_start
from connectors.sdk.records import (
    Checkpoint,
    ReadItem,
    ReadProblem,
    SourceRecord,
    WriteOutcome,
    WriteResult,
)
from connectors.sdk.streams import StreamSpec, join_key

__all__ = [
    "AuthError", "CheckResult", "Checkpoint", "ConfigError", "Connector", "ConnectorConfig",
    "ConnectorError", "CursorPosition", "HighWaterMark", "NotWritable", "ReadItem", "ReadProblem",
    "SourceRecord", "SourceUnavailable", "StreamSpec", "UnknownStream", "WriteOutcome",
    "WriteResult", "join_key", "lookback_start",
]
