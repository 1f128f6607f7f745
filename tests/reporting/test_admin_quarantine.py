"""Quarantined callbacks are replayed from the admin once the parser can read them."""
import json

import pytest

from callbacks.models import Message, QuarantinedEvent, RawCallback

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_browser(client, sam):
    client.force_login(sam)
    return client


@pytest.fixture
def quarantined(acme):
    """A body that an older parser rejected and the current one reads."""
    body = json.dumps([{"externalId": "replayed-1", "eventType": "DELIVERED",
                        "eventTs": 1_721_650_000_000, "destAddr": "447700900123",
                        "srcAddr": "ACMESHOP", "cause": "SUCCESS", "errorCode": "000",
                        "channel": "WHATSAPP"}])
    raw = RawCallback.objects.create(client=acme, method="POST", content_type="application/json",
                                     body=body.encode(), outcome=RawCallback.Outcome.QUARANTINED)
    return QuarantinedEvent.objects.create(client=acme, raw_callback=raw, raw=body,
                                           reason="unknown eventType (old parser)")


def replay(browser, event):
    return browser.post("/admin/callbacks/quarantinedevent/", {
        "action": "replay", "_selected_action": [event.pk], "index": 0,
    }, follow=True)


def test_replay_stores_the_message(staff_browser, quarantined):
    replay(staff_browser, quarantined)
    assert Message.objects.get(message_id="replayed-1").status == "SUCCESS"


def test_replay_resolves_the_quarantined_event(staff_browser, quarantined):
    replay(staff_browser, quarantined)
    quarantined.refresh_from_db()
    assert quarantined.resolved_at is not None


def test_replay_reports_what_it_stored(staff_browser, quarantined):
    response = replay(staff_browser, quarantined)
    assert any("1 stored" in str(message) for message in response.context["messages"])


def test_unresolved_filter_lists_the_event(staff_browser, quarantined):
    response = staff_browser.get("/admin/callbacks/quarantinedevent/?resolved_at__isempty=1")
    assert list(response.context["cl"].result_list) == [quarantined]
