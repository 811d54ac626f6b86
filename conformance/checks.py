"""Named checks: pure functions from exchanges to a Finding. No pytest, no network, no globals.

Each check receives the probe exchange, the control exchange when its case declares one, the
case's `expect` values as keyword arguments, and, in explored cases, `value` and `in_range`.
Each docstring ends with a sample message of what it reports when the claim does not hold.
"""
import inspect
import re

import pydantic
from openai.types.chat import ChatCompletion, ChatCompletionChunk

from .exchange import Exchange, clip
from .findings import ACCEPTED, ERROR, HONOURED, IGNORED, REJECTED, UNANSWERED, UNCLEAR, Finding

REGISTRY: dict = {}
PROVIDED = {"probe", "control", "param", "value", "in_range"}  # supplied by the runner, not by `expect`
FINISH_REASONS = {"stop", "length", "tool_calls", "content_filter", "function_call"}
INTEGER = re.compile(r"-?\d+")
# A dated or versioned snapshot of the requested id: -2024-08-06, -20241022, -v1, -v2:0
SNAPSHOT_SUFFIX = re.compile(r"-(\d{4}-\d{2}-\d{2}|\d{8}|v\d+(:\d+)?)$")


def check(fn):
    REGISTRY[fn.__name__] = fn
    return fn


def argument_problem(fn, expect: dict, has_control: bool, explores: bool) -> str | None:
    """Why a case's `expect`/`control`/`explore` do not fit the check's signature, or None."""
    params = inspect.signature(fn).parameters
    unknown = sorted(set(expect) - (set(params) - PROVIDED))
    if unknown:
        return f"check '{fn.__name__}' takes no expect key(s) {', '.join(unknown)}"
    missing = sorted(
        n for n, p in params.items()
        if n not in PROVIDED and p.default is inspect.Parameter.empty and n not in expect
    )
    if missing:
        return f"check '{fn.__name__}' needs expect key(s) {', '.join(missing)}"
    for name, value in expect.items():
        wanted = params[name].annotation
        if isinstance(wanted, type) and not isinstance(value, wanted):
            return f"expect.{name} must be a {wanted.__name__}, got {value!r}"
    if "control" in params and params["control"].default is inspect.Parameter.empty and not has_control:
        return f"check '{fn.__name__}' compares against a control request: add `control:`"
    explorer = {"param", "value", "in_range"} <= set(params)
    if explorer and not explores:
        return f"check '{fn.__name__}' explores a range: add `explore:`"
    if explores and not explorer:
        return f"check '{fn.__name__}' cannot explore a range: remove `explore:`"
    return None


# ---- shared pieces -------------------------------------------------------------------------------

def not_answered(ex: Exchange, what: str = "the request") -> Finding | None:
    """A Finding when the exchange has no usable successful answer, else None."""
    if ex.transport_error:
        return Finding(UNANSWERED, f"{what} got no answer: {ex.transport_error}")
    if not ex.ok:
        return Finding(REJECTED, f"{what} was rejected: HTTP {ex.status} {ex.error_message!r}", ex.status)
    if ex.sdk_error:
        return Finding(ERROR, f"{what}: {ex.sdk_error}")
    return None


def _first_validation_error(err: pydantic.ValidationError) -> str:
    first = err.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    return f"{where}: {first['msg']}"


def completion_problem(ex: Exchange) -> str | None:
    """What is wrong with a non-streamed completion body, judged by the SDK's own types."""
    body = ex.body
    if not isinstance(body, dict):
        return "the body is not a JSON object"
    try:
        ChatCompletion.model_validate(body)
    except pydantic.ValidationError as err:
        return f"not a chat completion the openai SDK accepts ({_first_validation_error(err)})"
    if body.get("object") != "chat.completion":
        return f"object is {body.get('object')!r}, not 'chat.completion'"
    if not body["choices"]:
        return "choices is empty"
    message = body["choices"][0]["message"]
    if message.get("role") != "assistant":
        return f"message.role is {message.get('role')!r}, not 'assistant'"
    if body["choices"][0].get("finish_reason") not in FINISH_REASONS:
        return f"finish_reason {body['choices'][0].get('finish_reason')!r} is not an OpenAI value"
    usage = body.get("usage")
    if not isinstance(usage, dict):
        return "it reports no usage"
    for key in ("prompt_tokens", "completion_tokens", "total_tokens"):
        if not isinstance(usage.get(key), int):
            return f"usage.{key} is {usage.get(key)!r}, not a count"
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


def consecutive(numbers: list[int]) -> bool:
    return all(b == a + 1 for a, b in zip(numbers, numbers[1:], strict=False))


# ---- the checks ----------------------------------------------------------------------------------

