from django.apps import AppConfig


class ResponsysSyncConfig(AppConfig):
    name = "responsys_sync"
    verbose_name = "Responsys sync"

    def ready(self):
        from . import signals  # noqa: F401
