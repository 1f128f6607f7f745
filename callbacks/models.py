"""Clients, raw callbacks, status events and each message's current status."""
import hashlib
import ipaddress
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from .fields import EncryptedTextField, PlainJSONField

STATUS_CHOICES = [
    ("SENT", "Sent"),
    ("SUCCESS", "Delivered"),
    ("READ", "Read"),
    ("UNKNOWN_SUBSCRIBER", "Unknown subscriber"),
    ("DEFERRED", "Deferred"),
    ("OTHER", "Other failure"),
]
STATUSES = tuple(code for code, _label in STATUS_CHOICES)


def new_callback_token() -> str:
    """Return a URL-safe random secret of 256 bits."""
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """Return the SHA-256 hex digest under which a callback token is looked up."""
    return hashlib.sha256(token.encode()).hexdigest()


def validate_ip_allowlist(value: str) -> None:
    for line in value.splitlines():
        entry = line.strip()
        if not entry:
            continue
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise ValidationError(f"{entry!r} is not an IP address or network (CIDR).") from None


class Client(models.Model):
    """A business whose Gupshup delivery reports we receive and sync to its Responsys account."""

    class RecipientIdSource(models.TextChoices):
        PHONE = "phone", "Phone number"
        EXTRA_POSITION = "extra_position", "Part of `extra` by position (1-based, '|'-separated)"
        EXTRA_KEY = "extra_key", "Part of `extra` by key (key=value)"

    name = models.CharField(max_length=200, unique=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="dlr_clients",
        help_text="Marketers who may see this client's dashboards.",
    )

    # Webhook authentication. The token is kept in clear so the admin can show the callback URL;
    # requests are matched by digest and then compared in constant time.
    callback_token = models.CharField(max_length=100, unique=True, editable=False)
    callback_token_digest = models.CharField(max_length=64, unique=True, editable=False)
    previous_token_digest = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    previous_token_valid_until = models.DateTimeField(null=True, blank=True, editable=False)
    ip_allowlist = models.TextField(
        blank=True, validators=[validate_ip_allowlist],
        help_text="IP addresses or CIDR networks allowed to post callbacks, one per line. "
                  "Empty allows any address.",
    )

    # Sync to Responsys.
    opted_in = models.BooleanField(
        default=False, help_text="Sync delivery reports to Responsys on a schedule.",
    )
    sync_interval_minutes = models.PositiveIntegerField(
        default=30, help_text="Minutes between two scheduled syncs.",
    )
    responsys_login_url = models.URLField(
        blank=True, help_text="Login host of the Responsys pod, e.g. https://login5.responsys.net",
    )
    responsys_username = models.CharField(max_length=200, blank=True)
    responsys_password = EncryptedTextField(blank=True)
    responsys_folder = models.CharField(max_length=100, default="Gupshup WhatsApp DLR")
    responsys_table = models.CharField(max_length=100, default="DLR_REPORT")
    responsys_columns = models.JSONField(
        default=dict, blank=True,
        help_text='Column names that differ from the defaults, e.g. {"MESSAGE_ID": "MSG_ID"}.',
    )
    responsys_time_zone = models.CharField(
        max_length=64, default="UTC",
        help_text="Time zone of the Responsys account; timestamps are written in it.",
    )
    recipient_id_source = models.CharField(
        max_length=20, choices=RecipientIdSource.choices, default=RecipientIdSource.PHONE,
    )
    recipient_id_extra_part = models.CharField(
        max_length=100, blank=True,
        help_text="The position (1-based) or the key of the `extra` part holding the recipient id.",
    )
    consecutive_failed_syncs = models.PositiveIntegerField(default=0, editable=False)
    sync_flagged = models.BooleanField(
        default=False, help_text="Set after too many failed syncs in a row; cleared by a good run.",
    )

    # Retention.
    retention_days = models.PositiveIntegerField(
        null=True, blank=True,
        help_text="Delete messages, events and raw callbacks older than this many days. "
                  "Empty keeps them forever.",
    )
    purge_responsys_rows = models.BooleanField(
        default=False, help_text="Also delete the matching DLR_REPORT rows in Responsys.",
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.callback_token:
            self.set_callback_token(new_callback_token())
        super().save(*args, **kwargs)

    def set_callback_token(self, token: str) -> None:
        self.callback_token = token
        self.callback_token_digest = token_digest(token)

    def rotate_callback_token(self) -> str:
        """Issue a new token; the old one keeps working for CALLBACK_TOKEN_GRACE_HOURS."""
        grace = timedelta(hours=settings.CALLBACK_TOKEN_GRACE_HOURS)
        self.previous_token_digest = self.callback_token_digest
        self.previous_token_valid_until = timezone.now() + grace
        self.set_callback_token(new_callback_token())
        self.save(update_fields=[
            "callback_token", "callback_token_digest", "previous_token_digest",
            "previous_token_valid_until", "updated_at",
        ])
        return self.callback_token

    @property
    def callback_path(self) -> str:
        return reverse("callbacks:gupshup", kwargs={"token": self.callback_token})

    @property
    def callback_url(self) -> str:
        return settings.PUBLIC_BASE_URL + self.callback_path

    def allowed_networks(self) -> list:
        return [
            ipaddress.ip_network(line.strip(), strict=False)
            for line in self.ip_allowlist.splitlines() if line.strip()
        ]

    @property
    def has_responsys_connection(self) -> bool:
        return bool(self.responsys_login_url and self.responsys_username and self.responsys_password)


class RawCallback(models.Model):
    """One webhook request exactly as received, kept so that any body can be replayed."""

    class Outcome(models.TextChoices):
        STORED = "stored", "Stored"
        DUPLICATE = "duplicate", "Only duplicates"
        PARTIAL = "partial", "Stored, some events quarantined"
        QUARANTINED = "quarantined", "Quarantined"
        IGNORED = "ignored", "Not a status event (kept raw)"
        HEALTH_CHECK = "health_check", "Health check"
        EMPTY = "empty", "Empty"

    id = models.BigAutoField(primary_key=True)
    # Indexed by (client, received_at) below; a separate client index would only slow inserts.
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="raw_callbacks",
                               db_index=False)
    received_at = models.DateTimeField(default=timezone.now)
    method = models.CharField(max_length=10)
    content_type = models.CharField(max_length=200, blank=True)
    query_string = models.TextField(blank=True)
    body = models.BinaryField(blank=True)
    remote_addr = models.GenericIPAddressField(null=True, blank=True)
    format = models.CharField(max_length=20, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    event_count = models.PositiveIntegerField(default=0)
    duplicate_count = models.PositiveIntegerField(default=0)
    rejected_count = models.PositiveIntegerField(default=0)
    replayed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["client", "received_at"]),
            models.Index(fields=["received_at"]),
        ]

    def __str__(self):
        return f"Callback {self.id} ({self.get_outcome_display()})"

    @property
    def body_text(self) -> str:
        return bytes(self.body).decode("utf-8", errors="replace")


