"""The one place that sends, whatever the client: a planned request in, an Exchange out.

The client (the Python openai SDK, or a Node.js client through its driver) makes one attempt; the
sender holds the harness's own policy around it, the same for every client: throttled answers are
retried (honouring Retry-After and Heroku's reset headers), and so are upstream-down answers except
to a request the suite made invalid on purpose, never a timeout; each model's requests are paced
under a rate limit; a server that has stopped answering, or whose every model keeps answering 429,
gets no more requests; and every text that came back is scrubbed of the key before anyone reads it.
Each 429 waited out is kept on the Exchange (`throttled`): what the server said about backing off is
evidence for the rate-limit row, whichever case met it (conformance/throttled_rows.py).
"""
import random
import re
import time

from ..exchange import Exchange
from ..secrets import meaningful, scrub_events, scrub_json, scrub_text
from .cassettes import NetworkBlocked, NotRecorded
from .headers import headers_problem

# Throttling is never a case's observation: waited out and tried again, whatever the request (and kept as
# evidence of what it said about backing off).
THROTTLED = 429
# An upstream that is down or overloaded: tried again, so that one transient failure is not reported as
# a difference; but not when it answers a request the suite made invalid on purpose, where a server
# error is the server's answer to that request (the observation).
UPSTREAM = {500, 502, 503, 504, 529}
RETRYABLE = UPSTREAM | {THROTTLED}
# After this many requests in a row with no HTTP answer at all, the server is taken to be gone:
# later requests fail at once instead of each waiting out its timeout.
SILENT_LIMIT = 3
# After this many requests in a row to every model answered 429 (each already retried), the quota is
# taken to be used up: later requests fail at once instead of each waiting out its retries.
THROTTLED_LIMIT = 3
MAX_WAIT = 30.0  # never sleep longer than this before a retry, whatever the server asks
# How a request may be sent off the usual way (see Sender.send).
TRANSPORTS = ("api_key", "raw_body", "path", "method", "headers")

# A persistent connection the server had already closed: the request got no byte back, so it was never
# answered (llama-server closes the connection after every stream while announcing keep-alive). Sent
# again once, on a fresh connection, whichever client met it.
CLOSED_UNANSWERED = "the server closed the connection without answering"
# How httpx, httpx2 and urllib say so.
UNANSWERED_CLOSE = ("Server disconnected without sending a response", "Remote end closed connection without response")


def closed_unanswered(err: BaseException) -> str | None:
    """The transport error to report when err (or what caused it) is such a close; else None."""
    cause = err
    while cause is not None:
        if any(text in str(cause) for text in UNANSWERED_CLOSE):
            return f"{CLOSED_UNANSWERED} ({type(err).__name__}: {err})"
        cause = cause.__cause__ or cause.__context__
    return None


def duration_seconds(text: str | None) -> float | None:
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
    asked = [duration_seconds(headers.get(name)) for name in names] if headers else []
    asked = [s for s in asked if s is not None]
    wait = max(asked) if asked else 0.5 * 2 ** attempt * random.uniform(0.5, 1.0)
    return min(wait, MAX_WAIT)


# What a throttled answer is kept by: the headers that say when to try again, and the ids to quote.
BACK_OFF_HEADER_PREFIX = "x-ratelimit-"
REQUEST_ID_HEADERS = ("x-request-id", "request-id", "x-amzn-requestid", "x-amz-request-id")


def throttled_note(exchange: Exchange, waited: float | None) -> dict:
    """A 429 as evidence: its status, its back-off headers (retry-after, x-ratelimit-*), its request id
    and how long the harness waited before sending again (None: it was not sent again)."""
    headers = {k: v for k, v in exchange.headers.items() if k == "retry-after" or k.startswith(BACK_OFF_HEADER_PREFIX)}
    note = {"status": exchange.status, "headers": headers}
    request_id = next((exchange.headers[name] for name in REQUEST_ID_HEADERS if exchange.headers.get(name)), None)
    if request_id:
        note["request_id"] = request_id
    if waited is not None:
        note["waited_s"] = round(waited, 3)
    return note


