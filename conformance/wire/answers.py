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
        body = json.loads(text)
    except ValueError:
        body = None
    if isinstance(body, (dict, list)):
        exchange.body = body
    else:  # not JSON, or a bare "404" or "null" in a text body: kept as the text it is, never as JSON
        exchange.not_json = text[:NOT_JSON_LIMIT]


def take_stream(exchange: Exchange, status: int, headers, content: bytes | str) -> None:
    """A streamed answer: its SSE events; when it is not a stream at all, the body it is instead."""
    exchange.status, exchange.headers = status, header_dict(headers)
    lines = SSE_LINE_END.split(_text(content))
    if "text/event-stream" not in exchange.content_type and not any(line.startswith("data:") for line in lines):
        text = "\n".join(lines)
        try:
            body = json.loads(text)
        except ValueError:
            body = None
        if isinstance(body, (dict, list)):
            exchange.body = body
        else:
            exchange.malformed_events.append(text[:200])
            exchange.not_json = text[:NOT_JSON_LIMIT]  # the evidence shows it as the text it is
        return
    parse_sse(lines, exchange)


def parse_sse(lines, exchange: Exchange) -> None:
    """The lines of a server-sent event stream into the exchange, read as the SSE standard (and the
    openai SDKs' decoders) read them: an event is its lines up to a blank one, its data the `data:`
    lines joined by newlines. Each event's data is JSON, in order, or `[DONE]` (and anything after
    it is counted); the names of named events are kept."""
    data: list[str] = []
    name: str | None = None
    for line in [*lines, ""]:  # a last event without its blank line still counts
        if line:
            field, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if field == "data":
                data.append(value)
            elif field == "event":
                name = value
            continue  # comments (":…"), `id:`, `retry:` and unknown fields say nothing here
        if data or name is not None:
            _dispatch("\n".join(data) if data else None, name, exchange)
        data, name = [], None


def _dispatch(data: str | None, name: str | None, exchange: Exchange) -> None:
    if name is not None:
        exchange.named_events.append(name)
    if data is None:
        return
    if data.strip() == "[DONE]":
        exchange.done_marker = True
        return
    if exchange.done_marker:
        exchange.after_done += 1
    try:
        event = json.loads(data)
    except ValueError:
        exchange.malformed_events.append(data[:200])
        return
    if isinstance(event, dict):
        exchange.events.append(event)
    else:
        exchange.malformed_events.append(data[:200])
