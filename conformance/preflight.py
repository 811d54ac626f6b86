"""Before a live or record run sends a case: is there a key, and does the server answer at all?
Both questions are asked through the run's own sender, the one place that sends."""
from .errors import ConformanceError
from .targets import Target
from .wire.sender import THROTTLED


def check_key(target: Target) -> None:
    if target.api_key:
        return
    where = (f"set {target.key_source.lstrip('$')}" if target.key_source.startswith("$")
             else f"none in {target.key_source}")
    raise ConformanceError(f"target '{target.name}' has no API key: {where}")


def check_reachable(target: Target, sender) -> None:
    """The server answers at all (any HTTP answer to GET /models, even a 404), and it serves chat
    completions where the clients will send them."""
    listed = sender.send({}, {"path": "/models", "method": "GET"})
    if listed.status is None:
        reason = (listed.transport_error or listed.stream_cut or "no answer").splitlines()[0]
        raise ConformanceError(f"target '{target.name}' is unreachable at {target.public_url}: {reason}")
    check_route(target, sender)


def _mentions_a_model(message: str) -> bool:
    """A 404 that speaks of a model comes from a chat route refusing the request, not a missing route."""
    return "model" in message.lower()


def _openai_shaped(answer) -> bool:
    """An OpenAI-compatible chat route answers JSON: a chat completion, or an error object (any JSON
    object with an error status: OpenAI's {"error": ...}, FastAPI's {"detail": ...}, llama-server's 500)."""
    if not isinstance(answer.body, dict):
        return False
    return "choices" in answer.body if answer.ok else answer.status >= 400


def check_route(target: Target, sender) -> None:
    """POST an empty body to chat/completions: a route that is there refuses it with a JSON error
    (400, 422, ...); a 404 or 405 means no chat completions route at this base URL, and an HTML page,
    a text body or a redirect to a login page means no OpenAI-compatible API there: every probe would
    be judged on pages that are not answers. Nothing is generated, so this costs no tokens."""
    refused = sender.send({}, {"path": "/chat/completions", "method": "POST"}, refusal_expected=True)
    if refused.status is None or refused.status == THROTTLED:
        return  # no answer, or throttled: the run's own limits (silent server, quota) deal with it
    where = f"POST {target.public_url}/chat/completions answers {refused.answer_summary()}"
    missing = refused.status in (404, 405)
    hint = " (does the base URL lack /v1?)" if missing and not target.public_url.rstrip("/").endswith("/v1") else ""
    if missing and not (_openai_shaped(refused) and _mentions_a_model(refused.error_message)):
        raise ConformanceError(f"target '{target.name}' is not an OpenAI-compatible chat completions API: "
                               f"{where}: no chat completions route there{hint}")
    if not _openai_shaped(refused):
        raise ConformanceError(f"target '{target.name}' is not an OpenAI-compatible chat completions API: "
                               f"{where}{hint}")
