"""HTTP plumbing: the request handler and the two threading servers (login and API)."""

from __future__ import annotations

import logging
import secrets
import socket
import socketserver
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

from . import errors
from .app import Emulator
from .protocol import Request, Response, json_response

logger = logging.getLogger(__name__)


class EmulatorHTTPServer(ThreadingHTTPServer):
    """Threading HTTP server tagged with the role (login or api) of its port."""

    daemon_threads = True
    # Room for bursts of new connections from clients that do not reuse sockets.
    request_queue_size = 128

    def __init__(self, host: str, port: int, port_role: str, app: Emulator | None) -> None:
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        super().__init__((host, port), EmulatorRequestHandler)
        self.port_role = port_role
        self.app = app

    def server_bind(self) -> None:
        # HTTPServer.server_bind would resolve the host name with getfqdn, which can stall.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]


class EmulatorRequestHandler(BaseHTTPRequestHandler):
    """Decode each request, run it through the emulator and write the response."""

    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes. With Nagle's algorithm on, the client's
    # delayed ACK held each body back by about 40 ms (measured: 4,400 instead of 84,000 rec/s).
    disable_nagle_algorithm = True
    # The real API sends `Server: Apache`, and the Python version stays out of the header.
    server_version = "Apache"

    def version_string(self) -> str:
        return self.server_version

    def do_GET(self) -> None:
        self.dispatch("GET")

    def do_POST(self) -> None:
        self.dispatch("POST")

    def do_PUT(self) -> None:
        self.dispatch("PUT")

    def do_DELETE(self) -> None:
        self.dispatch("DELETE")

    def do_PATCH(self) -> None:
        self.dispatch("PATCH")

    def dispatch(self, method: str) -> None:
        started = time.monotonic()
        correlation_id = "Id-" + secrets.token_hex(12)
        app: Emulator = self.server.app
        path, _, raw_query = self.path.partition("?")
        body = self.read_body(app, path)
        if body is None:
            return
        request = Request(
            method=method, path=path, segments=[unquote(part) for part in path.split("/")[1:]],
            raw_query=raw_query, headers=self.headers, body=body,
            port_role=self.server.port_role, client_host=self.client_address[0])
        try:
            response = app.handle(request)
        except errors.DropConnection:
            logger.info("%s %s %s: connection dropped (injected fault)", correlation_id,
                        method, path)
            self.drop_connection()
            return
        except errors.ApiError as error:
            response = json_response(error.status, error.envelope())
        except Exception:
            logger.exception("%s %s %s failed", correlation_id, method, path)
            response = json_response(500, errors.unexpected_exception().envelope())
        self.write_response(response, correlation_id)
        # The path is logged without its query string, which may carry user input.
        logger.debug("%s %s %s -> %d in %.1f ms", correlation_id, method, path,
                     response.status, (time.monotonic() - started) * 1000)

    def read_body(self, app: Emulator, path: str) -> bytes | None:
        """Read the request body; drop the connection and return None when it is too big."""
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0:
            self.send_error(400, "Invalid Content-Length")
            return None
        limit = app.controls.settings.max_body_bytes
        if length > limit:
            # The Oracle gateway resets oversized requests instead of sending an error.
            logger.info("%s %s: %d-byte body is over the %d-byte limit, connection dropped",
                        self.command, path, length, limit)
            self.drop_connection()
            return None
        return self.rfile.read(length) if length else b""

    def write_response(self, response: Response, correlation_id: str) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("X-CorrelationID", correlation_id)
        if self.server.app.controls.settings.connection_close:
            self.close_connection = True
        if self.close_connection and response.stream is None:
            # Without this header an HTTP/1.1 client would reuse the socket we are closing.
            self.send_header("Connection", "close")
        if response.stream is None:
            payload = response.encode()
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            return
        # A stream has no known length, so the end of the body is the end of the connection.
        self.send_header("Connection", "close")
        self.close_connection = True
        self.end_headers()
        for chunk in response.stream:
            self.wfile.write(chunk)

    def drop_connection(self) -> None:
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def log_message(self, format: str, *args) -> None:
        # Parse errors and the like from BaseHTTPRequestHandler; access lines are logged above.
        logger.info("%s: " + format, self.client_address[0], *args)

    def log_request(self, code="-", size="-") -> None:
        pass
