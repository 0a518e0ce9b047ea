"""Testing aids for connector authors: fake servers on loopback and the plugin test kit.

``connectors.testing.contract_tests`` (the test kit) needs pytest and is imported on its own.
"""

from connectors.testing.fake_auth import TokenIssuer, add_token_endpoint
from connectors.testing.fakeserver import (
    FakeRequest,
    FakeResponse,
    FakeServer,
    Fault,
    FaultPlan,
    LoggedRequest,
    empty_response,
    json_response,
    text_response,
)

__all__ = [
    "FakeRequest",
    "FakeResponse",
    "FakeServer",
    "Fault",
    "FaultPlan",
    "LoggedRequest",
    "TokenIssuer",
    "add_token_endpoint",
    "empty_response",
    "json_response",
    "text_response",
]
