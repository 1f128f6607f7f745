"""Pages name the filter values they ignored, link back to the dashboards and declare an icon."""
import pytest

from reporting.error_codes import describe
from reporting.explorer import PAGE_SIZE
from tests.reporting.conftest import add_message

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(client, alice):
    client.force_login(alice)
    return client


def page_text(browser, url):
    return browser.get(url).content.decode()


def test_bad_date_is_explained(browser, acme):
    page = page_text(browser, "/?from=notadate")
    assert 'id="ignored-filters"' in page
    assert "From “notadate” was ignored: write dates as YYYY-MM-DD" in page


def test_unknown_status_is_explained(browser, acme):
    page = page_text(browser, "/messages/?status=BOGUS")
    assert "Status “BOGUS” was ignored" in page


def test_unknown_range_is_named(browser, acme):
    assert "Range “fortnight” was ignored" in page_text(browser, "/?range=fortnight")


def test_valid_filters_show_no_warning(browser, acme):
    page = page_text(browser, "/?range=custom&from=2026-01-01&to=2026-01-31&status=READ")
    assert 'id="ignored-filters"' not in page


def test_presets_carry_their_days(browser, acme):
    page = page_text(browser, "/")
    assert 'data-days="29"' in page
    assert "reporting/filters.js" in page


def test_second_page_links_first(browser, acme):
    for _ in range(PAGE_SIZE + 1):
        add_message(acme, "SUCCESS", with_events=False)
    first = browser.get("/messages/")
    assert 'id="first-page"' not in first.content.decode()
    cursor = first.context["page"].next_cursor
    second = page_text(browser, f"/messages/?after={cursor}")
    assert 'id="first-page"' in second


def test_explorer_shows_status_label(browser, acme):
    add_message(acme, "SUCCESS", message_id="delivered-1")
    assert "SUCCESS · Delivered" in page_text(browser, "/messages/")


def test_api_docs_link_back(browser):
    page = page_text(browser, "/api/docs/")
    assert 'id="back-to-dashboards"' in page


def test_redoc_links_back_without_fonts(browser):
    page = page_text(browser, "/api/redoc/")
    assert 'id="back-to-dashboards"' in page
    assert "fonts.googleapis.com" not in page


@pytest.mark.parametrize("url", ["/", "/messages/", "/api/docs/", "/admin/login/"])
def test_pages_declare_the_app_icon(browser, url):
    assert 'rel="icon" type="image/svg+xml"' in page_text(browser, url)


def test_favicon_is_served(browser, live_server):
    import urllib.request

    with urllib.request.urlopen(f"{live_server.url}/static/reporting/favicon.svg") as response:
        assert response.headers["Content-Type"].startswith("image/svg")


@pytest.mark.parametrize(("cause", "expected"), [
    ("UNKNOWN_SUBSCRIBER", "not on WhatsApp"),
    ("DEFERRED", "could not hand the message to WhatsApp"),
    ("DEFERED", "could not hand the message to WhatsApp"),
    (" BLOCKED_FOR_USER", "blocked for this business"),
])
def test_enterprise_causes_get_a_sentence(cause, expected):
    assert expected in describe("003", cause)


def test_unknown_cause_shown_raw():
    assert describe("077", "SOMETHING_NEW") == "SOMETHING_NEW"


def test_known_code_beats_cause():
    assert describe("1002", "UNKNOWN_SUBSCRIBER") == "The phone number is not on WhatsApp."
