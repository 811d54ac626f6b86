"""The Known limitations table: each row states something that does not work; the check shows
whether it still does not (HONOURED: the limitation holds) or works after all (IGNORED: the docs
are out of date). A refusal the check cannot tie to the limitation says nothing (REJECTED)."""
import json

from ..exchange import Exchange, clip
from ..findings import HONOURED, IGNORED, REJECTED, UNCLEAR, Finding
from ..verdicts import NOT_ABOUT_THE_CLAIM
from .common import answered, not_answered
from .registry import check

# What an API says for a path or method it does not serve.
NOT_SERVED = {400, 404, 405, 501}


def batch_shaped(ex: Exchange) -> bool:
    """A batch object (OpenAI's `{"object": "batch", "id": ...}`) or a list of them."""
    body = ex.body if isinstance(ex.body, dict) else {}
    if body.get("object") == "batch" and body.get("id"):
        return True
    return body.get("object") == "list" and isinstance(body.get("data"), list)


@check
def batch_api_absent(probe: Exchange, listed: Exchange, created: Exchange) -> Finding:
    """The Batch API is not served: GET and POST /v1/batches are refused as a path that is not there,
    while the same base URL answers chat completions (so the refusal is not a wrong base URL).

    Sample: "POST /v1/batches answered HTTP 200 with a batch object (id 'batch_ref'): the Batch API
    works after all"
    """
    if found := answered(probe, "the chat completion at the same base URL"):
        return found  # a refused chat completion: a missing batch endpoint says nothing (inconclusive)
    for ex, what in ((listed, "GET /v1/batches"), (created, "POST /v1/batches")):
        if ex.ok and batch_shaped(ex):
            ident = ex.body.get("id") or f"a list of {len(ex.body.get('data') or [])}"
            return Finding(IGNORED, f"{what} answered HTTP {ex.status} with a batch object ({ident!r}): the "
                                    "Batch API works after all")
    refusals = []
    for ex, what in ((listed, "GET /v1/batches"), (created, "POST /v1/batches")):
        if ex.ok:  # a 2xx that is no batch: an HTML page, a catch-all route
            return Finding(UNCLEAR, f"{what} answered HTTP {ex.status} with something that is not a batch "
                                    f"({clip(ex.sdk_error or str(ex.body), 60)})")
        found = not_answered(ex, what)
        if found.observed != REJECTED:
            return found
        if found.status not in NOT_SERVED:
            return found  # 401, 403, 429, a 5xx: not a statement that batches are unsupported
        refusals.append(f"{what} HTTP {ex.status} {clip(ex.error_message or 'no message', 50)}")
    return Finding(HONOURED, f"not served: {'; '.join(refusals)}; chat completions answered at the same base URL")


def content_variant(ex: Exchange) -> str:
    """How the assistant message with tool_calls carries its content: '', null, or no key at all."""
    for message in ex.request.get("messages") or []:
        if isinstance(message, dict) and message.get("tool_calls"):
            return json.dumps(message["content"]) if "content" in message else "absent"
    return "?"


@check
def tool_calls_need_content(probe: Exchange, empty: Exchange, null: Exchange, absent: Exchange) -> Finding:
    """An assistant message with tool_calls needs non-empty content: with content '', null or absent
    the conversation is refused with a 4xx; the same conversation with text content is answered.

    Sample: "an assistant message with tool_calls and content null was answered (HTTP 200): non-empty
    content is not required after all"
    """
    if found := answered(probe, "the conversation whose tool-calling assistant message has text content"):
        if found.observed == REJECTED:  # inconclusive, unless a 5xx: then a server error
            return Finding(REJECTED, f"{found.reason}: refused even with content, so a refusal without it says "
                                     "nothing", found.status)
        return found
    refusals = []
    for ex in (empty, null, absent):
        variant = content_variant(ex)
        if ex.ok:
            return Finding(IGNORED, f"an assistant message with tool_calls and content {variant} was answered "
                                    f"(HTTP {ex.status}, {clip(ex.text, 40)}): non-empty content is not required "
                                    "after all")
        found = not_answered(ex, f"content {variant}")
        if found.observed != REJECTED or found.status in NOT_ABOUT_THE_CLAIM or found.status >= 500:
            return found  # no answer, throttled, or a server error (never a clean refusal)
        refusals.append(f"{variant}: HTTP {ex.status} {clip(ex.error_message or 'no message', 50)}")
    return Finding(HONOURED, f"content required: {'; '.join(refusals)}; with text content it is answered")
