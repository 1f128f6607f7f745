"""Codes and labels never break mid-word, lists fit their area, and the filter script works."""
from datetime import timedelta

import pytest
from django.utils import timezone

from reporting.aggregation import rebuild_all
from responsys_sync.models import SyncRun
from tests.browser.conftest import LAPTOP, PHONE
from tests.browser.test_dashboards import log_in
from tests.reporting.conftest import (  # noqa: F401  (the cast, reused as fixtures)
    PASSWORD, acme, add_message, alice, sam,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Every piece of text in the matched elements, with the lines it takes: more than one means
# the piece wrapped. A <wbr> splits a code into pieces, so a break there is allowed.
TEXT_LINES = """(selector) => [...document.querySelectorAll(selector)].flatMap((element) => {
  const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  const pieces = [];
  for (let text = walker.nextNode(); text; text = walker.nextNode()) {
    // Plain-language labels under a code may wrap between words.
    if (!text.textContent.trim() || text.parentElement.closest("small")) { continue; }
    const range = document.createRange();
    range.selectNodeContents(text);
    const lines = new Set([...range.getClientRects()].map((rect) => Math.round(rect.top)));
    pieces.push([text.textContent.trim(), lines.size]);
  }
  return pieces;
})"""


@pytest.fixture
def failures(acme):
    start = timezone.now() - timedelta(days=2)
    plan = [("READ", "", "")] * 5 + [
        ("UNKNOWN_SUBSCRIBER", "1002", "UNKNOWN_SUBSCRIBER"),
        ("UNKNOWN_SUBSCRIBER", "003", "UNKNOWN_SUBSCRIBER"),
        ("DEFERRED", "005", "DEFERED"),
        ("OTHER", "131049", "OTHER"),
        ("OTHER", "", "BLOCKED_FOR_USER"),
    ]
    for index, (status, code, cause) in enumerate(plan):
        add_message(acme, status, at=start + timedelta(hours=index), error_code=code,
                    cause=cause, message_id=f"layout-{index:03d}")
    rebuild_all()


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_failure_codes_never_wrap(page, live_server, alice, failures, viewport, artifacts):
    page.set_viewport_size(viewport)
    log_in(page, live_server)
    page.screenshot(path=str(artifacts / f"failures-{viewport['width']}.png"), full_page=True)
    identifiers = ("#failures td.code, #failures td.identifier, #failures th.code, "
                   "#failures th.identifier, #failures th.num")
    cells = page.evaluate(TEXT_LINES, identifiers)
    wrapped = [text for text, lines in cells if lines > 1]
    assert cells
    assert wrapped == []


def test_failure_meanings_are_sentences(page, live_server, alice, failures):
    log_in(page, live_server)
    meanings = page.inner_text("#failures tbody")
    assert "Gupshup could not hand the message to WhatsApp." in meanings
    assert "The number is invalid or not on WhatsApp." in meanings


def test_phone_labels_never_wrap(page, live_server, alice, failures):
    page.set_viewport_size(PHONE)
    log_in(page, live_server)
    white_space = page.evaluate("""() => getComputedStyle(
        document.querySelector('#failures td[data-label=Meaning]'), '::before').whiteSpace""")
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert white_space == "nowrap"
    assert overflow <= 0


def test_tile_labels_stay_inside(page, live_server, alice, failures):
    log_in(page, live_server)
    spills = page.evaluate("""() => [...document.querySelectorAll('.tile')].filter((tile) => {
        const label = tile.querySelector('.label');
        return label.scrollWidth > label.clientWidth
            || label.getBoundingClientRect().right > tile.getBoundingClientRect().right;
    }).map((tile) => tile.dataset.status)""")
    assert spills == []


def test_preset_fills_dates(page, live_server, alice, failures):
    log_in(page, live_server)
    page.select_option("select[name=range]", "30d")
    today = timezone.localdate()
    assert page.input_value("input[name=from]") == (today - timedelta(days=29)).isoformat()
    assert page.input_value("input[name=to]") == today.isoformat()


def test_date_edit_selects_custom(page, live_server, alice, failures):
    log_in(page, live_server)
    page.fill("input[name=from]", "2026-01-02")
    page.dispatch_event("input[name=from]", "change")
    assert page.input_value("select[name=range]") == "custom"


def test_no_favicon_ico_request(page, live_server, alice, failures):
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    log_in(page, live_server)
    page.goto(f"{live_server.url}/messages/")
    assert not [url for url in requested if url.endswith("/favicon.ico")]


def test_sync_run_list_fits_laptop(page, live_server, sam, acme, artifacts):
    acme.name = "Acme Retail Europe Marketing"
    acme.save(update_fields=["name"])
    started = timezone.now() - timedelta(hours=1)
    for index in range(5):
        SyncRun.objects.create(
            client=acme, status=SyncRun.Status.PARTIAL, trigger=SyncRun.Trigger.MANUAL,
            started_at=started, finished_at=started + timedelta(seconds=125.4),
            records_sent=123456, records_accepted=123400, records_rejected=56 + index)
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("input[name=username]", "sam")
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit]")
    page.goto(f"{live_server.url}/admin/responsys_sync/syncrun/")
    page.screenshot(path=str(artifacts / "admin-sync-runs-laptop.png"), full_page=True)
    hidden = page.evaluate("""() => {
        const results = document.querySelector('#changelist .results');
        return results.scrollWidth - results.clientWidth;
    }""")
    page_overflow = page.evaluate("() => document.documentElement.scrollWidth - innerWidth")
    assert "2 min 5 s" in page.inner_text("#result_list")
    assert hidden <= 0
    assert page_overflow <= 0
