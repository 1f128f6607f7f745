"""Celery beat tasks that keep the dashboard aggregates current."""
import logging

from celery import shared_task

from . import aggregation

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, ignore_result=True)
def refresh_message_buckets() -> dict:
    """Recompute the buckets of messages changed since the last run (every minute by default)."""
    result = aggregation.refresh_changed()
    return {"buckets": result.buckets, "skipped": result.skipped}


@shared_task(acks_late=True, ignore_result=True)
def reconcile_message_buckets() -> dict:
    """Recompute the last few days in full, catching messages that moved to an earlier hour."""
    return {"buckets": aggregation.reconcile_recent()}
