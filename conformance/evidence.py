"""What a result keeps of each request, for the report's evidence: the body sent and an excerpt of
what came back (the JSON body, or the streamed chunks). Long strings are clipped (an image's data
URL, a long answer) so results stay small, and a clip always says so."""

from .wire.sender import throttled_notes

STRING_LIMIT = 400      # characters of any one string value
CHUNKS_HEAD, CHUNKS_TAIL = 6, 3  # streamed chunks kept from the start and the end


def clipped(value, limit: int = STRING_LIMIT):
    """The value with every string longer than `limit` cut, marked with how much was cut."""
    if isinstance(value, str):
        return value if len(value) <= limit else f"{value[:limit]}… [{len(value) - limit} more characters]"
    if isinstance(value, dict):
        return {k: clipped(v, limit) for k, v in value.items()}
    if isinstance(value, list):
        return [clipped(v, limit) for v in value]
    return value


def chunks_excerpt(events: list[dict]) -> list:
    """The first and last chunks of a stream, with a marker saying how many are left out."""
    if len(events) <= CHUNKS_HEAD + CHUNKS_TAIL:
        return clipped(events)
    left_out = len(events) - CHUNKS_HEAD - CHUNKS_TAIL
    return clipped(events[:CHUNKS_HEAD]) + [f"… {left_out} more chunks …"] + clipped(events[-CHUNKS_TAIL:])


def exchange_evidence(ex) -> dict:
    """The request body and the response excerpt of one Exchange, exactly as it came (a body that is
    not JSON as its text, with its content type), what the client made of it where that is
    more than "returned it", and every 429 met on the way (`throttled`)."""
    out = {"request": clipped(ex.request)}
    if ex.stream and ex.events:
        out["chunks"] = chunks_excerpt(ex.events)
        out["chunk_count"] = len(ex.events)
    elif ex.body is not None:
        out["response"] = clipped(ex.body)
    elif ex.not_json is not None:
        out["response_text"] = clipped(ex.not_json)
        out["content_type"] = ex.content_type
    if ex.named_events:
        out["named_events"] = ex.named_events[:CHUNKS_HEAD]
    if ex.sdk is not None and (view := ex.sdk.summary()):
        out["client"] = view
    if throttled := throttled_notes(ex):  # every 429 met on the way: read across the run for the rate-limit row
        out["throttled"] = throttled
    return out
