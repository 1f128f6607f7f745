"""Admin lists show ids as plain digits, times to the second and durations rounded."""
from datetime import UTC, datetime, timedelta

import pytest

from callbacks.models import RawCallback
from responsys_sync.admin import rounded_duration
from responsys_sync.models import SyncRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_browser(client, sam):
    client.force_login(sam)
    return client


def test_raw_callback_id_unseparated(staff_browser, acme):
    RawCallback.objects.create(id=1425, client=acme, method="POST",
                               outcome=RawCallback.Outcome.STORED)
    page = staff_browser.get("/admin/callbacks/rawcallback/").content.decode()
    assert ">1425</a>" in page
    assert "1,425" not in page


def test_received_time_shows_seconds(staff_browser, acme):
    received = datetime(2026, 3, 31, 14, 5, 37, tzinfo=UTC)
    RawCallback.objects.create(client=acme, method="POST", received_at=received,
                               outcome=RawCallback.Outcome.STORED)
    page = staff_browser.get("/admin/callbacks/rawcallback/").content.decode()
    assert "2026-03-31 14:05:37" in page


def test_sync_run_duration_rounded(staff_browser, acme):
    started = datetime(2026, 3, 31, 14, 0, 0, tzinfo=UTC)
    SyncRun.objects.create(client=acme, status=SyncRun.Status.SUCCEEDED, started_at=started,
                           finished_at=started + timedelta(microseconds=240192))
    page = staff_browser.get("/admin/responsys_sync/syncrun/").content.decode()
    assert "0.24 s" in page
    assert "0:00:00.240192" not in page


@pytest.mark.parametrize(("duration", "shown"), [
    (timedelta(microseconds=240192), "0.24 s"),
    (timedelta(seconds=12.4), "12 s"),
    (timedelta(seconds=125), "2 min 5 s"),
    (timedelta(minutes=3), "3 min"),
    (timedelta(hours=1, minutes=3, seconds=20), "1 h 3 min"),
    (None, "–"),
])
def test_rounded_duration(duration, shown):
    assert rounded_duration(duration) == shown