@check
def completion_shape(probe: Exchange) -> Finding:
    """A plain completion is one the openai SDK's own types accept, in OpenAI's standard format.

    Sample: "not a chat completion the openai SDK accepts (usage.completion_tokens: Field required)"
    """
    if finding := not_answered(probe):
        return finding
    if problem := completion_problem(probe):
        return Finding(ERROR, f"the response was answered, but {problem}")
    return Finding(HONOURED, "a chat completion in OpenAI's format that the openai SDK's types accept")


@check
def model_echoed(probe: Exchange) -> Finding:
    """The response names the model that was asked for (a dated snapshot of it also counts).

    Sample: "asked for claude-4-5-haiku, the response says model='anthropic.claude-4-5-haiku-v1'"
    """
    if finding := answered(probe):
        return finding
    asked, said = probe.request["model"], probe.body.get("model")
    if said == asked:
        return Finding(HONOURED, f"the response names the requested model {asked!r}")
    if isinstance(said, str) and said.startswith(asked) and SNAPSHOT_SUFFIX.fullmatch(said[len(asked):]):
        return Finding(HONOURED, f"the response names {said!r}, a snapshot of the requested {asked!r}")
    return Finding(IGNORED, f"asked for {asked}, the response says model={said!r}")


@check
def recalls_every_turn(probe: Exchange, words: dict) -> Finding:
    """Each turn (system, user, assistant) told the model a word; the reply must repeat them all.

    `words` maps the role that carried a word to the word. Sample:
    "the reply 'MARMALADE' lacks TANGERINE, which only the system turn carried"
    """
    if finding := answered(probe) or spent_before_answering(probe, "the reply"):
        return finding
    text = probe.text.upper()
    lost = [(role, word) for role, word in words.items() if word.upper() not in text]
    if not lost:
        return Finding(HONOURED, f"the reply {probe.text!r} carries the word of every turn "
                                 f"({', '.join(words)})")
    missing = "; ".join(f"{w}, which only the {role} turn carried" for role, w in lost)
    return Finding(IGNORED, f"the reply {clip(probe.text, 80)} lacks {missing}")


@check
def max_tokens_truncates(probe: Exchange, control: Exchange) -> Finding:
    """A small max_tokens cuts the answer: finish_reason 'length', completion_tokens <= max_tokens.

    The control asks the same without the limit, to show the answer would have been longer.
    Sample: "max_tokens=8 but finish_reason='stop' with completion_tokens=59"
    """
    if finding := answered(probe) or answered(control, "the control request (no max_tokens)"):
        return finding
    limit = probe.request["max_tokens"]
    used = probe.usage.get("completion_tokens")
    if not isinstance(used, int):
        # Without usage the token count is unknown; the finish reason and the control still tell.
        if probe.finish_reason == "length" and len(probe.text) < len(control.text):
            return Finding(HONOURED, f"max_tokens={limit}: finish_reason='length' and the answer is shorter "
                                     "than the unlimited one (the response reports no usage)")
        return Finding(UNCLEAR, f"max_tokens={limit}: finish_reason={probe.finish_reason!r} and the response "
                                "reports no usage.completion_tokens to compare")
    if used > limit:
        return Finding(IGNORED, f"max_tokens={limit} but finish_reason={probe.finish_reason!r} "
                                f"with completion_tokens={used}")
    if probe.finish_reason == "length":
        return Finding(HONOURED, f"max_tokens={limit}: finish_reason='length', completion_tokens={used}")
    control_used = control.usage.get("completion_tokens") or 0
    if control_used <= limit:
        return Finding(UNCLEAR, f"the control answer used only {control_used} tokens, no more than "
                                f"max_tokens={limit}, so truncation could not be observed")
    return Finding(IGNORED, f"max_tokens={limit}: the answer stopped at {used} tokens but finish_reason is "
                            f"{probe.finish_reason!r}, not 'length' (unlimited it runs to {control_used})")


@check
def max_tokens_respected(probe: Exchange, param: str, value: int, in_range: bool) -> Finding:
    """Any max_tokens in the documented range is accepted and no answer uses more tokens than it.

    Sample: "max_tokens=1 accepted, but completion_tokens=59 with finish_reason='stop'"
    """
    if finding := answered(probe, f"max_tokens={value}"):
        return finding
    used = probe.usage.get("completion_tokens")
    if not isinstance(used, int):
        return Finding(UNCLEAR, f"max_tokens={value} accepted, but the response reports no "
                                "usage.completion_tokens to compare")
    if used > value:
        return Finding(IGNORED, f"max_tokens={value} accepted, but completion_tokens={used} "
                                f"with finish_reason={probe.finish_reason!r}")
    return Finding(HONOURED, f"max_tokens={value} accepted: completion_tokens={used}, "
                             f"finish_reason={probe.finish_reason!r}")


