"""The message explorer: keyset pages, search, one message's history."""
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from callbacks.models import Client
from reporting.explorer import PAGE_SIZE
from tests.reporting.conftest import add_message

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(client, alice):
    client.force_login(alice)
    return client


@pytest.fixture
def many_messages(acme):
    base = timezone.now() - timedelta(days=1)
    return [add_message(acme, "SUCCESS", at=base + timedelta(minutes=index), with_events=False)
            for index in range(PAGE_SIZE + 5)]


def test_first_page_is_newest_first(browser, many_messages):
    page = browser.get("/messages/").context["page"]
    assert page.messages[0].pk == many_messages[-1].pk
    assert len(page.messages) == PAGE_SIZE


def test_next_page_continues_where_the_first_ended(browser, many_messages):
    first = browser.get("/messages/").context
    second = browser.get(f"/messages/?{first['next_query']}").context["page"]
    assert [m.pk for m in second.messages] == [m.pk for m in reversed(many_messages[:5])]
    assert second.next_cursor is None


def test_pages_never_count_the_table(browser, many_messages):
    with CaptureQueriesContext(connection) as queries:
        browser.get("/messages/")
    assert not [q for q in queries if re.search(r"COUNT\(", q["sql"], re.IGNORECASE)]


def test_search_finds_a_message_id(browser, acme):
    add_message(acme, "READ", message_id="needle-42")
    add_message(acme, "READ")
    page = browser.get("/messages/?q=needle-42").context["page"]
    assert [m.message_id for m in page.messages] == ["needle-42"]


def test_search_finds_a_phone_written_with_plus(browser, acme):
    add_message(acme, "READ", phone="919812345678")
    page = browser.get("/messages/?q=%2B91+98123+45678").context["page"]
    assert [m.phone for m in page.messages] == ["919812345678"]


def test_search_finds_a_recipient_id_from_extra(browser, acme):
    Client.objects.filter(pk=acme.pk).update(recipient_id_source="extra_position",
                                              recipient_id_extra_part="1")
    add_message(acme, "READ", message_id="with-riid", extra="RIID-77|CAMP-1")
    page = browser.get("/messages/?q=RIID-77").context["page"]
    assert [m.message_id for m in page.messages] == ["with-riid"]


def test_status_filter_lists_only_that_status(browser, acme):
    add_message(acme, "READ")
    add_message(acme, "DEFERRED", error_code="4001")
    page = browser.get("/messages/?status=DEFERRED").context["page"]
    assert [m.status for m in page.messages] == ["DEFERRED"]


def test_no_status_filter_lists_enqueued_only_messages(browser, acme):
    add_message(acme, "READ")
    add_message(acme, None, message_id="only-enqueued")
    page = browser.get("/messages/?status=none").context["page"]
    assert [m.message_id for m in page.messages] == ["only-enqueued"]


def test_empty_search_says_why(browser, acme):
    response = browser.get("/messages/?q=nothing-like-this")
    assert "nothing-like-this" in response.content.decode()
    assert b'id="no-messages"' in response.content


def test_message_page_shows_every_event(browser, acme):
    message = add_message(acme, "READ")
    events = browser.get(f"/messages/{message.pk}/").context["events"]
    assert [event.status for event in events] == ["SENT", "SUCCESS", "READ"]


def test_message_page_shows_raw_values(browser, acme):
    message = add_message(acme, "READ", message_id="raw-shown")
    page = browser.get(f"/messages/{message.pk}/").content.decode()
    assert "&quot;eventType&quot;: &quot;READ&quot;" in page
