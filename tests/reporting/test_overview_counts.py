"""The overview's numbers for one client, read from the aggregates."""
import pytest

from reporting.filters import Selection
from reporting.summary import build_overview
from tests.reporting.conftest import add_message

from django.http import QueryDict


def overview_for(user, query=""):
    return build_overview(Selection.from_params(user, QueryDict(query)))


@pytest.fixture
def campaign(acme, refreshed):
    for status in ["SENT", "SUCCESS", "SUCCESS", "READ", "UNKNOWN_SUBSCRIBER", "OTHER"]:
        add_message(acme, status, error_code="1002" if status == "UNKNOWN_SUBSCRIBER" else "")
    add_message(acme, None)
    refreshed()


def test_status_counts_hold_the_six_statuses(alice, campaign):
    overview = overview_for(alice)
    assert overview.status_counts == {"SENT": 1, "SUCCESS": 2, "READ": 1,
                                      "UNKNOWN_SUBSCRIBER": 1, "DEFERRED": 0, "OTHER": 1}


def test_messages_without_status_are_counted_apart(alice, campaign):
    overview = overview_for(alice)
    assert overview.no_status == 1
    assert overview.total_with_status == 6


def test_funnel_counts_each_step_reached(alice, campaign):
    funnel = overview_for(alice).funnel
    assert funnel.sent == 5
    assert funnel.delivered == 3
    assert funnel.read == 1


def test_delivery_rate_is_delivered_over_sent(alice, campaign):
    assert overview_for(alice).funnel.delivery_rate == pytest.approx(3 / 5)


def test_read_rate_is_read_over_delivered(alice, campaign):
    assert overview_for(alice).funnel.read_rate == pytest.approx(1 / 3)


def test_failures_carry_a_readable_description(alice, campaign):
    failure = next(f for f in overview_for(alice).failures if f.error_code == "1002")
    assert failure.status == "UNKNOWN_SUBSCRIBER"
    assert "not on WhatsApp" in failure.description


def test_status_filter_narrows_the_counts(alice, campaign):
    overview = overview_for(alice, "status=SUCCESS")
    assert overview.total_with_status == 2


def test_time_series_sums_to_the_totals(alice, campaign):
    overview = overview_for(alice)
    assert sum(sum(values) for values in overview.series.values()) == 6


def test_week_range_has_daily_points(alice, campaign):
    overview = overview_for(alice, "range=7d")
    assert overview.granularity == "day"
    assert len(overview.series_labels) == 7


def test_today_has_hourly_points(alice, campaign):
    overview = overview_for(alice, "range=today")
    assert overview.granularity == "hour"
    assert len(overview.series_labels) == 24


def test_top_senders_rank_by_messages(acme, alice, refreshed):
    add_message(acme, "SUCCESS", sender="SMALL")
    for _ in range(3):
        add_message(acme, "SUCCESS", sender="BIG")
    refreshed()
    senders = [row.sender for row in overview_for(alice).top_senders]
    assert senders == ["BIG", "SMALL"]


def test_empty_selection_has_no_rates(alice):
    funnel = overview_for(alice).funnel
    assert funnel.delivery_rate is None
    assert funnel.read_rate is None
