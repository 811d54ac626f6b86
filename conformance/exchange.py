"""What came back for one request, normalised: the only thing checks look at.

Two parts: the wire (status, headers, the JSON body or the raw SSE events, exactly as the server sent
them), the same whichever client sent the request; and the client's view (`sdk`): what that client
made of the answer, as its user would get it. Checks of the server judge the wire; rows about a
client judge its view.
"""
from dataclasses import dataclass, field


def clip(text: str, limit: int = 80) -> str:
    """repr() of text, shortened with an ellipsis so a cut is never mistaken for the answer."""
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


@dataclass
class ClientView:
    """What one client made of an answer."""
    client: str                        # openai-python, openai-node, ai-sdk
    version: str
    sent_by: str = "sdk"               # sdk, or fetch: the client has no call for this request
    outcome: str = "returned"          # returned | raised
    exception: dict | None = None      # {"class", "status", "message", "request_id"} of what it raised
    request_id: str | None = None      # the request id it exposes on an answer
    problem: str | None = None         # why its user could not use the answer (a parse failure, a stream it rejects)
    chunk_count: int | None = None     # chunks (or parts) it yielded for a stream
    result: dict | None = None         # what it hands its user: text, finish_reason, tool_calls, usage, reasoning
    # Whether it raises a class per HTTP status (the openai SDKs: BadRequestError, ...) or one class
    # carrying the status (the AI SDK's APICallError).
    status_classes: bool = True

    @property
    def exception_class(self) -> str | None:
        return (self.exception or {}).get("class")

    def summary(self) -> dict:
        """The view in a request's evidence, where it says more than "returned the answer": what it
        raised or could not use, the request id it exposes (the result names the client once)."""
        out = {}
        for key in ("sent_by", "outcome", "exception", "request_id", "problem", "chunk_count"):
            value = getattr(self, key)
            if value not in (None, "sdk", "returned"):
                out[key] = value
        return out


@dataclass
class Exchange:
    request: dict                      # the body the case asked for (never holds the key)
    role: str = "probe"                # probe | control | baseline: why the runner sent it
    refusal_expected: bool = False     # the suite made the request invalid on purpose (see plan.py)
    stream: bool = False
    status: int | None = None          # HTTP status; None when nothing came back
    headers: dict = field(default_factory=dict)  # the answer's headers, names lower-cased
    body: dict | list | None = None    # parsed JSON: the completion, or the error body
    not_json: str | None = None        # the body as text (clipped), when it is not JSON
    events: list[dict] = field(default_factory=list)  # parsed SSE chunks, in order
    named_events: list[str] = field(default_factory=list)  # the `event:` names the stream carried
    malformed_events: list[str] = field(default_factory=list)  # SSE data that was not JSON
    done_marker: bool = False          # the stream ended with `data: [DONE]`
    stream_cut: str | None = None      # the connection broke mid-stream (what the client said)
    after_done: int = 0                # SSE events sent after [DONE] (should be none)
    transport_error: str | None = None  # no HTTP answer (refused, timeout, reset)
    elapsed_ms: float | None = None
    sdk: ClientView | None = None      # what the client made of it
    # Each 429 the sender waited out before this answer (wire/sender.py throttled_note): status, back-off
    # headers, request id, seconds waited. Evidence for the rate-limit row, not this case's observation.
    throttled: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def request_id(self) -> str | None:
        """The request id the server sent (x-request-id), whatever the client exposes."""
        return self.headers.get("x-request-id")

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    @property
    def error_message(self) -> str:
        """The error's message, also from a flat {"error": "..."} body or a text body (their shape is
        judged elsewhere)."""
        if isinstance(self.body, dict) and isinstance(self.body.get("error"), dict):
            return str(self.body["error"].get("message", ""))
        if isinstance(self.body, dict) and isinstance(self.body.get("error"), str):
            return self.body["error"]
        if self.not_json and self.not_json.strip():
            return self.not_json.strip().splitlines()[0][:200]
        return ""

    @property
    def choice(self) -> dict:
        if isinstance(self.body, dict) and self.body.get("choices"):
            first = self.body["choices"][0]
            return first if isinstance(first, dict) else {}
        return {}

    @property
    def text(self) -> str:
        """The answer's text: the message content, or the streamed deltas joined."""
        if self.stream:
            return "".join(
                (c.get("delta") or {}).get("content") or ""
                for e in self.events for c in e.get("choices") or [] if c.get("index", 0) == 0
            )
        content = (self.choice.get("message") or {}).get("content")
        return content if isinstance(content, str) else ""

    @property
    def finish_reason(self) -> str | None:
        if self.stream:
            reasons = [c.get("finish_reason") for e in self.events for c in e.get("choices") or []
                       if c.get("finish_reason")]
            return reasons[-1] if reasons else None
        return self.choice.get("finish_reason")

    @property
    def usage(self) -> dict:
        if self.stream:
            for event in reversed(self.events):
                if isinstance(event.get("usage"), dict):
                    return event["usage"]
            return {}
        usage = self.body.get("usage") if isinstance(self.body, dict) else None
        return usage if isinstance(usage, dict) else {}

    def first_line(self, limit: int = 80) -> str:
        """The body's first non-blank line as text (a JSON body as sent is not kept: its compact form), clipped."""
        text = self.not_json if self.not_json is not None else (
            "" if self.body is None else __import__("json").dumps(self.body, ensure_ascii=False))
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        return clip(lines[0] if lines else "", limit)

    def answer_summary(self) -> str:
        """What came back, in one line and never whole: `HTTP 404 (text/plain): 'Not Found'`."""
        return f"HTTP {self.status} ({self.content_type or 'no content type'}): {self.first_line()}"

    def summary(self) -> str:
        """A short description for reasons and evidence."""
        if self.transport_error:
            return f"no answer ({self.transport_error})"
        if not self.ok:
            return f"HTTP {self.status}: {self.error_message or 'no error message'}"
        return f"HTTP {self.status}, finish_reason={self.finish_reason!r}, text={clip(self.text)}"
