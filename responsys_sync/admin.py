"""Admin for the sync history."""
from datetime import timedelta

from django.contrib import admin
from django.utils import timezone

from .models import SyncRejection, SyncRun


def rounded_duration(duration: timedelta | None) -> str:
    """Format a run's duration rounded ("0.24 s", "12 s", "2 min 5 s", "1 h 3 min").

    Return a dash while the run has not finished.
    """
    if duration is None:
        return "–"
    seconds = duration.total_seconds()
    if seconds < 10:
        return f"{seconds:.2f} s"
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    minutes, seconds_left = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes} min {seconds_left} s" if seconds_left else f"{minutes} min"
    hours, minutes_left = divmod(minutes, 60)
    return f"{hours} h {minutes_left} min" if minutes_left else f"{hours} h"


class SyncRunInline(admin.TabularInline):
    model = SyncRun
    fields = ("started_at", "finished_at", "trigger", "status", "records_sent",
              "records_accepted", "records_rejected", "error")
    readonly_fields = fields
    ordering = ("-started_at",)
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True
    verbose_name_plural = "Recent sync runs"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        recent = queryset.order_by("-started_at").values_list("pk", flat=True)[:10]
        return queryset.filter(pk__in=list(recent))


class SyncRejectionInline(admin.TabularInline):
    model = SyncRejection
    fields = ("gupshup_message_id", "reason")
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False


@admin.register(SyncRun)
class SyncRunAdmin(admin.ModelAdmin):
    # Short cells and headings so the list, filters included, fits a 1366-pixel screen.
    list_display = ("run_id", "client", "trigger", "status", "started", "run_duration",
                    "sent", "accepted", "rejected")
    list_display_links = ("run_id",)
    list_filter = ("status", "trigger", "client")
    list_select_related = ("client",)
    search_fields = ("rejections__gupshup_message_id",)
    search_help_text = "A Gupshup message id that Responsys rejected in the run."
    readonly_fields = [field.name for field in SyncRun._meta.fields]
    inlines = [SyncRejectionInline]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def changelist_view(self, request, extra_context=None):
        # Nine columns plus the filters do not fit beside the app navigation at 1366 pixels;
        # the breadcrumbs still lead back to every other list.
        return super().changelist_view(
            request, {"is_nav_sidebar_enabled": False, **(extra_context or {})})

    @admin.display(description="ID", ordering="id")
    def run_id(self, run):
        return str(run.pk)

    @admin.display(description="Started (UTC)", ordering="started_at")
    def started(self, run):
        return timezone.localtime(run.started_at).strftime("%Y-%m-%d %H:%M:%S")

    @admin.display(description="Duration")
    def run_duration(self, run):
        return rounded_duration(run.duration)

    @admin.display(description="Sent", ordering="records_sent")
    def sent(self, run):
        return run.records_sent

    @admin.display(description="Accepted", ordering="records_accepted")
    def accepted(self, run):
        return run.records_accepted

    @admin.display(description="Rejected", ordering="records_rejected")
    def rejected(self, run):
        return run.records_rejected
