"""The wire for clients in other processes (the Node.js driver): a loopback HTTP server that answers
each request from the cassette being replayed, or forwards it to the live target, and keeps what
crossed it (the request's bytes, the answer's status, headers and bytes) for the Exchange.

Replay matches exactly as the Python SDK's in-process replay does (wire/cassettes.py); a request
with no recorded answer gets a 599 marked as such, never a live call. Forwarding sends through the
same HTTP library as the Python SDK, so recording (vcrpy, with its secret scrubbing) sees both alike.
The client in the other process never holds the key: it sends a placeholder, which is swapped for
the key here (the suite's deliberately wrong key passes through as it is).
"""
import http.server
import itertools
import socket
import struct
import threading
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .http import http_transport

EXCHANGE_HEADER = "x-conformance-exchange"  # which exchange a request belongs to; never forwarded
PLACEHOLDER_KEY = "conformance-loopback-placeholder-key"
NOT_RECORDED_STATUS = 599
# Headers about one hop, not the answer: the loopback server sets its own.
HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding", "host",
               "proxy-connection", "te", "trailer", "upgrade", "accept-encoding", EXCHANGE_HEADER}


@dataclass
class Capture:
    """What crossed the loopback server for one exchange."""
    method: str = ""
    path: str = ""
    body: bytes = b""
    status: int | None = None
    headers: list = field(default_factory=list)
    content: bytes = b""
    stream_cut: str | None = None      # the target's answer broke off (the client got the part before)
    transport_error: str | None = None  # the target gave no answer at all
    miss: str | None = None            # replay: no recorded answer


class LoopbackServer:
    """One per process: `serve_from(recorder)` in replay, `forward_to(url, key)` live and recording."""

    def __init__(self, timeout: float = 60.0):
        self.timeout = timeout
        self.source = None          # replay: anything with `.current`, the Cassette being replayed
        self.upstream: str | None = None
        self.api_key: str | None = None
        self.captures: dict[str, Capture] = {}
        self.lock = threading.Lock()
        self.ids = itertools.count(1)
        self.http = None
        self.server: http.server.ThreadingHTTPServer | None = None
        self.path_prefix = "/v1"

    def serve_from(self, source) -> "LoopbackServer":
        self.source = source
        return self

    def forward_to(self, base_url: str, api_key: str) -> "LoopbackServer":
        """Forward to the target at base_url; the loopback base URL mirrors its path (…/v1, /b/x/v1)."""
        self.upstream, self.api_key = base_url.rstrip("/"), api_key
        self.path_prefix = urlsplit(self.upstream).path
        self.http = http_transport.Client(timeout=self.timeout, follow_redirects=False)
        return self

    @property
    def base_url(self) -> str:
        if self.server is None:
            self.start()
        return f"http://127.0.0.1:{self.server.server_address[1]}{self.path_prefix}"

    def new_exchange(self) -> str:
        return str(next(self.ids))

    def take(self, exchange_id: str) -> Capture | None:
        with self.lock:
            return self.captures.pop(exchange_id, None)

    def start(self) -> None:
        handler = type("Handler", (_Handler,), {"loopback": self})
        self.server = _Server(("127.0.0.1", 0), handler)
        threading.Thread(target=self.server.serve_forever, name="conformance-loopback", daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
        if self.http is not None:
            self.http.close()
            self.http = None

    # ---- answering ----------------------------------------------------------------------------

    def answer(self, capture: Capture, headers: dict) -> None:
        """Fill the capture's answer: from the cassette, or from the target."""
        if self.source is not None:
            path = urlsplit(capture.path).path
            recorded = self.source.current.answer(capture.method, path, capture.body)
            if recorded is None:
                capture.miss = self.source.current.miss(capture.method, path)
                capture.status, capture.content = NOT_RECORDED_STATUS, capture.miss.encode()
                capture.headers = [("content-type", "text/plain"), ("x-conformance-replay", "not recorded")]
                return
            capture.status, capture.headers, capture.content = recorded
            return
        self._forward(capture, headers)

    def _forward(self, capture: Capture, headers: dict) -> None:
        sent = {k: v for k, v in headers.items() if k.lower() not in HOP_HEADERS}
        if sent.get("authorization", sent.get("Authorization")) == f"Bearer {PLACEHOLDER_KEY}":
            sent.pop("Authorization", None)
            sent["authorization"] = f"Bearer {self.api_key}"
        origin = urlsplit(self.upstream)
        url = f"{origin.scheme}://{origin.netloc}{capture.path}"
        request = self.http.build_request(capture.method, url, headers=sent, content=capture.body or None)
        try:
            response = self.http.send(request, stream=True)
        except Exception as err:  # noqa: BLE001 - whatever the HTTP library raises: no answer
            capture.transport_error = f"{type(err).__name__}: {err}"
            return
        pieces = []
        try:
            for piece in response.iter_bytes():
                pieces.append(piece)
        except Exception as err:  # noqa: BLE001 - the answer broke off: keep what came
            capture.stream_cut = f"{type(err).__name__}: {err}"
        finally:
            response.close()
        capture.status, capture.content = response.status_code, b"".join(pieces)
        capture.headers = list(response.headers.multi_items())


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        pass  # a connection this server reset on purpose, or a client that went away: nothing to report


class _Handler(http.server.BaseHTTPRequestHandler):
    loopback: LoopbackServer
    protocol_version = "HTTP/1.1"  # keep-alive: the client reuses its connection

    def log_message(self, *args) -> None:  # quiet: the exchange is the record
        pass

    def setup(self) -> None:
        super().setup()
        # Headers and body go in separate writes: without this, each answer waits out a delayed ACK (40 ms).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _handle(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        capture = Capture(method=self.command, path=self.path, body=self.rfile.read(length) if length else b"")
        exchange_id = self.headers.get(EXCHANGE_HEADER) or ""
        self.loopback.answer(capture, dict(self.headers.items()))
        with self.loopback.lock:
            self.loopback.captures[exchange_id] = capture
        if capture.status is None:  # the target never answered: neither does this server
            self.close_connection = True
            self._abort()
            return
        self.send_response(capture.status)
        for name, value in capture.headers:
            if name.lower() not in HOP_HEADERS:
                self.send_header(name, value)
        if capture.stream_cut:  # as it came: the part that arrived, then the connection breaks
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(capture.content)
            self.wfile.flush()
            self.close_connection = True
            self._abort()
            return
        self.send_header("Content-Length", str(len(capture.content)))
        self.end_headers()
        self.wfile.write(capture.content)

    def _abort(self) -> None:
        """Reset the connection, so the client sees it break rather than end."""
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle
