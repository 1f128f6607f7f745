from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from . import api, views

app_name = "reporting"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("messages/", views.message_list, name="messages"),
    path("messages/export.csv", views.export_csv, name="export"),
    path("messages/<int:pk>/", views.message_detail, name="message"),
    path("api/messages/", api.MessageList.as_view(), name="api-messages"),
    path("api/messages/<int:pk>/", api.MessageDetail.as_view(), name="api-message"),
    path("api/overview/", api.OverviewView.as_view(), name="api-overview"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="reporting:api-schema"),
         name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="reporting:api-schema"),
         name="api-redoc"),
]
