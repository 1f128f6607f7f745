"""The aggregates follow the messages: refresh by watermark, reconcile, and the beat schedule."""
from datetime import timedelta

import pytest
from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

from callbacks.models import Message
from dlr_project.celery import app
from reporting.aggregation import reconcile_recent, refresh_changed
from reporting.models import DailyMessageBucket, MessageBucket
from tests.reporting.conftest import add_message

pytestmark = pytest.mark.django_db


def bucket_total(model=MessageBucket, **filters):
    return model.objects.filter(**filters).aggregate(total=Sum("messages"))["total"] or 0


def test_first_refresh_builds_every_bucket(acme):
    add_message(acme, "READ")
    refresh_changed()
    assert bucket_total(status="READ") == 1


def test_refresh_picks_up_a_changed_message(acme):
    message = add_message(acme, "SUCCESS")
    refresh_changed()
    Message.objects.filter(pk=message.pk).update(status="READ", read_at=timezone.now(),
                                                 updated_at=timezone.now())
    refresh_changed()
    assert bucket_total(status="READ") == 1
    assert bucket_total(status="SUCCESS") == 0


def test_refreshing_twice_never_double_counts(acme):
    add_message(acme, "READ")
    refresh_changed()
    refresh_changed()
    assert bucket_total() == 1


def test_refresh_keeps_the_daily_buckets_in_step(acme):
    add_message(acme, "READ")
    refresh_changed()
    add_message(acme, "READ")
    refresh_changed()
    assert bucket_total(DailyMessageBucket) == 2


def test_reconcile_moves_a_message_to_its_earlier_hour(acme):
    message = add_message(acme, "READ", at=timezone.now() - timedelta(hours=1))
    refresh_changed()
    earlier = message.first_event_at - timedelta(hours=5)
    Message.objects.filter(pk=message.pk).update(first_event_at=earlier, updated_at=timezone.now())
    reconcile_recent(days=2)
    assert bucket_total() == 1
    assert MessageBucket.objects.get().hour == earlier.replace(minute=0, second=0, microsecond=0)


def test_beat_schedule_names_registered_tasks():
    app.loader.import_default_modules()
    names = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"reporting.tasks.refresh_message_buckets",
            "reporting.tasks.reconcile_message_buckets"} <= names
    assert names <= set(app.tasks)
