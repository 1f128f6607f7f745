"""Celery tasks of the Responsys sync and of the retention purge."""
import logging

from celery import shared_task

from callbacks.models import Client

from .models import SyncRun
from .retention import purge_expired_data as purge_all_clients
from .sync import run_sync

logger = logging.getLogger(__name__)


# acks_late with reject_on_worker_lost: a worker killed mid-run gives the task back to the
# broker, and the redelivered run resumes from what was marked pushed.
@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True)
def sync_client(self, client_id: int, trigger: str = SyncRun.Trigger.SCHEDULED) -> dict:
    """Sync one client's changed messages to Responsys; returns the run's counts.

    A scheduled run of a client that is no longer opted in (a task queued before the opt-out)
    does nothing; a manual run always syncs.
    """
    if trigger == SyncRun.Trigger.SCHEDULED and not Client.objects.filter(
            pk=client_id, opted_in=True).exists():
        logger.info("scheduled sync of client %s skipped: the client is not opted in", client_id)
        return {"sync_run": None, "status": "not opted in"}
    run = run_sync(client_id, trigger=trigger, task_id=self.request.id or "")
    return {"sync_run": run.pk, "status": run.status, "sent": run.records_sent,
            "accepted": run.records_accepted, "rejected": run.records_rejected}


@shared_task
def purge_expired_data() -> list[dict]:
    """Delete every client's data older than its retention period; returns counts per client."""
    return [
        {"client": result.client_id, "messages": result.messages, "events": result.events,
         "raw_callbacks": result.raw_callbacks, "responsys_rows": result.responsys_rows,
         "messages_deferred": result.messages_deferred}
        for result in purge_all_clients()
    ]