class QuarantinedEvent(models.Model):
    """An event, or a whole body, that could not be parsed; replayable after a fix."""

    id = models.BigAutoField(primary_key=True)
    # Indexed by (client, resolved_at) below.
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="quarantined_events",
                               db_index=False)
    raw_callback = models.ForeignKey(RawCallback, on_delete=models.CASCADE, related_name="quarantined")
    created_at = models.DateTimeField(default=timezone.now)
    raw = models.TextField()
    reason = models.TextField()
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["client", "resolved_at"])]

    def __str__(self):
        return f"Quarantined event {self.id}: {self.reason[:60]}"


class Message(models.Model):
    """The current status of one WhatsApp message, decided by rank (see callbacks.storage)."""

    id = models.BigAutoField(primary_key=True)
    # The webhook upserts thousands of rows a second: the unique (client, message_id) index
    # serves client lookups, and no database foreign key means no per-row key-share lock on the
    # client row. Deleting a client still cascades, because Django does that itself.
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="messages",
                               db_index=False, db_constraint=False)
    # Ids and phone numbers compare byte by byte (collation "C"), because they have no language
    # order and the unique index compares them several times on every insert.
    message_id = models.CharField(max_length=200, db_collation="C")
    wa_message_id = models.CharField(max_length=200, blank=True, db_collation="C")
    phone = models.CharField(max_length=32, blank=True, db_collation="C")
    sender = models.CharField(max_length=200, blank=True)
    channel = models.CharField(max_length=20, default="WHATSAPP")
    extra = models.TextField(blank=True)

    # Null while the message has only events outside the six statuses (enqueued, deleted).
    status = models.CharField(max_length=20, choices=STATUS_CHOICES, null=True, blank=True)
    status_rank = models.SmallIntegerField(default=0)
    status_time = models.DateTimeField(null=True, blank=True)
    cause = models.CharField(max_length=500, blank=True)
    error_code = models.CharField(max_length=50, blank=True)
    error_title = models.CharField(max_length=500, blank=True)
    first_event_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    # Sync bookkeeping: status_version grows on every change of an exported column;
    # pushed_version is the last version Responsys accepted.
    status_version = models.IntegerField(default=0)
    pushed_version = models.IntegerField(default=0)
    pushed_at = models.DateTimeField(null=True, blank=True)
    last_push_error = models.TextField(blank=True)

    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "message_id"], name="message_unique_per_client"),
        ]
        indexes = [
            models.Index(
                fields=["client", "wa_message_id"], name="message_wa_id",
                condition=~Q(wa_message_id=""),
            ),
            models.Index(
                fields=["client", "id"], name="message_pending_push",
                condition=Q(status_version__gt=F("pushed_version")),
            ),
            models.Index(fields=["client", "first_event_at"], name="message_client_first_event"),
            models.Index(fields=["updated_at"], name="message_updated_at"),
            # The explorer's newest-first pages over all of a staff user's clients.
            models.Index(fields=["first_event_at", "id"], name="message_first_event_id"),
            # The explorer's search by phone number or phone-based recipient id.
            models.Index(fields=["client", "phone"], name="message_client_phone"),
        ]

    def __str__(self):
        return f"{self.message_id} ({self.status or 'no status yet'})"


