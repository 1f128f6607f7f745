from django.urls import path

from .views import GupshupCallbackView

app_name = "callbacks"

urlpatterns = [
    path("gupshup/<str:token>/", GupshupCallbackView.as_view(), name="gupshup"),
]
