"""Pieces the checks share: is there a usable answer, and small readers of answer text."""
import json
import re

from ..exchange import Exchange, clip
from ..findings import ERROR, HONOURED, IGNORED, REJECTED, UNANSWERED, UNCLEAR, Finding
from .band import EFFECT, band

INTEGER = re.compile(r"-?\d+")


def not_answered(ex: Exchange, what: str = "the request") -> Finding | None:
    """A Finding when the exchange has no usable successful answer, else None."""
    if ex.transport_error:
        return Finding(UNANSWERED, f"{what} got no answer: {ex.transport_error}")
    if ex.stream_cut and ex.status is None:
        return Finding(ERROR, f"{what}: the connection broke while the stream was being read ({ex.stream_cut})")
    if not ex.ok:
        return Finding(REJECTED, f"{what} was rejected: HTTP {ex.status} {ex.error_message!r}", ex.status)
    if ex.not_json is not None:
        return Finding(ERROR, f"{what}: {not_json(ex)}")
    return None


def not_json(ex: Exchange) -> str:
    """`response is not JSON: HTTP 200 (text/html): '<!DOCTYPE html>'`: what came instead of a JSON
    body, summarised (status, content type, first line, clipped), never the page whole."""
    return f"response is not JSON: {ex.answer_summary()}"


def client_problem(ex: Exchange) -> str | None:
    """What the client that sent this request could not use of the answer, or None: what it reported
    it could not use, or an exception it raised on an answer that was not an HTTP error. The text does
    not name the client (`ex.sdk.client` does)."""
    view = ex.sdk
    if view is None or view.sent_by != "sdk":
        return None  # sent around the client (it has no call for this request): nothing to say of it
    if view.problem:
        return view.problem
    if view.outcome == "raised" and ex.ok:
        exception = view.exception or {}
        said = f"raised {view.exception_class}" + (f": {exception['message']}" if exception.get("message") else "")
        return said + (f" ({exception['cause']})" if exception.get("cause") else "")
    return None


def _wire_calls(ex: Exchange) -> list[dict]:
    """The tool calls of choice 0 as they came: the message's, or a stream's fragments joined by index."""
    if not ex.stream:
        calls = (ex.choice.get("message") or {}).get("tool_calls") if isinstance(ex.choice, dict) else None
        return [c.get("function") or {} for c in calls if isinstance(c, dict)] if isinstance(calls, list) else []
    joined: dict = {}
    for e in ex.events:
        for c in e.get("choices") or []:
            for call in (c.get("delta") or {}).get("tool_calls") or [] if isinstance(c, dict) else []:
                if not isinstance(call, dict):
                    continue
                into = joined.setdefault(call.get("index", 0), {"name": None, "arguments": ""})
                function = call.get("function") or {}
                into["name"] = into["name"] or function.get("name")
                into["arguments"] += function.get("arguments") or ""
    return [joined[i] for i in sorted(joined, key=str)]


def _json(text):
    try:
        return json.loads(text) if isinstance(text, str) else text
    except ValueError:
        return None


def _wire_reasoning(ex: Exchange) -> bool:
    keys = ("reasoning", "reasoning_content")
    if not ex.stream:
        message = ex.choice.get("message") if isinstance(ex.choice, dict) else None
        return isinstance(message, dict) and any(message.get(k) for k in keys)
    return any(isinstance(c, dict) and any((c.get("delta") or {}).get(k) for k in keys)
               for e in ex.events for c in e.get("choices") or [])


def dropped(ex: Exchange) -> str | None:
    """What of a successful answer the client did not hand its user though it came (the text, the
    finish reason, the tool calls, the reasoning), or None. Only single-choice answers are compared."""
    result = ex.sdk.result if ex.sdk is not None and ex.sdk.sent_by == "sdk" else None
    if not result or not ex.ok or (not ex.events and not isinstance(ex.body, dict)):
        return None
    indexes = {c.get("index", 0) for e in ex.events for c in e.get("choices") or [] if isinstance(c, dict)}
    if len(indexes) > 1 or (isinstance(ex.body, dict) and len(ex.body.get("choices") or []) > 1):
        return None
    lost = []
    if ex.text and (result.get("text") or "") != ex.text:
        lost.append(f"the text ({clip(ex.text, 30)}, handed over as {clip(result.get('text') or '', 30)})")
    if ex.finish_reason and result.get("finish_reason") != ex.finish_reason:
        lost.append(f"finish_reason {ex.finish_reason!r} (handed over as {result.get('finish_reason')!r})")
    wire, given = _wire_calls(ex), result.get("tool_calls") or []
    if len(wire) != len(given):
        lost.append(f"tool calls ({len(wire)} came, {len(given)} handed over)")
    else:
        for sent, got in zip(wire, given, strict=True):
            arguments = _json(sent.get("arguments"))  # compared as JSON: a client may re-serialise them
            changed = arguments is not None and arguments != _json(got.get("arguments"))
            if sent.get("name") != got.get("name") or changed:
                lost.append(f"tool call {sent.get('name')!r} (handed over as {got.get('name')!r} "
                            f"{clip(str(got.get('arguments')), 40)})")
                break
    if _wire_reasoning(ex) and not result.get("reasoning"):
        lost.append("the reasoning")
    return "drops " + "; ".join(lost) if lost else None


