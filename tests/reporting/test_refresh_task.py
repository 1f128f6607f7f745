"""The refresh task runs in a real Celery worker and brings the buckets up to date."""
import pytest
from django.db.models import Sum

from reporting.models import MessageBucket
from reporting.tasks import refresh_message_buckets
from tests.conftest import wait_until
from tests.reporting.conftest import add_message


@pytest.mark.django_db(transaction=True)
def test_worker_refresh_counts_new_messages(celery_worker_process, acme):
    add_message(acme, "READ")
    add_message(acme, "SENT")
    refresh_message_buckets.delay()

    def counted():
        return MessageBucket.objects.aggregate(total=Sum("messages"))["total"] == 2

    assert wait_until(counted, message="buckets count both messages")