def throttled_notes(exchange: Exchange) -> list[dict]:
    """Every 429 met for one request: those waited out before its answer, and the answer itself when it
    is one (it outlasted every retry)."""
    last = [throttled_note(exchange, None)] if exchange.status == THROTTLED else []
    return [*exchange.throttled, *last]


class Pacer:
    """Heroku's limits are per model (150-200 requests a minute): each model's requests are spaced,
    whichever client sends them (one pacer for all the senders of a process)."""

    def __init__(self, requests_per_minute: float | None = None, clock=time.monotonic):
        self.interval = 60.0 / requests_per_minute if requests_per_minute else 0.0
        self.last_sent: dict[str, float] = {}
        self.paced = 0.0       # seconds spent pacing requests under the rate limit
        self.clock = clock

    def wait(self, model: str, sleep) -> None:
        if self.interval:
            due = self.last_sent.get(model, 0.0) + self.interval - self.clock()
            if due > 0:
                self.paced += due
                sleep(due)
            self.last_sent[model] = self.clock()


class Quota:
    """Whether every model of the run keeps answering 429: shared by the senders of a process, as
    the pacer is. `models`: the run's models (a request to another id, such as the unknown model a
    case sends on purpose, counts for none); None: never out."""

    def __init__(self, models=None):
        self.models = tuple(models) if models else ()
        self.throttled: dict[str, int] = {}   # model -> requests in a row answered 429

    def note(self, model: str, status: int | None) -> None:
        if model in self.models:
            self.throttled[model] = self.throttled.get(model, 0) + 1 if status == THROTTLED else 0

    @property
    def out(self) -> bool:
        return bool(self.models) and all(self.throttled.get(m, 0) >= THROTTLED_LIMIT for m in self.models)


