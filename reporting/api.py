"""Read-only REST API: messages with the dashboard filters, one message's events, the overview.

Authentication is by token (`Authorization: Token <key>`) or session; every endpoint shows only
the clients the user may see, exactly like the pages.
"""
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from callbacks.models import Message, StatusEvent

from .access import visible_clients
from .filters import Selection
from .summary import build_overview

SELECTION_PARAMETERS = [
    OpenApiParameter("client", OpenApiTypes.INT, many=True,
                     description="Client id; repeat for several. Default: all your clients."),
    OpenApiParameter("range", OpenApiTypes.STR, enum=["today", "7d", "30d", "custom"],
                     description="Date range of the messages' first event (UTC). Default 7d."),
    OpenApiParameter("from", OpenApiTypes.DATE, description="First day of a custom range."),
    OpenApiParameter("to", OpenApiTypes.DATE, description="Last day of a custom range."),
    OpenApiParameter("sender", OpenApiTypes.STR, description="Business number or sender id."),
    OpenApiParameter("status", OpenApiTypes.STR,
                     enum=["SENT", "SUCCESS", "READ", "UNKNOWN_SUBSCRIBER", "DEFERRED", "OTHER",
                           "none"],
                     description="Current status; `none` for messages with no status yet."),
    OpenApiParameter("cause", OpenApiTypes.STR, description="A failure cause or error code."),
    OpenApiParameter("channel", OpenApiTypes.STR, description="Channel, e.g. WHATSAPP."),
]
SEARCH_PARAMETER = OpenApiParameter(
    "q", OpenApiTypes.STR, description="A message id, recipient id or phone number.")


class StatusEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = StatusEvent
        fields = ["id", "status", "raw_status", "event_time", "cause", "error_code",
                  "error_title", "phone", "sender", "channel", "extra", "format", "raw",
                  "received_at"]


class MessageSerializer(serializers.ModelSerializer):
    client_name = serializers.CharField(source="client.name", read_only=True)

    class Meta:
        model = Message
        fields = ["id", "client", "client_name", "message_id", "wa_message_id", "phone",
                  "sender", "channel", "status", "status_time", "cause", "error_code",
                  "error_title", "first_event_at", "sent_at", "delivered_at", "read_at",
                  "updated_at"]


class MessageWithEventsSerializer(MessageSerializer):
    events = serializers.SerializerMethodField()

    class Meta(MessageSerializer.Meta):
        fields = [*MessageSerializer.Meta.fields, "extra", "events"]

    @extend_schema_field(StatusEventSerializer(many=True))
    def get_events(self, message):
        events = StatusEvent.objects.filter(
            client_id=message.client_id, message_id=message.message_id,
        ).order_by("event_time", "id")
        return StatusEventSerializer(events, many=True).data


class NewestFirst(CursorPagination):
    ordering = ("-first_event_at", "-id")
    page_size = 100
    max_page_size = 1000
    page_size_query_param = "page_size"


class MessageList(generics.ListAPIView):
    """Messages of the selection, newest first, in cursor pages (follow `next`)."""

    serializer_class = MessageSerializer
    pagination_class = NewestFirst
    filter_backends = []

    def get_queryset(self):
        selection = Selection.from_params(self.request.user, self.request.query_params)
        return selection.messages().select_related("client")

    @extend_schema(parameters=[*SELECTION_PARAMETERS, SEARCH_PARAMETER])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class MessageDetail(generics.RetrieveAPIView):
    """One message with its full event history, raw values included."""

    serializer_class = MessageWithEventsSerializer

    def get_queryset(self):
        return Message.objects.filter(
            client__in=visible_clients(self.request.user)).select_related("client")


class FunnelSerializer(serializers.Serializer):
    sent = serializers.IntegerField()
    delivered = serializers.IntegerField()
    read = serializers.IntegerField()
    delivery_rate = serializers.FloatField(allow_null=True)
    read_rate = serializers.FloatField(allow_null=True)


class FailureSerializer(serializers.Serializer):
    status = serializers.CharField()
    error_code = serializers.CharField()
    cause = serializers.CharField()
    description = serializers.CharField()
    messages = serializers.IntegerField()


class SenderSerializer(serializers.Serializer):
    sender = serializers.CharField()
    messages = serializers.IntegerField()
    delivered = serializers.IntegerField()
    read = serializers.IntegerField()


class SyncRunSerializer(serializers.Serializer):
    client = serializers.IntegerField(source="client_id")
    client_name = serializers.CharField(source="client.name")
    status = serializers.CharField()
    started_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    records_sent = serializers.IntegerField()
    records_accepted = serializers.IntegerField()
    records_rejected = serializers.IntegerField()


class SeriesPointSerializer(serializers.Serializer):
    time = serializers.DateTimeField()
    counts = serializers.DictField(child=serializers.IntegerField())


class OverviewSerializer(serializers.Serializer):
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    clients = serializers.ListField(child=serializers.IntegerField())
    status_counts = serializers.DictField(child=serializers.IntegerField())
    no_status = serializers.IntegerField(help_text="Messages with only enqueued events so far.")
    funnel = FunnelSerializer()
    failures = FailureSerializer(many=True)
    granularity = serializers.ChoiceField(choices=["hour", "day"])
    series = SeriesPointSerializer(many=True)
    top_senders = SenderSerializer(many=True)
    last_syncs = SyncRunSerializer(many=True)
    refreshed_at = serializers.DateTimeField(
        allow_null=True, help_text="When the aggregates were last brought up to date.")


class OverviewView(APIView):
    """The overview's aggregates for a selection (the search term does not apply)."""

    @extend_schema(parameters=SELECTION_PARAMETERS, responses=OverviewSerializer)
    def get(self, request):
        selection = Selection.from_params(request.user, request.query_params)
        data = build_overview(selection)
        series = [
            {"time": moment, "counts": {code: values[index] for code, values in data.series.items()}}
            for index, moment in enumerate(data.series_labels)
        ]
        payload = {
            "date_from": selection.date_from, "date_to": selection.date_to,
            "clients": selection.client_ids, "status_counts": data.status_counts,
            "no_status": data.no_status,
            "funnel": {"sent": data.funnel.sent, "delivered": data.funnel.delivered,
                       "read": data.funnel.read, "delivery_rate": data.funnel.delivery_rate,
                       "read_rate": data.funnel.read_rate},
            "failures": data.failures, "granularity": data.granularity, "series": series,
            "top_senders": data.top_senders, "last_syncs": data.last_syncs,
            "refreshed_at": data.refreshed_at,
        }
        return Response(OverviewSerializer(payload).data)
