"""The response structure: is an answer one that OpenAI's SDK types accept, plain or streamed."""
import pydantic
from openai.types.chat import ChatCompletion, ChatCompletionChunk

from ..exchange import Exchange, clip
from ..findings import ERROR, HONOURED, Finding
from .common import not_answered
from .registry import check

FINISH_REASONS = {"stop", "length", "tool_calls", "content_filter", "function_call"}


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
def completion_shape(probe: Exchange) -> Finding:
    """A plain completion is one the openai SDK's own types accept, in OpenAI's standard format.

    Sample: "not a chat completion the openai SDK accepts (usage.completion_tokens: Field required)"
    """
    if finding := not_answered(probe):
        return finding
    if problem := completion_problem(probe):
        return Finding(ERROR, f"the response was answered, but {problem}")
    return Finding(HONOURED, "a chat completion in OpenAI's format that the openai SDK's types accept")
