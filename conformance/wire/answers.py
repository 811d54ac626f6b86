"""An HTTP answer read into an Exchange: status, headers, and the JSON body or the SSE events, exactly
as the server sent them. The same reading for every client, so that checks judge what crossed the
wire, whoever sent the request."""
import json
import re

from ..exchange import Exchange

NOT_JSON_LIMIT = 500  # characters of a body that is not JSON kept as evidence
# SSE lines end with CRLF, LF or CR, nothing else (str.splitlines would also split at U+2028 inside JSON).
SSE_LINE_END = re.compile(r"\r\n|\r|\n")


def header_dict(headers) -> dict:
    """Headers (a mapping, or (name, value) pairs) with lower-case names; repeated ones joined."""
    items = headers.multi_items() if hasattr(headers, "multi_items") else (
        headers.items() if hasattr(headers, "items") else headers)
    out: dict = {}
    for name, value in items:
        name = name.lower()
        out[name] = f"{out[name]}, {value}" if name in out else value
    return out


def _text(content: bytes | str) -> str:
    return content.decode("utf-8", errors="replace") if isinstance(content, bytes) else content


def take_answer(exchange: Exchange, status: int, headers, content: bytes | str) -> None:
    """A plain answer: its status and headers, and its JSON body (or, when it is not JSON, its text)."""
    exchange.status, exchange.headers = status, header_dict(headers)
    text = _text(content)
    try:
        exchange.body = json.loads(text)
    except ValueError:
        exchange.not_json = text[:NOT_JSON_LIMIT]


def take_stream(exchange: Exchange, status: int, headers, content: bytes | str) -> None:
    """A streamed answer: its SSE events; when it is not a stream at all, the body it is instead."""
    exchange.status, exchange.headers = status, header_dict(headers)
    lines = SSE_LINE_END.split(_text(content))
    if "text/event-stream" not in exchange.content_type and not any(line.startswith("data:") for line in lines):
        text = "\n".join(lines)
        try:
            exchange.body = json.loads(text)
        except ValueError:
            exchange.malformed_events.append(text[:200])
        return
    parse_sse(lines, exchange)


def parse_sse(lines, exchange: Exchange) -> None:
    """The lines of a server-sent event stream into the exchange: each `data:` line's JSON, in
    order, the `[DONE]` marker and anything after it, and the names of named events."""
    for line in lines:
        if line.startswith("event:"):
            exchange.named_events.append(line[len("event:"):].strip())
            continue
        if not line.startswith("data:"):
            continue  # comments and blank separators
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
