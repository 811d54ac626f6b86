"""The wire for clients in other processes (the Node.js driver): a loopback HTTP server that answers
each request from the cassette being replayed, or forwards it to the live target, and keeps what
crossed it (the request's bytes, the answer's status, headers and bytes) for the Exchange.

It behaves toward its client as the Python SDK's HTTP client behaves toward the target, so that
every client meets the same answers:
- replay matches exactly as the Python SDK's in-process replay does (wire/cassettes.py), and follows
  a recorded redirect to the recorded answer it led to, as that client does; a request with no
  recorded answer gets a 599 marked as such, never a live call;
- forwarding sends through the same HTTP library (so recording, vcrpy with its secret scrubbing,
  sees every client alike), follows redirects as it does, and passes the answer on as it arrives, so
  a slow stream is as slow for every client and a broken one breaks for every client;
- the client in the other process never holds the key: it sends a placeholder made for this server,
  swapped for the key on the way out (the suite's deliberately wrong key passes as it is), and only
  to the target: a path that is not one of the target's is refused.
"""
import http.server
import itertools
import secrets
import socket
import struct
import threading
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .http import http_transport
from .sender import closed_unanswered

EXCHANGE_HEADER = "x-conformance-exchange"  # which exchange a request belongs to; never forwarded
NOT_RECORDED_STATUS = 599
REDIRECTS = {301, 302, 303, 307, 308}
MAX_REDIRECTS = 20  # as the Python SDK's HTTP client
# Headers about one hop, not the answer: the loopback server sets its own.
HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding", "host",
               "proxy-connection", "te", "trailer", "upgrade", "accept-encoding", EXCHANGE_HEADER}


@dataclass
class Capture:
    """What crossed the loopback server for one exchange."""
    method: str = ""
    path: str = ""
    body: bytes = b""
    request_headers: dict = field(default_factory=dict)  # as the client sent them, names lower-cased
    status: int | None = None
    headers: list = field(default_factory=list)
    content: bytes = b""
    stream_cut: str | None = None      # the target's answer broke off (the client got the part before)
    transport_error: str | None = None  # the target gave no answer at all
    miss: str | None = None            # replay: no recorded answer
    done: threading.Event = field(default_factory=threading.Event)


