"""The benchmark's baseline: a plain DRF webhook that saves each event with its own INSERT.

This is the straightforward way to write the webhook (JSONParser, a ModelSerializer per event,
`serializer.save()` in a loop), kept only to measure how much the real view gains. It is
mounted by bench/webhook_settings.py and never by the project's own URLconf.
"""
from datetime import datetime, timezone

from django.urls import include, path
from rest_framework import serializers
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from callbacks.models import Client, StatusEvent
from callbacks.status_mapping import map_enterprise_status


class StatusEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = StatusEvent
        fields = ["client", "message_id", "status", "status_key", "raw_status", "cause",
                  "error_code", "event_time", "phone", "sender", "channel", "format", "raw"]


class BaselineCallbackView(APIView):
    """Store a bare JSON array of enterprise events, one serializer and one INSERT per event."""

    authentication_classes = []
    permission_classes = [AllowAny]
    parser_classes = [JSONParser]

    def post(self, request, token):
        client = Client.objects.get(callback_token=token)
        for item in request.data:
            status = map_enterprise_status(item["eventType"], item.get("cause", ""),
                                           item.get("errorCode", ""))
            serializer = StatusEventSerializer(data={
                "client": client.id, "message_id": str(item["externalId"]), "status": status,
                "status_key": status or item["eventType"].lower(),
                "raw_status": item["eventType"], "cause": item.get("cause", ""),
                "error_code": item.get("errorCode", ""),
                "event_time": datetime.fromtimestamp(item["eventTs"] / 1000, tz=timezone.utc),
                "phone": str(item.get("destAddr", "")).lstrip("+"),
                "sender": item.get("srcAddr", ""), "channel": item.get("channel", "WHATSAPP"),
                "format": "enterprise", "raw": item,
            })
            serializer.is_valid(raise_exception=True)
            serializer.save()
        return Response({"stored": len(request.data)})


urlpatterns = [
    path("baseline/gupshup/<str:token>/", BaselineCallbackView.as_view()),
    path("", include("dlr_project.urls")),
]