class Sender:
    """Sends through one client. `client.attempt(request, transport)` returns the Exchange; it raises
    NotRecorded or NetworkBlocked when replay has no answer."""

    def __init__(self, client, max_retries: int = 0, requests_per_minute: float | None = None,
                 secrets: list[str] | None = None, pacer: Pacer | None = None, quota: Quota | None = None,
                 replaying: bool = False):
        self.client = client
        # Replay meets the 429s a recording kept, in order, and sends again at once; a server error
        # was recorded only as the answer that outlasted every retry, so it is never retried here.
        self.replaying = replaying
        self.secrets = meaningful(secrets or [])
        self.retries = max_retries
        self.silent = 0        # requests in a row that got no HTTP answer
        self.waited = 0.0      # seconds spent waiting before retries, for the run's summary
        self.sent = 0          # HTTP requests sent, retries included
        self.sleep = time.sleep
        self.pacer = pacer or Pacer(requests_per_minute)
        self.quota = quota or Quota()

    @property
    def paced(self) -> float:
        return self.pacer.paced

    @property
    def sdk(self) -> dict:
        """The client, as results name it."""
        return {"name": self.client.name, "version": self.client.version}

    def send(self, request: dict, transport: dict | None = None, refusal_expected: bool = False,
             before_last_retry=None) -> Exchange:
        """Send one request. `transport` may ask for a wrong key ({"api_key": "wrong"}), raw
        body bytes instead of the JSON request ({"raw_body": "..."}), or another path of the API
        ({"path": "/batches", "method": "GET"}: the body is sent with POST, none with GET), or extra
        request headers ({"headers": {"X-Heroku-Prompt-Caching": "false"}}: never a credential).
        `refusal_expected`: the suite made the request invalid on purpose, so a server error is its
        answer, not an outage to retry; a 429 is retried all the same. `before_last_retry` is called
        before the last retry: a server error that outlasts every retry is the answer (recorded)."""
        transport = transport or {}
        unknown = set(transport) - set(TRANSPORTS)
        if unknown:
            raise ValueError(f"unknown transport option(s) {sorted(unknown)}")
        if "headers" in transport:
            self._check_headers(transport["headers"])
        if self.silent >= SILENT_LIMIT or self.quota.out:
            exchange = Exchange(request=request, stream=bool(request.get("stream")))
            exchange.transport_error = (f"not sent: the server gave no answer to the last {self.silent} requests"
                                        if self.silent >= SILENT_LIMIT else
                                        f"not sent: every model answered HTTP 429 to its last {THROTTLED_LIMIT} "
                                        "requests, each retried (out of quota?)")
            return exchange
        # A malformed body or a wrong key is invalid on purpose whoever sends it.
        refusal_expected = refusal_expected or "raw_body" in transport or "api_key" in transport
        retryable = {THROTTLED} if refusal_expected or self.replaying else RETRYABLE
        model = str(request.get("model"))
        throttled = []  # every 429 waited out on the way: evidence of what the server said about backing off
        exchange = None
        for attempt in range(self.retries + 1):
            if attempt and attempt == self.retries and before_last_retry is not None:
                before_last_retry()
            self.pacer.wait(model, self.sleep)
            earlier, exchange = exchange, self._attempt(request, transport, again=attempt > 0)
            if exchange is None:  # replay: the recording kept no retry, so its last answer was this one
                exchange = earlier
                throttled.pop()  # a 429 (all replay retries): the answer now, not one waited out
                break
            if exchange.status not in retryable or attempt == self.retries:
                break
            wait = 0.0 if self.replaying else retry_wait(exchange.headers, attempt, exchange.status)
            if exchange.status == THROTTLED:
                throttled.append(throttled_note(exchange, wait))
            self.waited += wait
            if wait:
                self.sleep(wait)
        exchange.throttled = throttled
        self.silent = self.silent + 1 if exchange.transport_error else 0
        self.quota.note(model, exchange.status)
        return self._scrubbed(exchange)

    def _check_headers(self, headers) -> None:
        """A planned header is sent and recorded as it is: it must be one a case may send, and hold no
        secret of the run (the message never repeats the value)."""
        if problem := headers_problem(headers):
            raise ValueError(problem)
        for name, value in headers.items():
            if self.secrets and scrub_text(value, self.secrets) != value:
                raise ValueError(f"header {name}: its value holds a secret of the run; a header is recorded as sent")

    def _attempt(self, request: dict, transport: dict, again: bool) -> Exchange | None:
        """One attempt (and one more when a closed connection left it unanswered); in replay, None for
        a retry the recording does not hold."""
        try:
            exchange = self.client.attempt(request, transport)
        except (NotRecorded, NetworkBlocked):
            if self.replaying and again:
                return None
            raise
        self.sent += 1
        if (exchange.transport_error or "").startswith(CLOSED_UNANSWERED):
            # Nothing was answered, so nothing was done: once more, on a fresh connection.
            exchange = self.client.attempt(request, transport)
            self.sent += 1
        return exchange

    def _scrubbed(self, exchange: Exchange) -> Exchange:
        """A server may echo the key (e.g. in a 401 message): it must not reach results or output."""
        if not self.secrets:
            return exchange
        exchange.body = scrub_json(exchange.body, self.secrets)
        exchange.not_json = scrub_text(exchange.not_json, self.secrets)
        exchange.headers = scrub_json(exchange.headers, self.secrets)
        exchange.events = scrub_events(exchange.events, self.secrets)
        exchange.malformed_events = scrub_json(exchange.malformed_events, self.secrets)
        exchange.named_events = scrub_json(exchange.named_events, self.secrets)
        exchange.transport_error = scrub_text(exchange.transport_error, self.secrets)
        exchange.stream_cut = scrub_text(exchange.stream_cut, self.secrets)
        exchange.throttled = scrub_json(exchange.throttled, self.secrets)
        if exchange.sdk is not None:  # what the client made of it: its messages may quote the answer
            view = exchange.sdk
            view.exception = scrub_json(view.exception, self.secrets)
            view.request_id = scrub_text(view.request_id, self.secrets)
            view.problem = scrub_text(view.problem, self.secrets)
            view.result = scrub_json(view.result, self.secrets)
        return exchange