class LoopbackServer:
    """One per process: `serve_from(recorder)` in replay, `forward_to(url, key)` live and recording."""

    def __init__(self, timeout: float = 60.0):
        self.timeout = timeout
        self.placeholder = f"conformance-loopback-{secrets.token_hex(16)}"  # the key the client is given
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
        self.http = http_transport.Client(timeout=self.timeout, follow_redirects=True)
        return self

    @property
    def base_url(self) -> str:
        if self.server is None:
            self.start()
        return f"http://127.0.0.1:{self.server.server_address[1]}{self.path_prefix}"

    def new_exchange(self) -> str:
        """A fresh exchange id; what earlier exchanges left behind (a request that came too late) goes."""
        with self.lock:
            self.captures.clear()
        return str(next(self.ids))

    def begin(self, exchange_id: str, capture: Capture) -> None:
        with self.lock:
            self.captures[exchange_id] = capture

    def take(self, exchange_id: str, wait: float = 0.0) -> Capture | None:
        """What crossed for this exchange once its answer is through (waiting up to `wait` seconds for
        a request still being answered), or None when the client sent nothing."""
        with self.lock:
            capture = self.captures.get(exchange_id)
        if capture is None or not capture.done.wait(wait):
            return None
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

    def replayed(self, capture: Capture) -> None:
        """The recorded answer, a recorded redirect followed as the Python SDK's client follows it."""
        method, path, body = capture.method, urlsplit(capture.path).path, capture.body
        cassette = self.source.current
        for _ in range(MAX_REDIRECTS + 1):
            recorded = cassette.answer(method, path, body, getattr(self.source, "planned", None))
            if recorded is None:
                capture.miss = cassette.miss(method, path)
                capture.status, capture.content = NOT_RECORDED_STATUS, capture.miss.encode()
                capture.headers = [("content-type", "text/plain"), ("x-conformance-replay", "not recorded")]
                return
            status, headers, content = recorded
            location = next((v for k, v in headers if k.lower() == "location"), None)
            if status not in REDIRECTS or not location:
                capture.status, capture.headers, capture.content = recorded
                return
            if status == 303 or (status in (301, 302) and method == "POST"):
                method, body = "GET", b""
            path = urlsplit(location).path
        capture.transport_error = f"more than {MAX_REDIRECTS} recorded redirects"

    def forwarded(self, capture: Capture, headers: dict):
        """The target's answer to the request: yields the answer's pieces as they arrive (after
        filling in the capture's status and headers), noting a cut; none when nothing came back."""
        sent = {k: v for k, v in headers.items() if k.lower() not in HOP_HEADERS and k.lower() != "authorization"}
        given = next((v for k, v in headers.items() if k.lower() == "authorization"), None)
        if given is not None:
            sent["authorization"] = f"Bearer {self.api_key}" if given == f"Bearer {self.placeholder}" else given
        origin = urlsplit(self.upstream)
        request = self.http.build_request(capture.method, f"{origin.scheme}://{origin.netloc}{capture.path}",
                                          headers=sent, content=capture.body or None)
        try:
            response = self.http.send(request, stream=True)
        except Exception as err:  # noqa: BLE001 - whatever the HTTP library raises: no answer
            capture.transport_error = closed_unanswered(err) or f"{type(err).__name__}: {err}"
            return
        capture.status, capture.headers = response.status_code, list(response.headers.multi_items())
        try:
            for piece in response.iter_bytes():
                capture.content += piece
                yield piece
        except Exception as err:  # noqa: BLE001 - the answer broke off: what came is kept and passed on
            capture.stream_cut = f"{type(err).__name__}: {err}"
        finally:
            response.close()


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
        body = self.rfile.read(length) if length else b""
        if not self.path.startswith("/"):  # only the target's own paths: never a host of the client's choosing
            self._send(400, [("content-type", "text/plain")], b"the loopback server serves paths, not hosts")
            return
        capture = Capture(method=self.command, path=self.path, body=body,
                          request_headers={k.lower(): v for k, v in self.headers.items()})
        self.loopback.begin(self.headers.get(EXCHANGE_HEADER) or "", capture)
        try:
            if self.loopback.source is not None:
                self.loopback.replayed(capture)
                if capture.status is None:
                    self._abort()
                else:
                    self._send(capture.status, capture.headers, capture.content)
            else:
                self._pass_on(capture)
        finally:
            capture.done.set()

    def _pass_on(self, capture: Capture) -> None:
        """The target's answer, passed on piece by piece as it arrives (chunked), broken where it broke."""
        pieces = self.loopback.forwarded(capture, dict(self.headers.items()))
        first = next(pieces, None)  # sends the request: the capture has the answer's status once one came
        if capture.status is None:  # the target never answered: neither does this server
            self._abort()
            return
        self.send_response(capture.status)
        for name, value in capture.headers:
            if name.lower() not in HOP_HEADERS:
                self.send_header(name, value)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            for piece in (first, *pieces) if first is not None else pieces:
                if not piece:
                    continue  # an empty chunk would end the answer
                self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                self.wfile.flush()
        except OSError:  # the client stopped reading (its own timeout): the rest never reached it
            pieces.close()
            capture.stream_cut = capture.stream_cut or "the client stopped reading before the answer ended"
        if capture.stream_cut:  # as it came: the part that arrived, then the connection breaks
            self._abort()
            return
        self.wfile.write(b"0\r\n\r\n")

    def _send(self, status: int, headers: list, content: bytes) -> None:
        self.send_response(status)
        for name, value in headers:
            if name.lower() not in HOP_HEADERS:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    def _abort(self) -> None:
        """Reset the connection, so the client sees it break rather than end."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle

