"""The review queue (impact order, filters), the side-by-side view and deciding a pair."""

from __future__ import annotations

import html
import re

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from crmhub.store.schema import events, steward_decisions
from crmhub.web.queue import QueueFilter, queue_page

from .conftest import ClientFor, page_csrf


def _names(engine: Engine, **wanted: str) -> list[tuple[str, str]]:
    page = queue_page(engine, QueueFilter(**wanted), offset=0, limit=50)
    return [(i.left_name, i.right_name) for i in page.items]


def test_the_queue_is_ordered_by_impact_probability_raised_by_history(store_engine, seeded):
    page = queue_page(store_engine, QueueFilter(), offset=0, limit=50)
    assert [(round(i.probability, 2), i.history) for i in page.items] == [
        (0.85, 4),  # impact 0.85 * (1 + 4/14)  = 1.093
        (0.70, 12),  # impact 0.70 * (1 + 12/22) = 1.082: its history lifts it over...
        (0.95, 0),  # ...this likelier pair with no history (impact 0.95)
        (0.55, 0),
    ]
    assert [i.position for i in page.items] == [0, 1, 2, 3]
    assert page.total == 4  # the pair with status "merge" is not for review
    impacts = [i.impact for i in page.items]
    assert impacts == sorted(impacts, reverse=True)
    assert abs(impacts[0] - 0.85 * (1 + 4 / 14)) < 1e-9


def test_the_queue_filters_by_system_band_and_kind(store_engine, seeded):
    assert _names(store_engine, system="crm") == [
        ("Giulia Bianchi", "Giulia Bianchi"),
        ("Paolo Verdi", "Paolo Verde"),
    ]
    assert _names(store_engine, band="high") == [("Rossi Mario S.r.l.", "ROSSI MARIO SRL")]
    assert _names(store_engine, band="medium") == [
        ("Mario Rossi", "Mario Rossi"),
        ("Giulia Bianchi", "Giulia Bianchi"),
    ]
    assert _names(store_engine, band="low") == [("Paolo Verdi", "Paolo Verde")]
    assert _names(store_engine, kind="organization") == [("Rossi Mario S.r.l.", "ROSSI MARIO SRL")]
    assert len(_names(store_engine, kind="person")) == 3
    assert _names(store_engine, system="shop", kind="person", band="medium") == [
        ("Mario Rossi", "Mario Rossi")
    ]


def test_the_queue_page_shows_the_filtered_pairs_and_refuses_an_unknown_filter(
    client_for: ClientFor, seeded
):
    viewer = client_for("vic")
    text = viewer.get("/queue?system=crm").text
    assert "Giulia Bianchi" in text and "Paolo Verde" in text and "Mario Rossi" not in text
    assert "2 pairs waiting" in text
    bad = viewer.get("/queue?band=huge")
    assert bad.status_code == 400
    assert "queue filter band='huge' is not one of high, medium, low" in html.unescape(bad.text)


def test_the_side_by_side_view_aligns_fields_highlights_differences_and_explains(
    client_for: ClientFor, seeded
):
    steward = client_for("sam")
    text = steward.get(f"/pairs/{seeded.pairs['C001/S-77']}?pos=0").text
    by_label = {
        label: agreement
        for agreement, label in re.findall(
            r'<tr class="agree-([\w-]+)">\s*<th scope="row">([^<]+)</th>', text
        )
    }
    assert by_label["given name"] == "same"
    assert by_label["e-mails"] == "same"  # case differences are not differences
    assert by_label["birth date"] == "one-sided"
    assert by_label["orders"] == "one-sided"
    assert "erp/customers/C001" in text and "shop/customers/S-77" in text
    # Each comparison's contribution, strongest first, with the prior.
    weights = re.findall(r'<td class="num">.*?([+-]\d+\.\d\d)</td>', text)
    assert weights == ["-10.20", "+9.81", "+4.82", "-3.17", "+0.00"]
    assert 'rel="next"' in text and 'rel="prev"' not in text  # first of the queue


def test_different_values_are_marked_different(client_for: ClientFor, seeded):
    text = client_for("vic").get(f"/pairs/{seeded.pairs['L-10/S-90']}").text
    by_label = {
        label: agreement
        for agreement, label in re.findall(
            r'<tr class="agree-([\w-]+)">\s*<th scope="row">([^<]+)</th>', text
        )
    }
    assert by_label["family name"] == "different"
    assert by_label["given name"] == "same"


def test_deciding_records_the_decision_and_an_event_and_opens_the_next_pair(
    client_for: ClientFor, store_engine, seeded
):
    steward = client_for("sam")
    first = seeded.pairs["C001/S-77"]
    response = steward.post(
        f"/pairs/{first}/decision",
        data={
            "decision": "same",
            "comment": " same CF ",
            "pos": "0",
            "csrf_token": page_csrf(steward),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    # The next pair of the queue took the decided one's place.
    assert response.headers["location"].startswith(f"/pairs/{seeded.pairs['L-9/C003']}?pos=0")
    with store_engine.connect() as conn:
        decision = conn.execute(sa.select(steward_decisions)).one()
        event = conn.execute(sa.select(events).where(events.c.kind == "steward.decided")).one()
    assert (decision.decision, decision.actor, decision.comment) == ("same", "sam", "same CF")
    assert (event.actor, event.subject_type, event.subject_id) == ("sam", "pair", str(first))
    assert event.data["decision"] == "same" and event.data["previous"] is None
    assert first not in [
        i.pair_id for i in queue_page(store_engine, QueueFilter(), offset=0, limit=50).items
    ]


def test_not_sure_moves_a_pair_to_the_not_sure_list(client_for: ClientFor, store_engine, seeded):
    steward = client_for("sam")
    pair_id = seeded.pairs["L-10/S-90"]
    steward.post(
        f"/pairs/{pair_id}/decision", data={"decision": "unsure", "csrf_token": page_csrf(steward)}
    )
    assert [
        i.pair_id
        for i in queue_page(store_engine, QueueFilter(state="unsure"), offset=0, limit=50).items
    ] == [pair_id]
    assert pair_id not in [
        i.pair_id for i in queue_page(store_engine, QueueFilter(), offset=0, limit=50).items
    ]
    page = steward.get(f"/pairs/{pair_id}").text
    assert "Standing decision: <strong>not sure</strong> by sam" in page


def test_a_decision_must_be_one_of_the_three(client_for: ClientFor, seeded):
    steward = client_for("sam")
    response = steward.post(
        f"/pairs/{seeded.pairs['C001/S-77']}/decision",
        data={"decision": "maybe", "csrf_token": page_csrf(steward)},
    )
    assert response.status_code == 400
    assert "decision 'maybe' is not one of same, different, unsure" in html.unescape(response.text)
    missing = steward.get("/pairs/999999")
    assert missing.status_code == 404 and "no candidate pair with id 999999" in missing.text
