"""The plugin test kit, run green against a REST connector on a fake CRM, and shown to catch the
bugs it exists to catch (a connector that reads with ``cursor > saved`` loses ties)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from connectors.sdk import ReadItem
from connectors.testing.contract_tests import ConnectorContractTests

from .example_connector import ContactsApiConnector
from .fake_crm import FakeCrm


class TestContactsApiConnector(ConnectorContractTests):
    connector_class = ContactsApiConnector

    def start_system(self, tmp_path: Path) -> FakeCrm:
        crm = FakeCrm()
        crm.server.start()
        return crm

    def stop_system(self, system: FakeCrm) -> None:
        assert not system.server.errors, system.server.errors
        system.server.stop()

    def valid_config(self, system: FakeCrm) -> dict[str, Any]:
        return {"base_url": system.api_root, "api_token": system.token, "page_size": 2}

    def invalid_config(self, system: FakeCrm) -> dict[str, Any]:
        return {"base_url": system.api_root, "api_token": system.token, "page_size": 0}

    def bad_credentials_config(self, system: FakeCrm) -> dict[str, Any]:
        return {"base_url": system.api_root, "api_token": "not-a-token"}

    def seed(self, system: FakeCrm, n: int) -> None:
        system.seed(n)

    def touch(self, system: FakeCrm, keys: list[str], *, same_cursor: bool = False) -> None:
        system.touch(keys, same_cursor)

    def records_to_write(self, system: FakeCrm, stream: str, n: int) -> list[dict[str, Any]]:
        return [
            {"__key__": f"w{i}", "email": f"w{i}@example.com", "name": f"W {i}"} for i in range(n)
        ]


# -- the kit catches broken connectors ------------------------------------------------------------


class _GreaterThanCursorConnector(ContactsApiConnector):
    """Reads ``updated > saved cursor``: the classic bug that loses records sharing a second."""

    def read(self, stream: str, state: dict[str, Any] | None) -> Iterator[ReadItem]:
        if state:
            state = {
                **state,
                "key": "\uffff",
            }  # sorts after every key: ties on the cursor are skipped
        yield from super().read(stream, state)


class _AtLeastCursorConnector(ContactsApiConnector):
    """Reads ``updated >= saved cursor``: never loses a record, but delivers some twice."""

    def read(self, stream: str, state: dict[str, Any] | None) -> Iterator[ReadItem]:
        if state:
            state = {**state, "key": ""}
        yield from super().read(stream, state)


class _CheckRaisesConnector(ContactsApiConnector):
    def check(self) -> Any:
        self.client.get("me")  # lets the AuthError escape instead of answering ok=False
        return None


class _WriteDropsConnector(ContactsApiConnector):
    def write(self, stream: str, records: Any) -> Any:
        return list(super().write(stream, records))[:-1]


def _kit_for(connector_class: type[ContactsApiConnector]) -> TestContactsApiConnector:
    kit = TestContactsApiConnector()
    kit.connector_class = connector_class  # type: ignore[misc]
    return kit


def _run_kit_test(kit: TestContactsApiConnector, name: str, tmp_path: Path) -> None:
    """Run one inherited kit test by hand, giving it the fixtures it asks for."""
    system = kit.start_system(tmp_path)
    connector = kit.connector_class.from_dict(kit.valid_config(system))
    try:
        test = getattr(kit, name)
        wanted = test.__code__.co_varnames[1 : test.__code__.co_argcount]
        available = {"system": system, "connector": connector}
        test(**{arg: available[arg] for arg in wanted})
    finally:
        connector.close()
        kit.stop_system(system)


@pytest.mark.parametrize(
    ("connector_class", "kit_test", "complaint"),
    [
        (
            _GreaterThanCursorConnector,
            "test_incremental_read_includes_ties_on_the_saved_cursor",
            "share the saved cursor",
        ),
        (
            _GreaterThanCursorConnector,
            "test_resuming_from_any_checkpoint_loses_and_repeats_nothing",
            "lost",
        ),
        (
            _AtLeastCursorConnector,
            "test_incremental_read_returns_exactly_the_changes",
            "after touching",
        ),
        (
            _AtLeastCursorConnector,
            "test_resuming_from_any_checkpoint_loses_and_repeats_nothing",
            "re-read",
        ),
        (
            _CheckRaisesConnector,
            "test_check_reports_bad_credentials_without_raising",
            "instead of returning",
        ),
        (
            _WriteDropsConnector,
            "test_write_answers_one_result_per_record_in_order",
            "once per record",
        ),
    ],
)
def test_kit_fails_a_broken_connector(
    connector_class: type[ContactsApiConnector], kit_test: str, complaint: str, tmp_path: Path
) -> None:
    with pytest.raises((AssertionError, pytest.fail.Exception), match=complaint):
        _run_kit_test(_kit_for(connector_class), kit_test, tmp_path)


def test_kit_passes_the_same_checks_for_the_sound_connector(tmp_path: Path) -> None:
    # The control for the test above: the very harness runs the same kit tests without complaint.
    for kit_test in (
        "test_incremental_read_includes_ties_on_the_saved_cursor",
        "test_check_reports_bad_credentials_without_raising",
    ):
        _run_kit_test(_kit_for(ContactsApiConnector), kit_test, tmp_path)


def test_kit_names_a_hook_the_author_forgot(tmp_path: Path) -> None:
    class Incomplete(ConnectorContractTests):
        connector_class = ContactsApiConnector

    with pytest.raises(NotImplementedError, match=r"Incomplete must define valid_config\(\)"):
        Incomplete().valid_config(tmp_path)
