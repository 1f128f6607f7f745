"""WebhookFastPath sends exactly the webhook's URLs to the view and everything else to Django."""
import io
import json
import sys

import pytest

from callbacks.models import RawCallback
from callbacks.views import WebhookFastPath

from .conftest import enterprise_event, unique_message_id

pytestmark = pytest.mark.django_db


def wsgi_call(application, path: str, body: bytes = b"[]", script_name: str = "",
              **extra_environ):
    environ = {
        "REQUEST_METHOD": "POST", "PATH_INFO": path, "SCRIPT_NAME": script_name,
        "QUERY_STRING": "", "CONTENT_TYPE": "", "CONTENT_LENGTH": str(len(body)),
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1", "wsgi.input": io.BytesIO(body), "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr, "wsgi.multithread": True, "wsgi.multiprocess": True,
        "wsgi.run_once": False, "wsgi.version": (1, 0), **extra_environ,
    }
    started = []
    content = b"".join(application(environ, lambda status, headers: started.append(
        (status, dict(headers)))))
    return started[0][0], started[0][1], content


def django_stand_in(environ, start_response):
    start_response("299 Django", [])
    return [b"django"]


def test_webhook_path_is_served_by_the_view(gupshup_client):
    body = json.dumps([enterprise_event(unique_message_id(), "SENT")]).encode()

    status, headers, content = wsgi_call(WebhookFastPath(django_stand_in),
                                         gupshup_client.callback_path, body)

    assert status == "200 OK"
    assert headers["Content-Length"] == str(len(content))
    assert json.loads(content)["stored"] == 1
    assert RawCallback.objects.count() == 1


def test_unknown_token_is_404_from_the_view():
    status, _headers, _content = wsgi_call(WebhookFastPath(django_stand_in),
                                           "/callbacks/gupshup/unknown/")

    assert status == "404 Not Found"


@pytest.mark.parametrize("path", ["/callbacks/gupshup/", "/callbacks/gupshup//",
                                  "/callbacks/gupshup/a/b/",
                                  "/admin/", "/healthz", "/callbacks/gupshupx/token/"])
def test_other_paths_go_to_django(path):
    status, _headers, content = wsgi_call(WebhookFastPath(django_stand_in), path)

    assert status == "299 Django"
    assert content == b"django"


def test_script_name_goes_to_django(gupshup_client):
    status, _headers, _content = wsgi_call(WebhookFastPath(django_stand_in),
                                           gupshup_client.callback_path, script_name="/prefix")

    assert status == "299 Django"


def test_disallowed_host_is_400_and_stores_nothing(gupshup_client):
    body = json.dumps([enterprise_event(unique_message_id(), "SENT")]).encode()

    status, _headers, content = wsgi_call(WebhookFastPath(django_stand_in),
                                          gupshup_client.callback_path, body,
                                          HTTP_HOST="attacker.example")

    assert status == "400 Bad Request"
    assert b"Host header" in content
    assert RawCallback.objects.count() == 0


def test_allowed_host_header_is_served(gupshup_client):
    status, _headers, _content = wsgi_call(WebhookFastPath(django_stand_in),
                                           gupshup_client.callback_path, HTTP_HOST="localhost:8000")

    assert status == "200 OK"


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
def test_unsupported_method_is_405(gupshup_client, method):
    status, headers, content = wsgi_call(WebhookFastPath(django_stand_in),
                                         gupshup_client.callback_path, REQUEST_METHOD=method)

    assert status == "405 Method Not Allowed"
    assert "not allowed" in json.loads(content)["detail"]
    assert RawCallback.objects.count() == 0


def test_options_lists_allowed_methods(gupshup_client):
    status, headers, _content = wsgi_call(WebhookFastPath(django_stand_in),
                                          gupshup_client.callback_path, REQUEST_METHOD="OPTIONS")

    assert status == "200 OK"
    assert {"GET", "POST", "PUT"} <= {method.strip() for method in headers["Allow"].split(",")}
    assert RawCallback.objects.count() == 0
