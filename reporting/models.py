"""Pre-computed counts of messages for the dashboards, kept current by reporting.aggregation."""
from django.db import models

from callbacks.models import Client


class BucketFields(models.Model):
    """Messages of one client whose first event fell in one period, by their current status.

    `status` is empty for messages that have no status yet (only enqueued events). The funnel
    columns count messages that reached a step, whatever their current status: a READ message
    also counts as sent and delivered.
    """

    id = models.BigAutoField(primary_key=True)
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="+")
    sender = models.CharField(max_length=200)
    status = models.CharField(max_length=20)
    cause = models.CharField(max_length=500)
    error_code = models.CharField(max_length=50)
    channel = models.CharField(max_length=20)
    messages = models.IntegerField()
    sent = models.IntegerField()
    delivered = models.IntegerField()
    read = models.IntegerField()

    class Meta:
        abstract = True


class MessageBucket(BucketFields):
    """One hour of one client; the source of the daily buckets and of short ranges."""

    hour = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["client", "hour", "sender", "status", "cause", "error_code", "channel"],
                name="message_bucket_unique",
            ),
        ]
        indexes = [models.Index(fields=["hour"], name="message_bucket_hour")]

    def __str__(self):
        return f"{self.client_id} {self.hour:%Y-%m-%d %H}:00 {self.status or 'no status'}"


class DailyMessageBucket(BucketFields):
    """The hourly buckets of one UTC day summed, so that month-long ranges read 24 times less."""

    day = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["client", "day", "sender", "status", "cause", "error_code", "channel"],
                name="daily_message_bucket_unique",
            ),
        ]
        indexes = [models.Index(fields=["day"], name="daily_message_bucket_day")]

    def __str__(self):
        return f"{self.client_id} {self.day:%Y-%m-%d} {self.status or 'no status'}"


class AggregateWatermark(models.Model):
    """How far the refresh has read Message.updated_at; a single row with name 'messages'."""

    name = models.CharField(max_length=50, primary_key=True)
    updated_through = models.DateTimeField()
    refreshed_at = models.DateTimeField()

    def __str__(self):
        return f"{self.name} through {self.updated_through:%Y-%m-%d %H:%M:%S}"
