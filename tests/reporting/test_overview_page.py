"""The overview page's notes, separators, last syncs and empty state."""
import pytest

from reporting.aggregation import rebuild_all
from responsys_sync.models import SyncRun
from tests.reporting.conftest import add_message
from tests.reporting.test_export_memory import generate_messages

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(client, alice):
    client.force_login(alice)
    return client


def test_page_warns_that_counts_can_change(browser, acme):
    add_message(acme, "READ")
    rebuild_all()
    assert "Counts can still change for a few days" in browser.get("/").content.decode()


def test_page_explains_read_receipts(browser, acme):
    add_message(acme, "READ")
    rebuild_all()
    assert "read receipts turned on" in browser.get("/").content.decode()


def test_counts_have_thousands_separators(browser, acme):
    generate_messages(acme, 1234)
    rebuild_all()
    assert '<div class="value">1,234</div>' in browser.get("/").content.decode()


def test_last_sync_of_each_client_is_shown(browser, acme):
    SyncRun.objects.create(client=acme, status=SyncRun.Status.FAILED)
    latest = SyncRun.objects.create(client=acme, status=SyncRun.Status.SUCCEEDED)
    add_message(acme, "READ")
    rebuild_all()
    assert browser.get("/").context["overview"].last_syncs == [latest]


def test_empty_range_says_why(browser, acme):
    rebuild_all()
    page = browser.get("/?range=today").content.decode()
    assert 'id="no-data"' in page
    assert "Try a longer range or fewer filters" in page


def test_page_before_first_refresh_says_so(browser, acme):
    add_message(acme, "READ")

    page = browser.get("/").content.decode()

    assert 'id="not-counted-yet"' in page
    assert 'id="no-data"' not in page
    assert "reload this page in a minute" in page
