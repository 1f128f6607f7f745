"""Opt-in scheduling: one django-celery-beat periodic task per opted-in client."""
import json
import logging

from django_celery_beat.models import IntervalSchedule, PeriodicTask

logger = logging.getLogger(__name__)

SYNC_TASK = "responsys_sync.tasks.sync_client"


def periodic_task_name(client_id: int) -> str:
    return f"Sync client {client_id} to Responsys"


def update_sync_schedule(client) -> PeriodicTask | None:
    """Create or enable the client's periodic sync when opted in; disable it when not.

    Each change goes through save() because django-celery-beat's DatabaseScheduler notices
    changes through the save signal, not through queryset updates.
    """
    name = periodic_task_name(client.pk)
    task = PeriodicTask.objects.filter(name=name).first()
    if not client.opted_in:
        if task is not None and task.enabled:
            task.enabled = False
            task.save()
            logger.info("sync schedule disabled for client %s", client.pk)
        return task

    interval, _ = IntervalSchedule.objects.get_or_create(
        every=client.sync_interval_minutes, period=IntervalSchedule.MINUTES,
    )
    if task is None:
        task = PeriodicTask(name=name, task=SYNC_TASK)
    task.interval = interval
    task.kwargs = json.dumps({"client_id": client.pk})
    task.enabled = True
    task.save()
    logger.info("sync schedule enabled for client %s every %s minutes",
                client.pk, client.sync_interval_minutes)
    return task
