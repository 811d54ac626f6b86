"""Parameters of Heroku's newer Dev Center table, and request forms real clients send.

Three hooks around the app's completion: `validate_newer` (after validation), `as_seen` (the
request as the model sees it: developer messages taken as system ones) and `extend` (the answer
with what these parameters add: max_completion_tokens, tool calls, reasoning, and what the break
switches fake). Choices, where the docs leave one open:
- max_tokens and max_completion_tokens together: the smaller limit wins (both are upper bounds).
- reasoning_effort: on models with extended thinking, reasoning in `message.reasoning.thinking`
  and usage.completion_tokens_details.reasoning_tokens; accepted without effect on the others.
- logprobs: accepted and ignored (choices[0].logprobs stays absent), as Claude on Bedrock gives
  none; the page's other listing ("supported") therefore differs, as one of the two must.
- modalities: only ["text"]; audio is refused with a 400.
- parallel_tool_calls: honoured, except on Nova models, for which the page says it is ignored.
"""
import base64
import copy

from . import responder, tools
from .models import MODELS
from .validation import RequestError, bad

REASONING_EFFORTS = ("none", "minimal", "low", "medium", "high")  # OpenAI's values; "none" turns reasoning off
PARALLEL_IGNORED = {"nova-pro", "nova-lite"}  # "parallel_tool_calls: ignored for Nova models"
# Parameters the null-params break answers with a 500, as a real service does for max_tokens: null.
NULL_CRASHES = ("max_tokens",)


def validate_newer(body: dict, breaks: frozenset[str]) -> None:
    if "null-params" in breaks and any(k in body and body[k] is None for k in NULL_CRASHES):
        raise RequestError(500, "Failed to execute chat", "server_error")
    tools.validate_tools(body)
    limit = body.get("max_completion_tokens")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise bad("max_completion_tokens must be a positive integer")
    effort = body.get("reasoning_effort")
    if effort is not None and effort not in REASONING_EFFORTS:
        raise bad(f"reasoning_effort must be one of {', '.join(REASONING_EFFORTS)}")
    modalities = body.get("modalities")
    if modalities is not None and modalities != ["text"] and "modalities" not in breaks:
        raise bad("modalities: only text output is supported")


def _is_system(message: dict) -> bool:
    return message.get("role") in ("system", "developer")


def as_seen(body: dict, breaks: frozenset[str]) -> dict:
    """The request as the model sees it: a developer message is a system message (upstream
    hoists both into the system prompt); each break switch loses what its claim is about."""
    seen = copy.deepcopy(body)
    messages = seen["messages"]
    if "developer-role" in breaks:
        messages = [m for m in messages if m.get("role") != "developer"]
    if "system-many" in breaks:
        first = next((i for i, m in enumerate(messages) if _is_system(m)), None)
        messages = [m for i, m in enumerate(messages) if not _is_system(m) or i == first]
    if "system-mid" in breaks:
        first_user = next((i for i, m in enumerate(messages) if m.get("role") == "user"), len(messages))
        messages = [m for i, m in enumerate(messages) if not (_is_system(m) and i > first_user)]
    if "content-parts" in breaks:
        for m in messages:
            if isinstance(m.get("content"), list):
                m["content"] = ""  # the parts are lost on the way to the model
    seen["messages"] = [{**m, "role": "system"} if m.get("role") == "developer" else m for m in messages]
    if "stop-whitespace" in breaks and seen.get("stop") is not None:
        stops = [seen["stop"]] if isinstance(seen["stop"], str) else seen["stop"]
        seen["stop"] = [s for s in stops if s.strip()]  # as upstream: whitespace-only stops do nothing
    if "stream-usage" in breaks:
        seen.pop("stream_options", None)
    return seen


def _last_user_text(body: dict) -> str:
    return next((responder.text_of(m.get("content")) for m in reversed(body["messages"])
                 if m.get("role") == "user"), "")


def _parallel(body: dict, breaks: frozenset[str]) -> bool:
    if body["model"] in PARALLEL_IGNORED or "parallel-tools" in breaks:
        return True
    return body.get("parallel_tool_calls") is not False


def _limit(body: dict, breaks: frozenset[str]) -> int | None:
    """The token limit a tool call is held to: max_tokens or max_completion_tokens, the smaller."""
    limits = [body.get(k) for k in ("max_tokens", "max_completion_tokens") if k not in breaks]
    return min((n for n in limits if isinstance(n, int)), default=None)


def _logprobs(text: str) -> dict:
    """What the logprobs break returns: a plausible entry per token (OpenAI's shape)."""
    def entry(token: str, rank: int) -> dict:
        return {"token": token, "logprob": -0.01 * (rank + 1), "bytes": list(token.encode())}
    return {"content": [{**entry(t, 0), "top_logprobs": [entry(t, 0), entry(t + "s", 1)]}
                        for t in responder.TOKEN.findall(text)], "refusal": None}


def extend(done: dict, body: dict, breaks: frozenset[str]) -> dict:
    """The completion with what the newer parameters add."""
    choice = done["choices"][0]
    message = choice["message"]
    completion_tokens = done["usage"]["completion_tokens"]
    calls = tools.tool_calls(body, _last_user_text(body), done["id"], _parallel(body, breaks), breaks)
    if (final := tools.answer_to_results(body["messages"], breaks)) is not None:  # after tool results
        message["content"] = final
        completion_tokens = responder.count_tokens(final)
    if calls:
        content, calls, cut = tools.cut_to_limit(tools.preamble(calls), calls, _limit(body, breaks), breaks)
        message["content"] = content
        if calls:
            message["tool_calls"] = calls
        choice["finish_reason"] = "length" if cut else "tool_calls"
        completion_tokens = responder.count_tokens(message["content"]) + sum(
            responder.count_tokens(c["function"]["arguments"]) for c in calls)
    elif "max_completion_tokens" not in breaks:
        text, cut = responder.truncate(message["content"], body.get("max_completion_tokens"))
        if cut:
            message["content"], choice["finish_reason"] = text, "length"
            completion_tokens = responder.count_tokens(text)
    reasoning_tokens = 0
    effort = body.get("reasoning_effort")
    if effort not in (None, "none") and MODELS[body["model"]].thinking and "reasoning-effort" not in breaks:
        thinking = f"The user asks something short; with {effort} effort, answer it directly."
        message["reasoning"] = {"thinking": thinking}
        reasoning_tokens = responder.count_tokens(thinking)
    if body.get("logprobs") and "logprobs" in breaks:
        choice["logprobs"] = _logprobs(message["content"] or "")
    if "audio" in (body.get("modalities") or []):  # only reached with the modalities break
        message["audio"] = {"id": f"audio_{done['id'][9:]}", "expires_at": done["created"] + 3600,
                            "data": base64.b64encode(b"RIFF....WAVE").decode(), "transcript": message["content"]}
        message["content"] = None
    usage = done["usage"]
    usage["completion_tokens"] = completion_tokens + reasoning_tokens
    usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
    if reasoning_tokens:
        usage["completion_tokens_details"] = {"reasoning_tokens": reasoning_tokens}
    return done
