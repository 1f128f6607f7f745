from django.urls import path

from .views import GupshupCallbackView

app_name = "callbacks"

urlpatterns = [
    path("gupshup/<str:token>/", GupshupCallbackView.as_view(), name="gupshup"),
    # Without the slash too: APPEND_SLASH would return 301, and a client that follows it with a
    # GET loses the body.
    path("gupshup/<str:token>", GupshupCallbackView.as_view(), name="gupshup-no-slash"),
]
