"""A callback URL pasted without its trailing slash still stores the events."""
import json

import pytest

from callbacks.models import StatusEvent
from callbacks.views import _webhook_token

from .conftest import enterprise_event, unique_message_id

pytestmark = pytest.mark.django_db


def test_post_without_slash_stored(post_callback, gupshup_client):
    path = gupshup_client.callback_path.rstrip("/")

    response = post_callback(json.dumps([enterprise_event(unique_message_id(), "SENT")]),
                             path=path)

    assert response.status_code == 200
    assert StatusEvent.objects.count() == 1


def test_fast_path_token_without_slash():
    assert _webhook_token("/callbacks/gupshup/abc") == "abc"
    assert _webhook_token("/callbacks/gupshup/abc/") == "abc"
    assert _webhook_token("/callbacks/gupshup/abc/extra") is None
    assert _webhook_token("/callbacks/gupshup/") is None
