"""Incremental reads against the fake org: ties on one second across pages, deletions through
queryAll, the look-back window, resuming from checkpoints, throttling storms and the daily cap."""

from __future__ import annotations

import time
from collections import Counter
from datetime import datetime

import pytest

from connectors.sdk import Checkpoint, ReadItem, ReadProblem, SourceRecord, UnknownStream
from connectors.sdk.http.errors import RateBudgetExhausted
from connectors.testing.fake_salesforce import FakeSalesforce, format_datetime, parse_soql
from connectors.testing.fakeserver import Fault

from .conftest import ConnectorFactory, last_state, records_of


def keys_of(items: list[ReadItem]) -> list[str]:
    return [r.key for r in records_of(items)]


def queries_sent(fake: FakeSalesforce) -> list[str]:
    return [r.query["q"][0] for r in fake.server.requests_to("GET", r".*/queryAll/?")]


@pytest.mark.parametrize(
    ("page_size", "pages"),
    [
        pytest.param(2000, "LIMIT", id="second-cut-by-the-query-limit"),
        pytest.param(5000, "nextRecordsUrl", id="second-cut-by-answer-batches"),
    ],
)
def test_2500_records_sharing_one_second_all_arrive_once(
    fake: FakeSalesforce, make_connector: ConnectorFactory, page_size: int, pages: str
) -> None:
    before = fake.seed("Contact", 3)
    same = fake.seed("Contact", 2500, same_second=True)
    after = fake.seed("Contact", 2)
    connector = make_connector(page_size=page_size)

    items = list(connector.read("Contact", None))

    keys = keys_of(items)
    assert Counter(keys) == Counter(before + same + after)  # every record exactly once
    assert keys == sorted(keys, key=lambda k: (k not in before, k in after, k))
    follow_ups = fake.server.requests_to("GET", r".*/queryAll/.+")
    if pages == "LIMIT":  # the second query resumes inside the shared second, after its last Id
        assert len(queries_sent(fake)) == 2 and not follow_ups
        assert f"Id > '{keys[1999]}'" in queries_sent(fake)[1]
    else:
        assert len(queries_sent(fake)) == 1 and len(follow_ups) == 1
    assert not [i for i in items if isinstance(i, ReadProblem)]


def test_incremental_read_returns_only_changes_and_checkpoints_after_each_page(
    fake: FakeSalesforce, make_connector: ConnectorFactory
) -> None:
    ids = fake.seed("Contact", 30)
    connector = make_connector(page_size=10)
    first = list(connector.read("Contact", None))
    assert keys_of(first) == ids
    assert sum(isinstance(i, Checkpoint) for i in first) == 4  # 3 full pages + the empty 4th

    stamp = fake.touch("Contact", ids[5:8])
    second = list(connector.read("Contact", last_state(first)))

    assert keys_of(second) == ids[5:8]
    assert last_state(second) == {"cursor": stamp.isoformat(), "key": ids[7]}
    assert all(r.cursor == stamp for r in records_of(second))
    third = list(connector.read("Contact", last_state(second)))
    assert keys_of(third) == [] and last_state(third) == last_state(second)


def test_records_carry_their_fields_and_who_changed_them(
    fake: FakeSalesforce, make_connector: ConnectorFactory
) -> None:
    (contact,) = fake.seed("Contact", 1, make=lambda i: {"LastName": "Bianchi", "Email": "b@x.it"})
    record = records_of(list(make_connector().read("Contact", None)))[0]

    assert record.key == contact
    assert record.data["LastName"] == "Bianchi" and record.data["Email"] == "b@x.it"
    assert record.data["LastModifiedById"] == fake.records("Contact")[0]["LastModifiedById"]
    assert record.data["SystemModstamp"] == format_datetime(record.cursor)
    assert isinstance(record.cursor, datetime) and record.cursor.tzinfo is not None
    assert "attributes" not in record.data
    assert record.position == "Contact page 1"


def test_deletions_arrive_through_query_all_as_tombstones(
    fake: FakeSalesforce, make_connector: ConnectorFactory
) -> None:
    ids = fake.seed("Lead", 6)
    connector = make_connector()
    first = list(connector.read("Lead", None))
    fake.delete("Lead", ids[1:3])

    second = list(connector.read("Lead", last_state(first)))

    tombstones = records_of(second)
    assert [t.key for t in tombstones] == ids[1:3]
    assert all(t.deleted and t.data == {} for t in tombstones)
    assert all(q.startswith("SELECT ") for q in queries_sent(fake))
    assert not fake.server.requests_to("GET", r".*/query/?")  # never the plain query


def test_the_lookback_window_rereads_late_commits_and_never_moves_the_state_back(
    fake: FakeSalesforce, make_connector: ConnectorFactory
) -> None:
    ids = fake.seed("Contact", 10)
    connector = make_connector(lookback_seconds=3)
    first = list(connector.read("Contact", None))
    saved = last_state(first)

    second = list(connector.read("Contact", saved))

    assert keys_of(second) == ids[-4:]  # the last 3 seconds, and the saved second itself
    assert last_state(second) == saved
    assert "Id >" not in queries_sent(fake)[-1]


