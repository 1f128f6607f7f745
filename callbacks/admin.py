"""Admin for clients, raw callbacks, quarantined events, messages and status events."""
import logging

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST

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


def plain_id(obj) -> str:
    """Return an id as plain digits, because USE_THOUSAND_SEPARATOR would print "1,425"."""
    return str(obj.pk)


def to_the_second(moment) -> str:
    """Format a time to the second in the site's time zone (UTC), or a dash when missing."""
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S") if moment else "–"


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

    change_form_template = "admin/callbacks/client/change_form.html"

    def get_urls(self):
        # Each button on a client's change page posts, with its CSRF token, to one of these.
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/sync-now/", view(self.sync_now_view), name="callbacks_client_sync_now"),
            path("<int:pk>/test-connection/", view(self.test_connection_view),
                 name="callbacks_client_test_connection"),
            path("<int:pk>/rotate-token/", view(self.rotate_token_view),
                 name="callbacks_client_rotate_token"),
        ] + super().get_urls()

    def _client_for_button(self, request, pk: int) -> Client:
        client = get_object_or_404(Client, pk=pk)
        if not self.has_change_permission(request, client):
            raise PermissionDenied
        return client

    def _back_to_change_page(self, client: Client):
        return redirect("admin:callbacks_client_change", client.pk)

    @method_decorator(require_POST)
    def sync_now_view(self, request, pk: int):
        client = self._client_for_button(request, pk)
        self._queue_sync(request, client)
        self.message_user(request, f"{client}: sync queued; it appears under Recent sync runs "
                                   "when it finishes.")
        return self._back_to_change_page(client)

    @method_decorator(require_POST)
    def test_connection_view(self, request, pk: int):
        client = self._client_for_button(request, pk)
        self._test_connection(request, client)
        return self._back_to_change_page(client)

    def rotate_token_view(self, request, pk: int):
        """Show a confirmation page on GET. On POST, rotate and report the new URL."""
        client = self._client_for_button(request, pk)
        if request.method != "POST":
            return self._rotation_confirmation(request, [client], from_action=False)
        self._rotate(request, client)
        return self._back_to_change_page(client)

    def _rotation_confirmation(self, request, clients: list[Client], from_action: bool):
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta,
            "title": "Rotate the callback token?", "clients": clients,
            "grace_hours": settings.CALLBACK_TOKEN_GRACE_HOURS,
            "action_checkbox_name": ACTION_CHECKBOX_NAME, "from_action": from_action,
        }
        return TemplateResponse(request, "admin/callbacks/client/rotate_token_confirmation.html",
                                context)

    def _queue_sync(self, request, client: Client) -> None:
        from responsys_sync.models import SyncRun
        from responsys_sync.tasks import sync_client

        sync_client.delay(client.pk, trigger=SyncRun.Trigger.MANUAL)
        logger.info("manual sync of client %s queued by %s", client.pk, request.user)

    def _rotate(self, request, client: Client) -> None:
        client.rotate_callback_token()
        logger.info("callback token of client %s rotated by %s", client.pk, request.user)
        until = timezone.localtime(client.previous_token_valid_until)
        self.message_user(request, format_html(
            "{}: new callback URL <code>{}</code>. Send it to Gupshup; the old URL keeps working "
            "until {} UTC.", client, client.callback_url, until.strftime("%Y-%m-%d %H:%M")))

    def _test_connection(self, request, client: Client) -> None:
        from responsys_sync.client import ResponsysError
        from responsys_sync.sync import responsys_client_for

        if not client.has_responsys_connection:
            self.message_user(request, f"{client}: no Responsys connection configured.",
                              messages.WARNING)
            return
        try:
            endpoint = responsys_client_for(client).test_connection()
        except ResponsysError as error:
            logger.info("connection test of client %s failed: %s", client.pk, error)
            self.message_user(request, f"{client}: connection failed: {error}", messages.ERROR)
        else:
            self.message_user(request, f"{client}: logged in, API endpoint {endpoint}.")

    @admin.action(description="Sync now")
    def sync_now(self, request, queryset):
        for client in queryset:
            self._queue_sync(request, client)
        self.message_user(request, f"Queued a sync for {queryset.count()} client(s).")

    @admin.action(description="Rotate callback token")
    def rotate_token(self, request, queryset):
        # Without the confirmation page's "post" field, show that page instead of rotating.
        if request.POST.get("post") != "yes":
            return self._rotation_confirmation(request, list(queryset), from_action=True)
        for client in queryset:
            self._rotate(request, client)
        return None

    @admin.action(description="Test Responsys connection")
    def test_connection(self, request, queryset):
        for client in queryset:
            self._test_connection(request, client)


@admin.register(RawCallback)
class RawCallbackAdmin(BigTableAdmin):
    list_display = ("callback_id", "client", "received", "method", "format", "outcome",
                    "event_count", "duplicate_count", "rejected_count")
    list_display_links = ("callback_id",)
    list_filter = ("outcome", "format", "client")
    date_hierarchy = None
    readonly_fields = ("body_text",)
    exclude = ("body",)
    actions = ["replay"]

    @admin.display(description="ID", ordering="id")
    def callback_id(self, obj):
        return plain_id(obj)

    @admin.display(description="Received (UTC)", ordering="received_at")
    def received(self, obj):
        return to_the_second(obj.received_at)

    @admin.action(description="Replay with the current parser")
    def replay(self, request, queryset):
        for raw in queryset[:500]:
            result = replay_raw_callback(raw)
            self.message_user(request, f"Callback {raw.pk}: {result.stored} stored, "
                                       f"{result.duplicates} duplicates, {result.rejected} "
                                       "still quarantined.")


@admin.register(QuarantinedEvent)
class QuarantinedEventAdmin(BigTableAdmin):
    list_display = ("event_id", "client", "created", "reason", "resolved_at",
                    "raw_callback_number")
    list_display_links = ("event_id",)
    list_filter = ("client", ("resolved_at", admin.EmptyFieldListFilter))
    actions = ["replay"]

    @admin.display(description="ID", ordering="id")
    def event_id(self, obj):
        return plain_id(obj)

    @admin.display(description="Created (UTC)", ordering="created_at")
    def created(self, obj):
        return to_the_second(obj.created_at)

    @admin.display(description="Raw callback")
    def raw_callback_number(self, obj):
        return str(obj.raw_callback_id) if obj.raw_callback_id else "–"

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
