"""A delivery report posted to the webhook reaches the overview after one refresh."""
import json

import pytest
from django.http import QueryDict
from django.test import Client as HttpClient
from django.utils import timezone

from reporting.aggregation import refresh_changed
from reporting.filters import Selection
from reporting.summary import build_overview

pytestmark = pytest.mark.django_db


def test_posted_read_event_counts_as_read(acme, alice):
    now_ms = int(timezone.now().timestamp() * 1000)
    events = [{"externalId": "hook-1", "eventType": event_type, "eventTs": now_ms + offset,
               "destAddr": "447700900123", "srcAddr": "ACMESHOP", "cause": cause,
               "errorCode": "000", "channel": "WHATSAPP"}
              for event_type, cause, offset in (("SENT", "SENT", 0),
                                                ("DELIVERED", "SUCCESS", 1000),
                                                ("READ", "READ", 2000))]
    response = HttpClient().post(acme.callback_path, json.dumps(events),
                                 content_type="application/json")
    assert response.status_code == 200
    refresh_changed()
    overview = build_overview(Selection.from_params(alice, QueryDict("range=today")))
    assert overview.status_counts["READ"] == 1
    assert overview.funnel.delivered == 1
