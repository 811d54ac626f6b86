"""Before a live or record run sends a case: is there a key, and does the server answer at all?"""
import openai

from .client import http_transport
from .errors import ConformanceError
from .targets import Target


def check_key(target: Target) -> None:
    if target.api_key:
        return
    where = (f"set {target.key_source.lstrip('$')}" if target.key_source.startswith("$")
             else f"none in {target.key_source}")
    raise ConformanceError(f"target '{target.name}' has no API key: {where}")


def check_reachable(target: Target, sdk: openai.OpenAI, timeout: float = 10.0) -> None:
    """The server answers at all (any HTTP answer to GET /models, even a 404), and it serves chat
    completions where the SDK will send them."""
    quick = sdk.with_options(max_retries=0, timeout=timeout)
    try:
        quick.models.list()
    except openai.APIStatusError:
        pass
    except openai.APIConnectionError as err:
        cause = err.__cause__ or err
        reason = str(cause).splitlines()[0] if str(cause) else type(cause).__name__
        raise ConformanceError(f"target '{target.name}' is unreachable at {target.public_url}: {reason}") from None
    check_route(target, quick)


def _mentions_a_model(err: openai.APIStatusError) -> bool:
    """A 404 that speaks of a model comes from a chat route refusing the request, not a missing route."""
    try:
        body = err.response.json()
    except ValueError:
        return False
    message = body.get("error") if isinstance(body, dict) else None
    message = message.get("message", "") if isinstance(message, dict) else str(message or "")
    return "model" in message.lower()


def check_route(target: Target, sdk: openai.OpenAI) -> None:
    """POST an empty body to chat/completions: a route that is there refuses it (400, 422, ...);
    a 404 or 405 means no chat completions route at this base URL, and every probe would be
    'inconclusive'. Nothing is generated, so this costs no tokens."""
    try:
        sdk.post("/chat/completions", body={}, cast_to=http_transport.Response)
    except openai.APIStatusError as err:
        if err.status_code in (404, 405) and not _mentions_a_model(err):
            hint = "" if target.public_url.rstrip("/").endswith("/v1") else " (does the base URL lack /v1?)"
            raise ConformanceError(f"target '{target.name}': POST {target.public_url}/chat/completions answers "
                                   f"HTTP {err.status_code}: no chat completions route there{hint}") from None
    except openai.APIConnectionError:
        return  # reachable a moment ago; the cases will say what fails
