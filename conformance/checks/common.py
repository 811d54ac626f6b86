"""Pieces the checks share: is there a usable answer, and small readers of answer text."""
import json
import re

from ..exchange import Exchange
from ..findings import ERROR, HONOURED, IGNORED, REJECTED, UNANSWERED, UNCLEAR, Finding

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
    """`response is not JSON: '<html>…'`: what came instead of a JSON body."""
    return f"response is not JSON: {(ex.not_json or '')[:120]!r}"


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


def reached_model(with_it: Exchange, without_it: Exchange | None) -> bool | None:
    """Whether a message reached the model, told by prompt_tokens against the same conversation
    without it: any change means it arrived (a chat template's default system prompt can make the
    conversation with a turn the shorter one); the same count, that it was dropped; None when the
    usage does not say."""
    grown, base = prompt_tokens(with_it), (prompt_tokens(without_it) if without_it is not None else None)
    if grown is None or base is None:
        return None
    return grown != base
