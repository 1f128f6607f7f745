"""Admin for clients, raw callbacks, quarantined events, messages and status events."""
import logging

from django import forms
from django.contrib import admin, messages
from django.core.paginator import Paginator
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join

from .models import Client, Message, QuarantinedEvent, RawCallback, StatusEvent
from .storage import replay_raw_callback

logger = logging.getLogger(__name__)


class EstimatedCountPaginator(Paginator):
    """A paginator that never runs COUNT(*) over a big table.

    Unfiltered lists use the planner's row estimate; filtered lists, and tables whose estimate
    is small or unknown (never analysed), count at most ten pages ahead.
    """

    pages_ahead = 10

    @cached_property
    def count(self):
        bounded = self.per_page * self.pages_ahead + 1
        if not self.object_list.query.where:
            estimate = self._planner_estimate()
            if estimate >= bounded:
                return estimate
        return len(self.object_list[:bounded].values("pk"))

    def _planner_estimate(self) -> int:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = %s",
                           [self.object_list.model._meta.db_table])
            row = cursor.fetchone()
        return max(int(row[0]) if row else 0, 0)


class BigTableAdmin(admin.ModelAdmin):
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    list_per_page = 50

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # Retention deletes in batches; a "select all" delete here would lock the big tables.
        return False


class ClientForm(forms.ModelForm):
    responsys_password_input = forms.CharField(
        label="Responsys password", required=False, widget=forms.PasswordInput(render_value=False),
        help_text="Write-only: leave empty to keep the stored password.",
    )

    class Meta:
        model = Client
        exclude = ["responsys_password"]

    def save(self, commit=True):
        client = super().save(commit=False)
        if self.cleaned_data.get("responsys_password_input"):
            client.responsys_password = self.cleaned_data["responsys_password_input"]
        if commit:
            client.save()
            self.save_m2m()
        return client


def _sync_run_inline():
    from responsys_sync.admin import SyncRunInline

    return SyncRunInline


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    form = ClientForm
    list_display = ("name", "opted_in", "sync_flagged", "consecutive_failed_syncs", "created_at")
    list_editable = ("opted_in",)
    list_filter = ("opted_in", "sync_flagged")
    search_fields = ("name",)
    filter_horizontal = ("members",)
    readonly_fields = ("callback_url_display", "previous_token_valid_until",
                       "consecutive_failed_syncs", "column_mapping_help")
    actions = ["sync_now", "rotate_token", "test_connection"]
    fieldsets = (
        (None, {"fields": ("name", "members")}),
        ("Callbacks", {"fields": ("callback_url_display", "previous_token_valid_until",
                                  "ip_allowlist")}),
        ("Sync to Responsys", {"fields": ("opted_in", "sync_interval_minutes", "sync_flagged",
                                          "consecutive_failed_syncs")}),
        ("Responsys connection", {"fields": (
            "responsys_login_url", "responsys_username", "responsys_password_input",
            "responsys_folder", "responsys_table", "responsys_columns", "column_mapping_help",
            "responsys_time_zone",
            "recipient_id_source", "recipient_id_extra_part")}),
        ("Retention", {"fields": ("retention_days", "purge_responsys_rows")}),
    )

    def get_inlines(self, request, obj):
        return [_sync_run_inline()] if obj is not None else []

    @admin.display(description="Callback URL")
    def callback_url_display(self, obj):
        if obj is None or not obj.pk:
            return "Shown after the client is saved."
        return format_html(
            '<input type="text" readonly value="{}" size="90" onclick="this.select()"> '
            '<p class="help">Give this URL to the Gupshup account manager. Keep it secret: '
            "anyone who has it can post delivery reports for this client.</p>",
            obj.callback_url,
        )

    @admin.display(description="Column mapping")
    def column_mapping_help(self, obj):
        from responsys_sync.dlr_report import DLR_COLUMNS, table_layout

        names = table_layout(obj).names if obj is not None and obj.pk else {}
        rows = format_html_join(
            "", "<tr><td><code>{}</code></td><td>{}</td><td><code>{}</code></td></tr>",
            ((logical, kind, names.get(logical, logical)) for logical, kind in DLR_COLUMNS),
        )
        return format_html(
            '<p class="help">The sync writes these columns. When the client\'s table was made by '
            "hand with other names, list only the differing ones in Responsys columns above as "
            'JSON, e.g. <code>{{"MESSAGE_ID": "MSG_ID", "MOBILE_NUMBER": "PHONE"}}</code>. Names '
            "are upper-cased; Responsys allows at most 30 characters and no reserved words such "
            "as ID or DATE. When the table exists with other columns, the sync reports the "
            'mismatch instead of guessing.</p><table id="column-mapping"><thead><tr>'
            "<th>Column</th><th>Type</th><th>Name used for this client</th></tr></thead>"
            "<tbody>{}</tbody></table>",
            rows,
        )

    @admin.action(description="Sync now")
    def sync_now(self, request, queryset):
        from responsys_sync.models import SyncRun
        from responsys_sync.tasks import sync_client

        for client in queryset:
            sync_client.delay(client.pk, trigger=SyncRun.Trigger.MANUAL)
            logger.info("manual sync of client %s queued by %s", client.pk, request.user)
        self.message_user(request, f"Queued a sync for {queryset.count()} client(s).")

    @admin.action(description="Rotate callback token")
    def rotate_token(self, request, queryset):
        for client in queryset:
            client.rotate_callback_token()
            logger.info("callback token of client %s rotated by %s", client.pk, request.user)
        self.message_user(
            request, "New callback URLs issued; the old ones keep working during the grace "
                     "period. Send the new URL to Gupshup.")

    @admin.action(description="Test Responsys connection")
    def test_connection(self, request, queryset):
        from responsys_sync.client import ResponsysError
        from responsys_sync.sync import responsys_client_for

        for client in queryset:
            if not client.has_responsys_connection:
                self.message_user(request, f"{client}: no Responsys connection configured.",
                                  messages.WARNING)
                continue
            try:
                endpoint = responsys_client_for(client).test_connection()
            except ResponsysError as error:
                self.message_user(request, f"{client}: connection failed: {error}",
                                  messages.ERROR)
            else:
                self.message_user(request, f"{client}: logged in, API endpoint {endpoint}.")


