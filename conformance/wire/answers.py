"""An HTTP answer read into an Exchange: status, request id, the JSON body or the SSE events. The
same reading for every client, so that checks judge what crossed the wire, whoever sent it."""
import json

from ..exchange import Exchange


def parse_sse(lines, exchange: Exchange) -> None:
    """The `data:` lines of a server-sent event stream into the exchange's events, in order."""
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


def take_answer(status: int, headers, text: str, exchange: Exchange) -> bool:
    """Status, request id and JSON body of an HTTP answer into the exchange; False if not JSON."""
    exchange.status = status
    exchange.request_id = headers.get("x-request-id")
    try:
        exchange.body = json.loads(text)
    except ValueError:
        exchange.sdk_error = f"response is not JSON: {text[:120]!r}"
        return False
    return True


def take_stream(lines: list[str], content_type: str, exchange: Exchange) -> None:
    """A streamed answer's lines: SSE events, or, when it is not a stream at all, the body it is
    (kept so the check can say what came instead)."""
    if "text/event-stream" not in content_type and not any(line.startswith("data:") for line in lines):
        try:
            exchange.body = json.loads("\n".join(lines))
        except ValueError:
            exchange.malformed_events.append("\n".join(lines)[:200])
        return
    parse_sse(lines, exchange)
