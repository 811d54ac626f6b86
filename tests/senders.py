"""A sender through the Python openai SDK, as the run builds one, for tests that send directly."""
from conformance.clients.python_openai import PythonOpenAI
from conformance.wire.sender import Sender


def python_sender(base_url: str, api_key: str, max_retries: int = 0, requests_per_minute: float | None = None,
                  transport=None, scrub: bool = True, pacer=None) -> Sender:
    return Sender(PythonOpenAI(base_url, api_key, transport=transport), max_retries=max_retries,
                  requests_per_minute=requests_per_minute, secrets=[api_key] if scrub else [], pacer=pacer)


class FakeClock:
    """Time that passes only when slept: a test of waiting that no busy machine can make fail."""

    def __init__(self, start: float = 1000.0):
        self.now, self.slept = start, []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def through_python(exchange):
    """The same answer on the wire (status, body or SSE events) sent back through the Python SDK: the
    exchange as a run would hold it, with the client's view beside the wire."""
    import json

    from conformance.wire.http import http_transport

    if exchange.stream and exchange.events:
        content = "".join(f"data: {json.dumps(e)}\n\n" for e in exchange.events)
        content += "data: [DONE]\n\n" if exchange.done_marker else ""
        content_type = "text/event-stream"
    else:
        content, content_type = json.dumps(exchange.body), "application/json"

    def answer(request):
        return http_transport.Response(exchange.status, content=content.encode(),
                                       headers={"content-type": content_type})

    client = PythonOpenAI("http://127.0.0.1:9/v1", "k", transport=http_transport.MockTransport(answer))
    request = {"model": "m", "messages": [{"role": "user", "content": "hi"}], **exchange.request}  # as the SDK wants
    sent = client.attempt(request, {})
    sent.request = exchange.request
    return sent
