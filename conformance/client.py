"""The one place that talks to the server: a request dict in, an Exchange out, via the openai SDK.

Parameters the SDK's `create()` knows are passed as arguments; anything else (Heroku's extensions
such as `extended_thinking`) goes in `extra_body`, exactly as a user of the SDK would send it.
"""
import inspect
import json
import random
import re
import time

import openai

try:  # openai 3.x sends through httpx2, a fork of httpx; earlier releases through httpx
    import httpx2 as http_transport
except ImportError:  # pragma: no cover - depends on the installed SDK
    import httpx as http_transport
from openai.resources.chat.completions import Completions

from .errors import describe_error
from .exchange import Exchange
from .secrets import meaningful, scrub_events, scrub_json, scrub_text
from .targets import url_credentials

# A key no server knows, for the one probe that checks how a wrong key is refused.
WRONG_KEY = "conformance-wrong-key-0000"
SDK_PARAMS = frozenset(inspect.signature(Completions.create).parameters) - {"self", "extra_body"}


class NotRecorded(Exception):
    """Replay found no recorded answer for this request."""


class NetworkBlocked(Exception):
    """Replay mode blocks the network and the request was not in a cassette."""


def _cause_chain(err: BaseException):
    while err is not None:
        yield err
        err = err.__cause__ or err.__context__


def _raise_if_replay_miss(err: BaseException) -> None:
    """The SDK wraps transport failures; unwrap the cases that mean 'no cassette for this'."""
    for cause in _cause_chain(err):
        name = type(cause).__name__
        if name == "ReplayMiss":
            raise NotRecorded(str(cause).splitlines()[0]) from None
        if name == "CannotOverwriteExistingCassetteException":
            raise NotRecorded(str(cause).splitlines()[0]) from None
        if "Network is disabled" in str(cause):
            raise NetworkBlocked(str(cause).splitlines()[0]) from None


# What a connection broken while a body was being read looks like, in httpx, httpx2 and urllib3.
CUT_ERRORS = {"RemoteProtocolError", "ReadError", "IncompleteRead", "ProtocolError", "ChunkedEncodingError"}


def _stream_cut(err: BaseException) -> str | None:
    for cause in _cause_chain(err):
        if type(cause).__name__ in CUT_ERRORS:
            return describe_error(cause)
    return None


# A persistent connection the server had already closed: the request got no byte back, so it was never
# answered (llama-server closes the connection after every stream while announcing keep-alive).
UNANSWERED_CLOSE = ("Server disconnected without sending a response", "Remote end closed connection without response")
CLOSED_UNANSWERED = "the server closed the connection without answering"


def _closed_unanswered(err: BaseException) -> bool:
    return any(text in str(cause) for cause in _cause_chain(err) for text in UNANSWERED_CLOSE)


def split_params(request: dict) -> tuple[dict, dict]:
    known = {k: v for k, v in request.items() if k in SDK_PARAMS}
    extra = {k: v for k, v in request.items() if k not in SDK_PARAMS}
    return known, extra


def _parse_sse(lines, exchange: Exchange) -> None:
    for line in lines:
        if not line.startswith("data:"):
            continue  # comments, `event:` and blank separators
        data = line[len("data:"):].strip()
        if data == "[DONE]":
            exchange.done_marker = True
            continue
        if exchange.done_marker:
            exchange.after_done += 1
        try:
            event = json.loads(data)
        except ValueError:
            exchange.malformed_events.append(data[:200])
            continue
        if isinstance(event, dict):
            exchange.events.append(event)
        else:
            exchange.malformed_events.append(data[:200])


# Answers worth another try: throttling, and an upstream that is down or overloaded. A 500 is
# tried again too, so that one transient failure is not reported as a difference.
RETRYABLE = {429, 500, 502, 503, 504, 529}
# After this many requests in a row with no HTTP answer at all, the server is taken to be gone:
# later requests fail at once instead of each waiting out its timeout.
SILENT_LIMIT = 3
MAX_WAIT = 30.0  # never sleep longer than this before a retry, whatever the server asks


def _seconds(text: str | None) -> float | None:
    """`Retry-After: 2`, or Heroku-style reset headers: `51s`, `1m30s`, `200ms`."""
    if not text:
        return None
    text = text.strip()
    try:
        return float(text)
    except ValueError:
        pass
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|s|m|h)", text)
    if not parts or "".join(n + u for n, u in parts) != text:
        return None
    scale = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
    return sum(float(n) * scale[u] for n, u in parts)


