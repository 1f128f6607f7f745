"""The CSV export streams the filtered messages."""
import csv
import io

import pytest
from django.http import StreamingHttpResponse

from callbacks.models import Client
from tests.reporting.conftest import add_message

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(client, alice):
    client.force_login(alice)
    return client


def exported(response):
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


def test_export_is_streamed(browser, acme):
    add_message(acme, "READ")
    assert isinstance(browser.get("/messages/export.csv"), StreamingHttpResponse)


def test_export_is_an_attachment(browser, acme):
    response = browser.get("/messages/export.csv")
    assert response["Content-Type"] == "text/csv"
    assert response["Content-Disposition"].startswith("attachment;")


def test_export_holds_one_row_per_message(browser, acme):
    for status in ("READ", "SENT", "OTHER"):
        add_message(acme, status)
    assert len(exported(browser.get("/messages/export.csv"))) == 3


def test_export_applies_the_filters(browser, acme):
    add_message(acme, "READ")
    add_message(acme, "OTHER", error_code="131049")
    rows = exported(browser.get("/messages/export.csv?cause=131049"))
    assert [row["status"] for row in rows] == ["OTHER"]


def test_export_recipient_id_from_extra(browser, acme):
    Client.objects.filter(pk=acme.pk).update(recipient_id_source="extra_key",
                                              recipient_id_extra_part="riid")
    add_message(acme, "READ", extra="campaign=5|riid=R-900")
    assert exported(browser.get("/messages/export.csv"))[0]["recipient_id"] == "R-900"
