"""Celery tasks of the Responsys sync."""
import logging

from celery import shared_task

from .models import SyncRun
from .sync import run_sync

logger = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True)
def sync_client(self, client_id: int, trigger: str = SyncRun.Trigger.SCHEDULED) -> dict:
    """Sync one client's changed messages to Responsys; returns the run's counts."""
    run = run_sync(client_id, trigger=trigger, task_id=self.request.id or "")
    return {"sync_run": run.pk, "status": run.status, "sent": run.records_sent,
            "accepted": run.records_accepted, "rejected": run.records_rejected}
