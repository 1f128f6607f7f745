from django.contrib import admin
from django.urls import include, path

from callbacks.views import healthz, prometheus_metrics

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("callbacks/", include("callbacks.urls")),
    path("healthz", healthz, name="healthz"),
    path("metrics", prometheus_metrics, name="metrics"),
    path("", include("reporting.urls")),
]
