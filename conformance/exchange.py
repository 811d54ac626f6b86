"""What came back for one request, normalised: the only thing checks look at."""
from dataclasses import dataclass, field


def clip(text: str, limit: int = 80) -> str:
    """repr() of text, shortened with an ellipsis so a cut is never mistaken for the answer."""
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


@dataclass
class Exchange:
    request: dict                      # the body the case asked for (never holds the key)
    role: str = "probe"                # probe | control | baseline: why the runner sent it
    stream: bool = False
    status: int | None = None          # HTTP status; None when nothing came back
    body: dict | list | None = None    # parsed JSON: the completion, or the error body
    events: list[dict] = field(default_factory=list)  # parsed SSE chunks, in order
    malformed_events: list[str] = field(default_factory=list)  # SSE data that was not JSON
    done_marker: bool = False          # the stream ended with `data: [DONE]`
    stream_cut: str | None = None      # the connection broke mid-stream (what the client said)
    after_done: int = 0                # SSE events sent after [DONE] (should be none)
    sdk_error: str | None = None       # the openai SDK could not parse what came back
    sdk_exception: str | None = None   # the SDK's exception class for an HTTP error (BadRequestError, ...)
    transport_error: str | None = None  # no HTTP answer (refused, timeout, reset)
    request_id: str | None = None
    elapsed_ms: float | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def error_message(self) -> str:
        """The error's message, also from a flat {"error": "..."} body (its shape is judged elsewhere)."""
        if isinstance(self.body, dict) and isinstance(self.body.get("error"), dict):
            return str(self.body["error"].get("message", ""))
        if isinstance(self.body, dict) and isinstance(self.body.get("error"), str):
            return self.body["error"]
        return ""

    @property
    def error_code(self) -> str:
        if isinstance(self.body, dict) and isinstance(self.body.get("error"), dict):
            return str(self.body["error"].get("code") or "")
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

    def summary(self) -> str:
        """A short description for reasons and evidence."""
        if self.transport_error:
            return f"no answer ({self.transport_error})"
        if not self.ok:
            return f"HTTP {self.status}: {self.error_message or 'no error message'}"
        return f"HTTP {self.status}, finish_reason={self.finish_reason!r}, text={clip(self.text)}"
