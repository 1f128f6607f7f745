"""Admin for the sync history."""
from django.contrib import admin

from .models import SyncRejection, SyncRun


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
    list_display = ("id", "client", "trigger", "status", "started_at", "duration",
                    "records_sent", "records_accepted", "records_rejected")
    list_filter = ("status", "trigger", "client")
    list_select_related = ("client",)
    search_fields = ("rejections__gupshup_message_id",)
    search_help_text = "A Gupshup message id that Responsys rejected in the run."
    readonly_fields = [field.name for field in SyncRun._meta.fields]
    inlines = [SyncRejectionInline]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False
