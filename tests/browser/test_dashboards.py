"""A marketer logs in, filters, opens a message and exports CSV in a real browser."""
from datetime import timedelta

import pytest
from django.utils import timezone

from reporting.aggregation import rebuild_all
from tests.browser.conftest import PHONE
from tests.reporting.conftest import (  # noqa: F401  (the cast, reused as fixtures)
    PASSWORD, acme, add_message, alice, bob, globex, olivia,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def acme_campaign(acme):
    start = timezone.now() - timedelta(days=5)
    plan = ["READ"] * 40 + ["SUCCESS"] * 25 + ["SENT"] * 5 + ["UNKNOWN_SUBSCRIBER"] * 4 + \
           ["DEFERRED"] * 3 + ["OTHER"] * 3 + [None] * 2
    codes = {"UNKNOWN_SUBSCRIBER": "1002", "DEFERRED": "4001", "OTHER": "131049"}
    for index, status in enumerate(plan):
        add_message(acme, status, at=start + timedelta(hours=index * 1.4),
                    sender=["ACMESHOP", "ACMENEWS"][index % 2], error_code=codes.get(status, ""),
                    cause=status if status in codes else "", message_id=f"acme-{index:04d}")
    rebuild_all()


def log_in(page, live_server, username="alice"):
    page.goto(f"{live_server.url}/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def test_marketer_logs_in_and_sees_the_overview(page, live_server, alice, acme_campaign,
                                                artifacts):
    log_in(page, live_server)
    page.select_option("select[name=range]", "30d")
    page.click("#filters button[type=submit]")
    page.wait_for_selector("#series-chart")
    page.wait_for_function("() => window.Chart && Chart.getChart('series-chart')")
    page.screenshot(path=str(artifacts / "overview-laptop.png"), full_page=True)
    assert page.inner_text("[data-status=READ] .value") == "40"
    assert page.inner_text("#delivery-rate") == "89.0%"  # 65 delivered of 73 handed to WhatsApp


def test_overview_fits_a_phone(page, live_server, alice, acme_campaign, artifacts):
    log_in(page, live_server)
    page.set_viewport_size(PHONE)
    page.reload()
    page.screenshot(path=str(artifacts / "overview-phone.png"), full_page=True)
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0


def test_marketer_filters_and_opens_a_message(page, live_server, alice, acme_campaign,
                                              artifacts):
    log_in(page, live_server)
    page.goto(f"{live_server.url}/messages/")
    page.select_option("select[name=status]", "UNKNOWN_SUBSCRIBER")
    page.click("#filters button[type=submit]")
    page.wait_for_selector("#message-list")
    page.screenshot(path=str(artifacts / "explorer-laptop.png"), full_page=True)
    assert page.locator("#message-list tbody tr").count() == 4
    page.click("#message-list tbody tr:first-child a")
    page.wait_for_selector("#event-history")
    assert "UNKNOWN_SUBSCRIBER" in page.inner_text("#event-history")


def test_explorer_fits_a_phone(page, live_server, alice, acme_campaign, artifacts):
    log_in(page, live_server)
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/messages/")
    page.screenshot(path=str(artifacts / "explorer-phone.png"), full_page=True)
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0


def test_marketer_exports_csv(page, live_server, alice, acme_campaign, tmp_path):
    log_in(page, live_server)
    page.goto(f"{live_server.url}/messages/?status=READ&range=30d")
    with page.expect_download() as download_info:
        page.click("#export-csv")
    target = tmp_path / "export.csv"
    download_info.value.save_as(target)
    lines = target.read_text().strip().splitlines()
    assert lines[0].startswith("client,message_id,recipient_id")
    assert len(lines) == 41


def test_other_marketer_sees_none_of_acmes_numbers(page, live_server, bob, acme_campaign):
    log_in(page, live_server, "bob")
    assert page.is_visible("#no-data")


def test_outsider_is_told_why_the_page_is_empty(page, live_server, olivia, acme_campaign):
    log_in(page, live_server, "olivia")
    assert page.is_visible("#no-clients")
