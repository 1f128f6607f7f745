"""The read-only API: token authentication, per-client access, filters, the schema and docs."""
import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.reporting.conftest import add_message

pytestmark = pytest.mark.django_db


def api_for(user):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return api


@pytest.fixture
def both_clients_messages(acme, globex, refreshed):
    messages = {"acme": add_message(acme, "READ", message_id="api-acme"),
                "globex": add_message(globex, "SUCCESS", message_id="api-globex")}
    refreshed()
    return messages


def test_request_without_token_is_refused():
    assert APIClient().get("/api/messages/").status_code == 401


def test_message_list_holds_only_own_clients(alice, both_clients_messages):
    results = api_for(alice).get("/api/messages/").json()["results"]
    assert [row["message_id"] for row in results] == ["api-acme"]


def test_message_list_applies_the_status_filter(alice, acme, refreshed):
    add_message(acme, "READ")
    add_message(acme, "DEFERRED", error_code="1003")
    results = api_for(alice).get("/api/messages/?status=DEFERRED").json()["results"]
    assert [row["status"] for row in results] == ["DEFERRED"]


def test_message_list_pages_by_cursor(alice, acme):
    for _ in range(3):
        add_message(acme, "READ", with_events=False)
    first = api_for(alice).get("/api/messages/?page_size=2").json()
    assert len(first["results"]) == 2
    assert "cursor=" in first["next"]


def test_message_detail_carries_the_events(alice, both_clients_messages):
    message = both_clients_messages["acme"]
    body = api_for(alice).get(f"/api/messages/{message.pk}/").json()
    assert [event["status"] for event in body["events"]] == ["SENT", "SUCCESS", "READ"]


def test_other_clients_message_is_not_found(bob, both_clients_messages):
    message = both_clients_messages["acme"]
    assert api_for(bob).get(f"/api/messages/{message.pk}/").status_code == 404


def test_overview_counts_own_clients_only(bob, both_clients_messages):
    body = api_for(bob).get("/api/overview/").json()
    assert body["status_counts"]["SUCCESS"] == 1
    assert body["status_counts"]["READ"] == 0


def test_overview_reports_the_funnel(alice, both_clients_messages):
    funnel = api_for(alice).get("/api/overview/").json()["funnel"]
    assert funnel == {"sent": 1, "delivered": 1, "read": 1, "delivery_rate": 1.0,
                      "read_rate": 1.0}


def test_api_is_read_only(alice, both_clients_messages):
    message = both_clients_messages["acme"]
    response = api_for(alice).delete(f"/api/messages/{message.pk}/")
    assert response.status_code == 405


def test_schema_is_served_as_openapi(alice):
    response = api_for(alice).get("/api/schema/?format=json")
    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.")


def test_schema_documents_the_overview(alice):
    paths = api_for(alice).get("/api/schema/?format=json").json()["paths"]
    assert "/api/overview/" in paths
    assert "/api/messages/" in paths


def test_docs_page_loads_nothing_from_a_cdn(client, alice):
    client.force_login(alice)
    page = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in page
    assert "cdn." not in page
    assert "https://" not in page
