"""The history of sync runs and of the records Responsys rejected."""
from django.db import models
from django.utils import timezone

from callbacks.models import Client, Message


class SyncRun(models.Model):
    """One push of a client's changed messages to its DLR_REPORT table."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        PARTIAL = "partial", "Succeeded with rejected records"
        FAILED = "failed", "Failed"
        STOPPED = "stopped", "Stopped after opt-out"
        SKIPPED = "skipped", "Skipped: another run was in progress"

    class Trigger(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        MANUAL = "manual", "Sync now"

    id = models.BigAutoField(primary_key=True)
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="sync_runs")
    trigger = models.CharField(max_length=20, choices=Trigger.choices, default=Trigger.SCHEDULED)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RUNNING)
    task_id = models.CharField(max_length=100, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    pending_at_start = models.PositiveIntegerField(default=0)
    batches = models.PositiveIntegerField(default=0)
    records_sent = models.PositiveIntegerField(default=0)
    records_accepted = models.PositiveIntegerField(default=0)
    records_rejected = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["client", "-started_at"])]

    def __str__(self):
        return f"Sync {self.id} of {self.client} ({self.status})"

    @property
    def duration(self):
        if self.finished_at is None:
            return None
        return self.finished_at - self.started_at


class SyncRejection(models.Model):
    """A record that Responsys rejected with MERGEFAILED, with its reason."""

    id = models.BigAutoField(primary_key=True)
    sync_run = models.ForeignKey(SyncRun, on_delete=models.CASCADE, related_name="rejections")
    message = models.ForeignKey(Message, on_delete=models.SET_NULL, null=True, related_name="+")
    gupshup_message_id = models.CharField(max_length=200)
    reason = models.TextField()

    def __str__(self):
        return f"{self.gupshup_message_id}: {self.reason[:80]}"
