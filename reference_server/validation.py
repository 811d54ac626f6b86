"""Request validation with Heroku's documented limits. Each problem is raised as a RequestError,
which the app turns into Heroku's error body."""
from .models import MODELS
from .responder import text_of

DOCUMENTED = {
    "model", "messages", "max_tokens", "temperature", "top_p", "stream", "stop",
    "tools", "tool_choice", "response_format", "user", "metadata",
    "seed", "n", "presence_penalty", "frequency_penalty", "logit_bias",
}
IGNORED = {"seed", "n", "presence_penalty", "frequency_penalty", "logit_bias"}
# Accepted beyond the docs' tables: Heroku's extensions and options its Dev Center lists.
EXTENSIONS = {"extended_thinking", "allow_ignored_params", "stream_options", "max_completion_tokens"}
# Dev Center's newer table: reasoning_effort, parallel_tool_calls, logprobs, modalities (and audio with it).
EXTENSIONS |= {"reasoning_effort", "parallel_tool_calls", "logprobs", "top_logprobs", "modalities", "audio"}
MAX_STOP = 4  # OpenAI's limit: "Up to 4 sequences"
ROLES = {"system", "user", "assistant", "tool", "developer"}  # developer: taken as system, as upstream does


class RequestError(Exception):
    def __init__(self, status: int, message: str, type_: str = "invalid_request_error"):
        super().__init__(message)
        self.status, self.message, self.type = status, message, type_


def bad(message: str) -> RequestError:
    return RequestError(400, message)


def _number(body: dict, name: str, low: float, high: float) -> None:
    value = body.get(name)
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise bad(f"{name} must be a number")
    if not low <= value <= high:
        raise bad(f"{name} must be between {low} and {high}, got {value}")


def validate(body: dict, breaks: frozenset[str]) -> None:
    if not isinstance(body, dict):
        raise bad("request body must be a JSON object")
    unknown = sorted(set(body) - DOCUMENTED - EXTENSIONS)
    if unknown:
        raise bad(f"Unrecognized request argument supplied: {', '.join(unknown)}")
    if body.get("allow_ignored_params") is False:
        used = sorted(IGNORED & set(body))
        if used:
            raise bad(f"ignored parameters are not allowed: {', '.join(used)}")

    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise bad("model is required")
    if model not in MODELS:
        raise bad(f"model '{model}' is not supported")
    spec = MODELS[model]

    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise bad("messages must be a non-empty array")
    for i, msg in enumerate(messages):
        if not isinstance(msg, dict) or msg.get("role") not in ROLES:
            raise bad(f"messages[{i}].role must be one of {', '.join(sorted(ROLES))}")
        if "tool-content" in breaks and msg.get("tool_calls") and not msg.get("content"):
            continue  # break switch: a tool-calling assistant message without content is taken as is
        content = msg.get("content")
        if content is None or content == "" or content == []:
            raise bad(f"messages[{i}].content is required")
        if isinstance(content, list) and not spec.vision and "vision-everywhere" not in breaks:
            if any(isinstance(p, dict) and p.get("type") == "image_url" for p in content):
                raise bad(f"model '{model}' does not support image input")
        if not isinstance(content, (str, list)) or (isinstance(content, list) and not text_of(content)
                                                    and not spec.vision):
            raise bad(f"messages[{i}].content must be a string or an array of content parts")

    _number(body, "temperature", 0.0, 1.0)
    if "temperature" in breaks and (body.get("temperature") or 0) > 0.5:
        raise bad("temperature must be at most 0.5")
    _number(body, "top_p", 0.0, 1.0)
    if "top_p" in breaks and body.get("top_p") is not None and body["top_p"] < 0.5:
        raise bad("top_p must be at least 0.5")

    max_tokens = body.get("max_tokens")
    if max_tokens is not None:
        if isinstance(max_tokens, bool) or not isinstance(max_tokens, int):
            raise bad("max_tokens must be an integer")
        if not 1 <= max_tokens <= spec.max_output_tokens:
            raise bad(f"max_tokens must be between 1 and {spec.max_output_tokens} for {model}, got {max_tokens}")

    stop = body.get("stop")
    if stop is not None and not isinstance(stop, str):
        if not isinstance(stop, list) or not all(isinstance(s, str) for s in stop):
            raise bad("stop must be a string or an array of strings")
        if len(stop) > MAX_STOP:
            raise bad(f"stop may hold at most {MAX_STOP} sequences, got {len(stop)}")
    if "stream" in body and not isinstance(body["stream"], bool):
        raise bad("stream must be a boolean")