class StatusEvent(models.Model):
    """One status event of one message, stored once (duplicates are counted, not stored)."""

    id = models.BigAutoField(primary_key=True)
    # No index or database constraint of its own, for the same reason as Message.client.
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="status_events",
                               db_index=False, db_constraint=False)
    # Byte order for the columns of the unique index, as in Message.
    message_id = models.CharField(max_length=200, db_collation="C")
    wa_message_id = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=20, choices=STATUS_CHOICES, null=True, blank=True)
    # The mapped status, or the raw status for events outside the six: the duplicate key.
    status_key = models.CharField(max_length=100, db_collation="C")
    raw_status = models.CharField(max_length=100, blank=True)
    cause = models.CharField(max_length=500, blank=True)
    error_code = models.CharField(max_length=50, blank=True)
    error_title = models.CharField(max_length=500, blank=True)
    event_time = models.DateTimeField()
    phone = models.CharField(max_length=32, blank=True)
    sender = models.CharField(max_length=200, blank=True)
    channel = models.CharField(max_length=20, blank=True)
    extra = models.TextField(blank=True)
    format = models.CharField(max_length=20)
    raw = PlainJSONField(default=dict)
    # No database constraint: retention deletes raw callbacks and events in separate batches.
    # No index either: nothing looks events up by raw callback, and every insert would pay for it.
    raw_callback = models.ForeignKey(
        RawCallback, on_delete=models.DO_NOTHING, db_constraint=False, null=True, related_name="+",
        db_index=False,
    )
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["client", "message_id", "status_key", "event_time"],
                name="status_event_unique",
            ),
        ]
        indexes = [models.Index(fields=["received_at"], name="status_event_received_at")]

    def __str__(self):
        return f"{self.message_id} {self.status_key} at {self.event_time:%Y-%m-%d %H:%M:%S}"