def retry_wait(headers, attempt: int, status: int = 429) -> float:
    """How long to wait before retry number `attempt` (0-based): what the server asks (Retry-After;
    for a 429 also the rate-limit reset headers, which Heroku sends on every answer), else
    exponential back-off with jitter; never more than MAX_WAIT."""
    names = ["retry-after"] + (["x-ratelimit-reset-requests", "x-ratelimit-reset-tokens"] if status == 429 else [])
    asked = [_seconds(headers.get(name)) for name in names] if headers else []
    asked = [s for s in asked if s is not None]
    wait = max(asked) if asked else 0.5 * 2 ** attempt * random.uniform(0.5, 1.0)
    return min(wait, MAX_WAIT)


def _take_answer(raw, exchange: Exchange) -> bool:
    """Status, request id and JSON body of an HTTP answer into the exchange; False if not JSON."""
    exchange.status = raw.status_code
    exchange.request_id = raw.headers.get("x-request-id")
    try:
        exchange.body = json.loads(raw.text)
    except ValueError:
        exchange.sdk_error = f"response is not JSON: {raw.text[:120]!r}"
        return False
    return True


class ChatClient:
    """One shared SDK client per run (building one costs ~20 ms). It retries throttled and
    upstream-down answers itself (honouring Retry-After and Heroku's reset headers), never a
    timeout, and stops sending to a server that has stopped answering."""

    def __init__(self, base_url: str, api_key: str, max_retries: int = 0, timeout: float = 60.0,
                 requests_per_minute: float | None = None, scrub: bool = True, transport=None):
        # `transport` answers instead of the network (replay: conformance/replay.py)
        http_client = openai.DefaultHttpxClient(transport=transport) if transport is not None else None
        self.sdk = openai.OpenAI(base_url=base_url, api_key=api_key, max_retries=0, timeout=timeout,
                                 http_client=http_client)
        # The key, and credentials riding in the URL (httpx sends user:password@ as Basic auth).
        self.secrets = meaningful([api_key] + url_credentials(base_url)) if scrub else []
        self.retries = max_retries
        self.silent = 0        # requests in a row that got no HTTP answer
        self.waited = 0.0      # seconds spent waiting before retries, for the run's summary
        self.paced = 0.0       # seconds spent pacing requests under the rate limit
        self.sent = 0          # HTTP requests sent, retries included
        self.sleep = time.sleep
        # Heroku's limits are per model (150-200 requests a minute): space each model's requests.
        self.interval = 60.0 / requests_per_minute if requests_per_minute else 0.0
        self.last_sent: dict[str, float] = {}

    def send(self, request: dict, transport: dict | None = None) -> Exchange:
        """Send one request. `transport` may ask for a wrong key ({"api_key": "wrong"}), raw
        body bytes instead of the JSON request ({"raw_body": "..."}), or another path of the API
        ({"path": "/batches", "method": "GET"}: the body is sent with POST, none with GET)."""
        transport = transport or {}
        unknown = set(transport) - {"api_key", "raw_body", "path", "method"}
        if unknown:
            raise ValueError(f"unknown transport option(s) {sorted(unknown)}")
        if self.silent >= SILENT_LIMIT:
            exchange = Exchange(request=request, stream=bool(request.get("stream")))
            exchange.transport_error = (f"not sent: the server gave no answer to the last {self.silent} "
                                        "requests")
            return exchange
        # A deliberately faulty request: its error is the observation, not worth a retry.
        retries = 0 if transport else self.retries
        for attempt in range(retries + 1):
            self._pace(str(request.get("model")))
            exchange, headers = self._attempt(request, transport)
            self.sent += 1
            if (exchange.transport_error or "").startswith(CLOSED_UNANSWERED):
                # Nothing was answered, so nothing was done: once more, on a fresh connection.
                exchange, headers = self._attempt(request, transport)
                self.sent += 1
            if exchange.status not in RETRYABLE or attempt == retries:
                break
            wait = retry_wait(headers, attempt, exchange.status)
            self.waited += wait
            self.sleep(wait)
        self.silent = self.silent + 1 if exchange.transport_error else 0
        return exchange

    def _pace(self, model: str) -> None:
        if self.interval:
            due = self.last_sent.get(model, 0.0) + self.interval - time.monotonic()
            if due > 0:
                self.paced += due
                self.sleep(due)
            self.last_sent[model] = time.monotonic()

    def _attempt(self, request: dict, transport: dict) -> tuple[Exchange, dict]:
        exchange = Exchange(request=request, stream=bool(request.get("stream")))
        known, extra = split_params(request)
        sdk = self.sdk.with_options(api_key=WRONG_KEY) if transport.get("api_key") else self.sdk
        headers: dict = {}
        started = time.perf_counter()
        try:
            if "raw_body" in transport:
                self._send_raw(sdk, transport["raw_body"], exchange)
            elif "path" in transport:
                self._send_elsewhere(sdk, transport["path"], transport.get("method", "POST"), request, exchange)
            elif exchange.stream:
                self._send_streaming(sdk, known, extra, exchange)
            else:
                self._send_plain(sdk, known, extra, exchange)
        except openai.APIStatusError as err:
            exchange.status = err.status_code
            exchange.sdk_exception = type(err).__name__
            headers = err.response.headers
            exchange.request_id = err.request_id
            try:
                exchange.body = err.response.json()
            except ValueError:
                exchange.body = {"error": {"message": err.response.text[:500]}}
        except openai.APIConnectionError as err:
            _raise_if_replay_miss(err)
            cut = _stream_cut(err) if exchange.stream else None
            if _closed_unanswered(err):
                exchange.transport_error = f"{CLOSED_UNANSWERED} ({type(err).__name__}: {err})"
            elif cut:
                # While recording, vcrpy reads the whole body before the SDK sees a chunk, so a cut
                # stream surfaces here rather than mid-iteration: the same outcome, fewer chunks.
                exchange.stream_cut = cut
            else:
                exchange.transport_error = f"{type(err).__name__}: {err}"
        except Exception as err:
            _raise_if_replay_miss(err)  # vcrpy's "no match in cassette" can arrive unwrapped
            raise
        exchange.elapsed_ms = round((time.perf_counter() - started) * 1000, 1)
        return self._scrubbed(exchange), headers

    def _scrubbed(self, exchange: Exchange) -> Exchange:
        """A server may echo the key (e.g. in a 401 message): it must not reach results or output."""
        exchange.body = scrub_json(exchange.body, self.secrets)
        exchange.events = scrub_events(exchange.events, self.secrets)
        exchange.request_id = scrub_text(exchange.request_id, self.secrets)
        exchange.malformed_events = scrub_json(exchange.malformed_events, self.secrets)
        exchange.transport_error = scrub_text(exchange.transport_error, self.secrets)
        exchange.stream_cut = scrub_text(exchange.stream_cut, self.secrets)
        exchange.sdk_error = scrub_text(exchange.sdk_error, self.secrets)
        return exchange

    def _send_raw(self, sdk: openai.OpenAI, body: str, exchange: Exchange) -> None:
        """Bytes the SDK would never send (malformed JSON): through the SDK's own transport."""
        options = {"headers": {"Content-Type": "application/json"}}
        try:
            raw = sdk.post("/chat/completions", cast_to=http_transport.Response, content=body.encode("utf-8"),
                           options=options)
        except TypeError:  # an SDK without `content=`: raw bytes went in `body`
            raw = sdk.post("/chat/completions", cast_to=http_transport.Response, body=body.encode("utf-8"),
                           options=options)
        _take_answer(raw, exchange)

    def _send_elsewhere(self, sdk: openai.OpenAI, path: str, method: str, request: dict, exchange: Exchange) -> None:
        """Another endpoint than chat completions (e.g. /batches), through the SDK's own transport."""
        if method == "GET":
            raw = sdk.get(path, cast_to=http_transport.Response)
        else:
            raw = sdk.post(path, body=request, cast_to=http_transport.Response)
        _take_answer(raw, exchange)

    def _send_plain(self, sdk: openai.OpenAI, known: dict, extra: dict, exchange: Exchange) -> None:
        raw = sdk.chat.completions.with_raw_response.create(**known, extra_body=extra or None)
        if not _take_answer(raw, exchange):
            return
        try:
            raw.parse()  # what an SDK user gets; a failure here is a compatibility problem
        except Exception as err:  # noqa: BLE001 - any parse failure is an observation
            exchange.sdk_error = f"openai SDK could not parse the response: {type(err).__name__}: {err}"

    def _send_streaming(self, sdk: openai.OpenAI, known: dict, extra: dict, exchange: Exchange) -> None:
        with sdk.chat.completions.with_streaming_response.create(
            **known, extra_body=extra or None
        ) as response:
            exchange.status = response.status_code
            exchange.request_id = response.headers.get("x-request-id")
            content_type = response.headers.get("content-type", "")
            lines = []
            try:
                for line in response.iter_lines():
                    lines.append(line)
            except Exception as err:  # noqa: BLE001 - the transport's own error type varies by SDK version
                _raise_if_replay_miss(err)
                exchange.stream_cut = describe_error(err)
        if "text/event-stream" not in content_type and not any(line.startswith("data:") for line in lines):
            # Not a stream at all: keep the body so the check can say what came instead.
            try:
                exchange.body = json.loads("\n".join(lines))
            except ValueError:
                exchange.malformed_events.append("\n".join(lines)[:200])
            return
        _parse_sse(lines, exchange)