@check
def accepted_in_range(probe: Exchange, param: str, value: float, in_range: bool) -> Finding:
    """A sampling parameter is accepted with a well-formed, non-empty answer.

    Sampling parameters change randomness, which a few requests cannot measure, so this looks at
    acceptance and at the answer, not at the effect, and says so (observed: accepted).
    Sample: "temperature=0.99 was rejected: HTTP 400 'temperature must be at most 0.5'"
    """
    what = f"{param}={value}"
    if finding := answered(probe, what) or spent_before_answering(probe, what):
        return finding
    if not probe.text.strip():
        return Finding(ERROR, f"{what} accepted, but the answer is empty (finish_reason={probe.finish_reason!r})")
    return Finding(ACCEPTED, f"{what} accepted with a well-formed answer (its effect on sampling is not measured)")


def stream_problem(probe: Exchange) -> str | None:
    """What is wrong with a stream's wire format, or None."""
    if probe.stream_cut:
        return f"the connection broke after {len(probe.events)} chunk(s) ({probe.stream_cut})"
    if probe.malformed_events:
        return f"an SSE event is not JSON: {clip(probe.malformed_events[0], 60)}"
    if not probe.events:
        return "the stream carried no chunks"
    for i, event in enumerate(probe.events):
        try:
            ChatCompletionChunk.model_validate(event)
        except pydantic.ValidationError as err:
            return f"chunk {i} is not a chunk the openai SDK accepts ({_first_validation_error(err)})"
        if event.get("object") != "chat.completion.chunk":
            return f"chunk {i} has object={event.get('object')!r}, not 'chat.completion.chunk'"
    # `created` may tick from chunk to chunk (llama-server stamps each one); id and model may not.
    for key in ("id", "model"):
        values = {event.get(key) for event in probe.events}
        if len(values) > 1:
            return f"the chunks disagree on {key}: {sorted(map(str, values))[:3]}"
    finishes = [c.get("finish_reason") for e in probe.events for c in e.get("choices") or [] if c.get("finish_reason")]
    if len(finishes) != 1:
        return f"{len(finishes)} chunks carry a finish_reason, expected exactly one"
    if not probe.done_marker:
        return "the stream did not end with `data: [DONE]`"
    if probe.after_done:
        return f"{probe.after_done} event(s) came after `data: [DONE]`"
    return None


@check
def stream_matches_plain(probe: Exchange, control: Exchange) -> Finding:
    """stream=true yields well-formed SSE chunks, closed by [DONE], that reassemble into the same
    answer (same numbers, same finish_reason) as the same request without streaming.

    Sample: "the stream did not end with `data: [DONE]`"
    """
    if finding := not_answered(probe, "the streamed request") or answered(control, "the plain request"):
        return finding
    if not probe.events and isinstance(probe.body, dict):
        return Finding(IGNORED, "stream=true was answered with one JSON body, not a stream of chunks")
    if problem := stream_problem(probe):
        return Finding(ERROR, f"stream=true was answered, but {problem}")
    streamed, plain = integers(probe.text), integers(control.text)
    if probe.finish_reason != control.finish_reason:
        return Finding(ERROR, f"the stream finished with {probe.finish_reason!r}, the plain answer with "
                              f"{control.finish_reason!r}")
    if streamed != plain:
        if not streamed or not consecutive(streamed):
            return Finding(ERROR, f"the reassembled stream {clip(probe.text, 60)} is not a whole count, "
                                  f"unlike the plain answer {clip(control.text, 60)}: chunks were lost or mangled")
        # Both are clean counts that differ: the model answered differently, not the stream's doing.
        return Finding(UNCLEAR, f"the reassembled stream {clip(probe.text, 60)} is well-formed but differs "
                                f"from the plain answer {clip(control.text, 60)}")
    return Finding(HONOURED, f"{len(probe.events)} well-formed chunks ending in [DONE] reassemble into "
                             f"the plain answer {clip(probe.text, 40)}")


@check
def stop_sequence_ends_text(probe: Exchange, control: Exchange, stop: str) -> Finding:
    """The answer ends before the stop sequence, which the same request without `stop` contains.

    Sample: "stop='7' but the answer '1, 2, ..., 7, 8' contains it"
    """
    if finding := answered(probe) or answered(control, "the control request (no stop)"):
        return finding
    if stop not in control.text:
        return Finding(UNCLEAR, f"the control answer {clip(control.text, 60)} never contains {stop!r}, so the "
                                "stop sequence could not be observed")
    if stop in probe.text:
        return Finding(IGNORED, f"stop={stop!r} but the answer {clip(probe.text, 100)} contains it")
    if probe.finish_reason != "stop":
        return Finding(IGNORED, f"the answer ends before {stop!r} but finish_reason is {probe.finish_reason!r}")
    return Finding(HONOURED, f"the answer {clip(probe.text, 40)} ends before {stop!r}; without stop it goes on")
