"""The admin lists of messages and status events never count the whole table, and are read-only."""
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.reporting.conftest import add_message

COUNT_STAR = re.compile(r"COUNT\(\*\)", re.IGNORECASE)

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_browser(client, sam):
    client.force_login(sam)
    return client


@pytest.fixture
def some_messages(acme, globex):
    for index in range(3):
        add_message(acme, "SUCCESS", phone=f"4477009000{index}")
    add_message(globex, "READ", message_id="globex-1")


def counted_queries(staff_browser, url):
    with CaptureQueriesContext(connection) as queries:
        response = staff_browser.get(url)
    assert response.status_code == 200
    return [query["sql"] for query in queries if COUNT_STAR.search(query["sql"])]


def test_message_list_runs_no_count_star(staff_browser, some_messages):
    assert counted_queries(staff_browser, "/admin/callbacks/message/") == []


def test_filtered_message_list_runs_no_count_star(staff_browser, some_messages, acme):
    url = f"/admin/callbacks/message/?client__id__exact={acme.pk}&status__exact=SUCCESS"
    assert counted_queries(staff_browser, url) == []


def test_message_search_runs_no_count_star(staff_browser, some_messages):
    assert counted_queries(staff_browser, "/admin/callbacks/message/?q=globex-1") == []


def test_status_event_list_runs_no_count_star(staff_browser, some_messages):
    assert counted_queries(staff_browser, "/admin/callbacks/statusevent/") == []


def test_message_search_finds_by_message_id(staff_browser, some_messages):
    response = staff_browser.get("/admin/callbacks/message/?q=globex-1")
    assert b"globex-1" in response.content


def test_message_search_finds_by_recipient_phone(staff_browser, some_messages):
    response = staff_browser.get("/admin/callbacks/message/?q=44770090001")
    assert response.context["cl"].result_list[0].phone == "44770090001"


def test_message_list_filters_by_first_event_date(staff_browser, some_messages):
    response = staff_browser.get("/admin/callbacks/message/?first_event_at__gte=2000-01-01+00:00:00%2B00:00"
                                 "&first_event_at__lt=2000-01-02+00:00:00%2B00:00")
    assert list(response.context["cl"].result_list) == []


def test_status_event_list_filters_by_status(staff_browser, some_messages):
    response = staff_browser.get("/admin/callbacks/statusevent/?status__exact=READ")
    assert {event.status for event in response.context["cl"].result_list} == {"READ"}


def test_message_admin_offers_no_add(staff_browser):
    assert staff_browser.get("/admin/callbacks/message/add/").status_code == 403


def test_message_admin_offers_no_delete(staff_browser, some_messages):
    response = staff_browser.get("/admin/callbacks/message/")
    # No action is left at all, so the admin shows no action form.
    assert response.context["action_form"] is None


def test_message_change_page_is_view_only(staff_browser, acme):
    message = add_message(acme, "READ")
    response = staff_browser.get(f"/admin/callbacks/message/{message.pk}/change/")
    assert response.context["has_change_permission"] is False
