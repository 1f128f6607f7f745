"""The CSV export keeps memory flat: rows are read in chunks, not loaded at once."""
import tracemalloc

import pytest
from django.db import connection

from reporting.explorer import export_rows
from reporting.filters import Selection

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

ROWS = 100_000
# Loading 100,000 rows as model instances or tuples takes well over 100 MB in Python.
PEAK_LIMIT_BYTES = 30 * 1024 * 1024


def generate_messages(client, count):
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO callbacks_message (client_id, message_id, wa_message_id, phone, sender, "
            "channel, extra, status, status_rank, status_time, cause, error_code, error_title, "
            "first_event_at, status_version, pushed_version, last_push_error, created_at, "
            "updated_at) "
            "SELECT %s, 'bulk-' || n, '', '4477' || n, 'ACMESHOP', 'WHATSAPP', '', 'READ', 4, "
            "now() - n * interval '1 second', '', '', '', now() - n * interval '1 second', 1, 0, "
            "'', now(), now() FROM generate_series(1, %s) AS n",
            [client.pk, count],
        )


def test_export_of_many_rows_stays_small_in_memory(acme, alice):
    from django.http import QueryDict

    generate_messages(acme, ROWS)
    selection = Selection.from_params(alice, QueryDict("range=7d"))
    tracemalloc.start()
    lines = sum(1 for _ in export_rows(selection.messages(), selection.clients))
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert lines == ROWS + 1
    assert peak < PEAK_LIMIT_BYTES