def answered(ex: Exchange, what: str = "the request") -> Finding | None:
    """not_answered, plus an answer without a first choice to read. The full shape of the response
    is judged by `completion_shape`, on the model's OpenAI-SDK row, not on every parameter's row."""
    finding = not_answered(ex, what)
    if finding is None and not ex.stream and not isinstance(ex.choice.get("message"), dict):
        finding = Finding(ERROR, f"{what} was answered, but the body has no choices[0].message")
    return finding


def spent_before_answering(ex: Exchange, what: str) -> Finding | None:
    """An empty answer cut by the token limit: a reasoning model spent it thinking. Nothing to judge."""
    if not ex.text.strip() and ex.finish_reason == "length":
        return Finding(UNCLEAR, f"{what}: the answer is empty with finish_reason='length' (the token limit "
                                "was spent before any text, e.g. on reasoning)")
    return None


def integers(text: str) -> list[int]:
    return [int(n) for n in INTEGER.findall(text)]


def is_count(numbers: list[int]) -> bool:
    """A count from 1 of at least three numbers: what a count prompt's answer is when it is one."""
    return len(numbers) >= 3 and numbers[0] == 1 and consecutive(numbers)


def consecutive(numbers: list[int]) -> bool:
    return all(b == a + 1 for a, b in zip(numbers, numbers[1:], strict=False))




def error_text(ex: Exchange) -> str:
    """Everything an error says, where a parameter may be named: OpenAI's message, `param` and
    `code`, or a non-standard body whole (FastAPI's {"detail": [{"loc": ["body", "stop"]}]})."""
    if isinstance(ex.body, dict) and isinstance(ex.body.get("error"), dict):
        error = ex.body["error"]
        return f"{ex.error_message} {error.get('param') or ''} {error.get('code') or ''}"
    return json.dumps(ex.body) if ex.body is not None else ""


def prompt_tokens(ex: Exchange) -> int | None:
    """A usable prompt count: none from a refused request, and a server that reports 0 (or no usage)
    tells nothing about what reached the model."""
    value = ex.usage.get("prompt_tokens") if ex.ok else None
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def completion_tokens(ex: Exchange) -> int | None:
    used = ex.usage.get("completion_tokens")
    return used if isinstance(used, int) and not isinstance(used, bool) else None


def truncation(probe: Exchange, control: Exchange, limit: int, what: str) -> Finding:
    """A token limit cut the answer: finish_reason 'length' and completion_tokens within the limit,
    where the control without the limit runs longer. Shared by max_tokens and max_completion_tokens.
    `what` names the limit in reasons ("max_tokens=8")."""
    used = completion_tokens(probe)
    if used is None:
        # Without usage the token count is unknown; the finish reason and the control still tell.
        if probe.finish_reason == "length" and len(probe.text) < len(control.text):
            return Finding(HONOURED, f"{what}: finish_reason='length' and the answer is shorter than the "
                                     "unlimited one (the response reports no usage)")
        return Finding(UNCLEAR, f"{what}: finish_reason={probe.finish_reason!r} and the response reports no "
                                "usage.completion_tokens to compare")
    if used > limit:
        return Finding(IGNORED, f"{what} but finish_reason={probe.finish_reason!r} with completion_tokens={used}")
    if probe.finish_reason == "length":
        return Finding(HONOURED, f"{what}: finish_reason='length', completion_tokens={used}")
    control_used = completion_tokens(control) or 0
    if control_used <= limit:
        return Finding(UNCLEAR, f"the control answer used only {control_used} tokens, no more than {limit}, "
                                "so truncation could not be observed")
    if used < limit:  # it stopped by itself before the limit: a sampled answer may be shorter
        return Finding(UNCLEAR, f"{what}: the answer ended by itself at {used} tokens "
                                f"(finish_reason={probe.finish_reason!r}), before the limit could cut it")
    return Finding(IGNORED, f"{what}: the answer stopped at the limit ({used} tokens) but finish_reason is "
                            f"{probe.finish_reason!r}, not 'length' (unlimited it runs to {control_used})")


def reached_model(with_it: Exchange, without_it: Exchange | None,
                  longer: Exchange | None) -> tuple[bool | None, str]:
    """(whether a message reached the model, what the prompt counts say), told by prompt_tokens of the
    same conversation without the message and with a clearly longer version of it.

    One count against the conversation without the message proves nothing: a chat template that puts
    in a default system prompt when none is sent (Qwen's) can swap it for a message of about the same
    length, so the counts coincide though the message arrived. So: the longer version adds clearly
    more to the prompt than the message (band.py): it arrived. All three counts the same: neither the
    message nor its length counts, it was dropped. Anything else: None, the counts tell nothing."""
    base = prompt_tokens(without_it) if without_it is not None else None
    short, long = prompt_tokens(with_it), (prompt_tokens(longer) if longer is not None else None)
    if short is None or base is None or long is None:
        return None, "the usage does not give prompt_tokens for all three requests"
    counts = f"prompt_tokens {short} with it, {long} with a longer version of it, {base} without it"
    growth = band(long - base, [short - base])
    if growth.outcome == EFFECT and growth.direction > 0:
        return True, f"{counts}: the longer version adds {long - short} more, so the message counts"
    if short == base == long:
        return False, f"{counts}: neither the message nor its length counts"
    return None, (f"{counts}: the longer version does not add clearly more "
                  f"({growth.said('growth', 'for the message')}), so they do not show whether it reached the model")