def test_resuming_from_any_checkpoint_inside_one_second_loses_and_repeats_nothing(
    fake: FakeSalesforce, make_connector: ConnectorFactory
) -> None:
    ids = fake.seed("Account", 23, same_second=True)
    connector = make_connector(page_size=4)
    items = list(connector.read("Account", None))
    checkpoints = [n for n, item in enumerate(items) if isinstance(item, Checkpoint)]

    for n in checkpoints:
        delivered = keys_of(items[:n])
        state = items[n].state  # type: ignore[union-attr]
        resumed = keys_of(list(connector.read("Account", state)))
        assert delivered + resumed == ids, f"resuming from {state}"


def test_a_throttling_storm_during_a_read_delivers_every_record_exactly_once(
    fake: FakeSalesforce, make_connector: ConnectorFactory
) -> None:
    ids = fake.seed("Contact", 3000, same_second=True)
    connector = make_connector(page_size=1000)
    items: list[ReadItem] = []
    storm: list[Fault] = []
    for item in connector.read("Contact", None):
        items.append(item)
        if isinstance(item, Checkpoint) and not storm:  # after the first page: the storm
            storm = [fake.throttle_next(6), fake.unavailable_next(4)]

    assert Counter(keys_of(items)) == Counter(ids)
    assert [fault.fired for fault in storm] == [6, 4]
    answered = Counter(r.status for r in fake.server.requests_to("GET", r".*/queryAll/?"))
    assert answered == {403: 6, 503: 4, 200: 4}  # 3 full pages and the empty one


def test_near_the_daily_allowance_reads_slow_down_then_stop_with_progress_kept(
    fake: FakeSalesforce, make_connector: ConnectorFactory
) -> None:
    fake.seed("Contact", 40)
    fake.daily_limit = 100
    fake.api_usage = 88  # the next answers report 89/100, 90/100 (pause) ... 98/100 (stop)
    connector = make_connector(page_size=4, api_usage_pause_seconds=0.05)
    items: list[ReadItem] = []

    started = time.monotonic()
    with pytest.raises(RateBudgetExhausted, match=r"98/100"):
        items.extend(connector.read("Contact", None))
    elapsed = time.monotonic() - started

    assert len(queries_sent(fake)) == 10  # usage 89 .. 98, then no further call is made
    assert elapsed >= 8 * 0.05  # a pause before each call once usage reached 90%
    assert len(keys_of(items)) == 40 and isinstance(items[-1], Checkpoint)
    assert fake.api_usage == 98


def test_the_query_is_the_documented_keyset_shape_and_the_fake_accepts_it(
    fake: FakeSalesforce, make_connector: ConnectorFactory
) -> None:
    ids = fake.seed("Contact", 3, same_second=True)
    connector = make_connector(page_size=2)
    list(connector.read("Contact", None))

    first, second = queries_sent(fake)[:2]
    assert first.endswith(" FROM Contact ORDER BY SystemModstamp, Id LIMIT 2")
    stamp = fake.records("Contact")[0]["SystemModstamp"][:19] + "Z"
    assert second.endswith(
        f"FROM Contact WHERE SystemModstamp >= {stamp} AND (SystemModstamp > {stamp} "
        f"OR Id > '{ids[1]}') ORDER BY SystemModstamp, Id LIMIT 2"
    )
    parsed = parse_soql(second)
    assert parsed.order_by == ("SystemModstamp", "Id") and parsed.limit == 2
    assert {"Id", "SystemModstamp", "IsDeleted", "LastModifiedById", "Crmhub_Id__c"} <= set(
        parsed.fields
    )


def test_a_damaged_saved_key_is_refused_rather_than_put_into_soql(
    make_connector: ConnectorFactory,
) -> None:
    state = {"cursor": "2026-01-01T00:00:05+00:00", "key": "x' OR Name != '"}
    with pytest.raises(Exception, match="not a Salesforce Id") as caught:
        list(make_connector().read("Contact", state))
    assert "reset" in str(caught.value)


def test_an_unknown_field_is_a_config_error_naming_it(
    fake: FakeSalesforce, make_connector: ConnectorFactory
) -> None:
    fake.seed("Contact", 1)
    connector = make_connector(objects={"Contact": {"fields": ["LastName", "Shoe_Size__c"]}})
    with pytest.raises(Exception, match="Shoe_Size__c") as caught:
        list(connector.read("Contact", None))
    assert type(caught.value).__name__ == "ConfigError"
    assert "INVALID_FIELD" in str(caught.value) and "hint:" in str(caught.value)


def test_records_are_source_records_of_the_stream(
    fake: FakeSalesforce, make_connector: ConnectorFactory
) -> None:
    fake.seed("Account", 2)
    items = list(make_connector().read("Account", None))
    assert all(isinstance(i, (SourceRecord, Checkpoint)) and i.stream == "Account" for i in items)


def test_an_unknown_stream_is_refused_with_the_close_name(make_connector: ConnectorFactory) -> None:
    with pytest.raises(UnknownStream, match="did you mean 'Contact'"):
        list(make_connector().read("Contacts", None))
