"""Access by role: a client's marketer, another client's marketer, an outsider, and staff."""
import pytest

from tests.reporting.conftest import add_message

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme_message(acme, refreshed):
    message = add_message(acme, "READ", message_id="acme-secret-1")
    refreshed()
    return message


@pytest.fixture
def globex_message(globex, refreshed):
    message = add_message(globex, "SUCCESS", message_id="globex-secret-1")
    refreshed()
    return message


def as_user(client, user):
    client.force_login(user)
    return client


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_marketer_sees_own_client_counts(client, alice, acme_message):
    response = as_user(client, alice).get("/")
    assert response.context["overview"].status_counts["READ"] == 1


def test_marketer_does_not_see_other_clients_counts(client, alice, acme_message, globex_message):
    response = as_user(client, alice).get("/")
    assert response.context["overview"].status_counts["SUCCESS"] == 0


def test_marketer_is_offered_only_own_clients(client, alice, globex):
    response = as_user(client, alice).get("/")
    assert [c.name for c in response.context["selection"].available_clients] == ["Acme"]


def test_choosing_another_clients_id_shows_nothing(client, alice, globex, globex_message):
    response = as_user(client, alice).get(f"/?client={globex.pk}")
    assert response.context["overview"].total_with_status == 0


def test_other_marketer_cannot_open_the_message(client, bob, acme_message):
    response = as_user(client, bob).get(f"/messages/{acme_message.pk}/")
    assert response.status_code == 404


def test_marketer_can_open_own_message(client, alice, acme_message):
    response = as_user(client, alice).get(f"/messages/{acme_message.pk}/")
    assert response.status_code == 200


def test_search_hides_other_clients_message(client, bob, acme_message):
    response = as_user(client, bob).get("/messages/?q=acme-secret-1")
    assert response.context["page"].messages == []


def test_other_marketers_export_leaves_the_message_out(client, bob, acme_message):
    response = as_user(client, bob).get("/messages/export.csv")
    assert b"acme-secret-1" not in b"".join(response.streaming_content)


def test_outsider_is_told_they_belong_to_no_client(client, olivia, acme_message):
    response = as_user(client, olivia).get("/")
    assert b'id="no-clients"' in response.content


def test_outsider_sees_no_messages(client, olivia, acme_message):
    response = as_user(client, olivia).get("/messages/")
    assert response.context["page"].messages == []


def test_staff_see_every_client(client, sam, acme_message, globex_message):
    response = as_user(client, sam).get("/")
    assert response.context["overview"].total_with_status == 2