@admin.register(RawCallback)
class RawCallbackAdmin(BigTableAdmin):
    list_display = ("id", "client", "received_at", "method", "format", "outcome", "event_count",
                    "duplicate_count", "rejected_count")
    list_filter = ("outcome", "format", "client")
    date_hierarchy = None
    readonly_fields = ("body_text",)
    exclude = ("body",)
    actions = ["replay"]

    @admin.action(description="Replay with the current parser")
    def replay(self, request, queryset):
        for raw in queryset[:500]:
            result = replay_raw_callback(raw)
            self.message_user(request, f"Callback {raw.pk}: {result.stored} stored, "
                                       f"{result.duplicates} duplicates, {result.rejected} "
                                       "still quarantined.")


@admin.register(QuarantinedEvent)
class QuarantinedEventAdmin(BigTableAdmin):
    list_display = ("id", "client", "created_at", "reason", "resolved_at", "raw_callback")
    list_filter = ("client", ("resolved_at", admin.EmptyFieldListFilter))
    actions = ["replay"]

    @admin.action(description="Replay the callbacks of these events")
    def replay(self, request, queryset):
        raw_ids = set(queryset.values_list("raw_callback_id", flat=True)[:500])
        for raw in RawCallback.objects.filter(pk__in=raw_ids):
            result = replay_raw_callback(raw)
            self.message_user(request, f"Callback {raw.pk}: {result.stored} stored, "
                                       f"{result.duplicates} duplicates, {result.rejected} "
                                       "still quarantined.")


@admin.register(Message)
class MessageAdmin(BigTableAdmin):
    list_display = ("message_id", "client", "status", "status_time", "phone", "sender",
                    "first_event_at", "status_version", "pushed_version")
    list_filter = ("client", "status", ("first_event_at", admin.DateFieldListFilter))
    search_fields = ("=message_id", "=phone", "=wa_message_id")
    search_help_text = "Exact message id, WhatsApp id or recipient phone number (digits only)."
    ordering = ("-id",)


@admin.register(StatusEvent)
class StatusEventAdmin(BigTableAdmin):
    list_display = ("message_id", "client", "status", "raw_status", "event_time", "cause",
                    "error_code", "received_at")
    list_filter = ("client", "status", ("event_time", admin.DateFieldListFilter))
    search_fields = ("=message_id", "=phone")
    search_help_text = "Exact message id or recipient phone number (digits only)."
    ordering = ("-id",)
