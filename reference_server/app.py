"""The HTTP face: POST /v1/chat/completions (JSON or SSE), GET /available-models, Heroku's errors."""
import asyncio
import hashlib
import json

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from . import newer, parameters, responder, thinking, tools, vision
from .batches import batches_endpoint
from .breaks import parse_breaks
from .caching import PromptCache, report
from .errors import spoiled_error, with_request_id
from .listing import available_models_endpoint
from .models import MODELS, card_id
from .ratelimit import RateLimiter
from .validation import RequestError, validate

CREATED = 1764000000  # fixed, so the same request always gets the same bytes back


def error_response(err: RequestError) -> JSONResponse:
    # Heroku's error body; `code` is the HTTP status, as in Heroku's docs site.
    body = {"error": {"message": err.message, "type": err.type, "code": err.status}}
    return JSONResponse(body, status_code=err.status)


def digest(body: dict) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def complete(body: dict, breaks: frozenset[str]) -> dict:
    """The non-streamed completion for a valid request."""
    messages = body["messages"]
    if "messages" in breaks:
        messages = [m for m in messages if m.get("role") == "user"][-1:]
    text = responder.compose(messages)
    text = vision.answer(messages, breaks, text)
    text = parameters.answer(body, breaks, text)
    stopped = False
    if "stop" not in breaks:
        text, stopped = responder.apply_stop(text, body.get("stop"))
    truncated = False
    if "max_tokens" not in breaks:
        text, truncated = responder.truncate(text, body.get("max_tokens"))
    # Counted on what reaches the model: a server that drops a turn does not bill for it either.
    prompt_tokens = sum(responder.count_tokens(responder.text_of(m.get("content"))) for m in messages)
    completion_tokens = responder.count_tokens(text)
    key = digest(body)
    message = {"role": "assistant", "content": text, "refusal": None}
    return {
        "id": f"chatcmpl-{key[:21]}",
        "object": "chat.completion",
        "created": CREATED,
        "model": f"anthropic.{body['model']}-v1" if "model" in breaks else body["model"],
        "system_fingerprint": f"heroku-inf-{key[21:28]}",
        "choices": [{
            "index": 0,
            "message": message,
            "logprobs": None,
            "finish_reason": "length" if truncated else "stop",
        }],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def chunks(done: dict, body: dict, breaks: frozenset[str]):
    """The SSE lines of a completion: role first, then content pieces, then finish_reason, [DONE]."""
    base = {k: done[k] for k in ("id", "created", "model", "system_fingerprint")}
    base["object"] = "chat.completion.chunk"
    choice = done["choices"][0]
    deltas = [{"role": "assistant", "content": ""}]
    deltas += thinking.deltas(choice["message"])  # shown thinking streams before the content
    deltas += [{"content": piece} for piece in responder.pieces(choice["message"]["content"])]
    if choice["message"].get("tool_calls"):  # OpenAI's form: each call opened by index, then its arguments in pieces
        deltas += tools.stream_deltas(choice["message"]["tool_calls"], breaks)
    if "stream-role-every-delta" in breaks:
        deltas = [{"role": "assistant", **d} for d in deltas]
    events = [{**base, "choices": [{"index": 0, "delta": d, "finish_reason": None}]} for d in deltas]
    finish = None if "stream-no-finish" in breaks else choice["finish_reason"]
    events.append({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": finish}]})
    if "stream-empty-choices" in breaks:
        events.insert(1, {**base, "choices": []})
    if (body.get("stream_options") or {}).get("include_usage"):
        events.append({**base, "choices": [], "usage": done["usage"]})
    named = "event: chunk\n" if "stream-named-events" in breaks else ""
    for i, event in enumerate(events):
        if "stream-chunks" in breaks:
            event["id"] = f"{event['id']}-{i}"
        if "stream-not-json" in breaks and i == 1:
            yield "data: ping\n\n"
        yield f"{named}data: {json.dumps(event)}\n\n"
    if "stream-done" not in breaks:
        yield "data: [DONE]\n\n"


def default_model(body: object, breaks: frozenset[str]) -> object:
    """Break switch `unknown-model`: an unknown model id is quietly served by a default model."""
    if "unknown-model" in breaks and isinstance(body, dict) and body.get("model") not in MODELS:
        return {**body, "model": next(iter(MODELS))}
    return body


def broken_response(done: dict, body: dict, breaks: frozenset[str]) -> dict:
    """Break switches of the response structure (plain and streamed alike, unless noted)."""
    if "usage-sum" in breaks:
        done["usage"]["total_tokens"] += 1
    if "two-choices" in breaks and not body.get("n") and not body.get("stream"):
        done["choices"].append({**done["choices"][0], "index": 1})
    if "schema" in breaks:
        done["created"] = str(done["created"])
    return done


def flat_error(response: Response, breaks: frozenset[str]) -> Response:
    """Break switch `error-shape`: {"error": "<message>"} instead of Heroku's error object."""
    if "error-shape" not in breaks or response.status_code < 400:
        return response
    message = json.loads(response.body)["error"]["message"]
    return JSONResponse({"error": message}, status_code=response.status_code)


def _json_or_none(raw: bytes) -> object:
    try:
        return json.loads(raw)
    except ValueError:
        return None


def throttled(headers: dict, model: str, limit: int) -> JSONResponse:
    """Heroku's answer to a request over the model's rate limit."""
    body = {"error": {"message": f"Rate limit exceeded: {limit} requests per minute for model {model}",
                      "type": "rate_limit_error", "code": 429}}
    return JSONResponse(body, status_code=429, headers=headers)


def build_app(api_key: str, breaks: frozenset[str] = frozenset(), leak_headers: bool = False,
              latency_ms: float = 0.0, cache: PromptCache | None = None, requests_per_minute: int | None = None,
              clock=None) -> Starlette:
    """`cache`: the prompt cache (caching.py); `requests_per_minute`: limit each model's requests
    (ratelimit.py); `clock` (seconds) is the limiter's time, for tests."""
    cache = cache or PromptCache()
    limiter = RateLimiter(requests_per_minute, clock) if requests_per_minute else None

    def headers_for(body: dict, limits: dict | None = None) -> dict:
        headers = {
            "x-request-id": f"req-{digest(body)[:24]}",
            **(limits or {"x-ratelimit-limit-requests": "150", "x-ratelimit-remaining-requests": "149"}),
        }
        if leak_headers:  # a test aid: headers a real service may send that must never be recorded
            headers["set-cookie"] = f"session={api_key}; Path=/; HttpOnly"
            headers["openai-organization"] = "org-reference-secret"
        return headers

    async def chat_completions(request: Request) -> Response:
        # /b/stop,model/v1/...: switches chosen per request, so one server serves every break test.
        try:
            active = breaks | parse_breaks(request.path_params.get("breaks", ""))
        except ValueError as err:
            return error_response(RequestError(404, str(err), "not_found_error"))
        raw = await request.body()
        response = flat_error(spoiled_error(await answer(request, active), _json_or_none(raw), active), active)
        return with_request_id(response, request.url.path, raw, active)

    async def answer(request: Request, breaks: frozenset[str]) -> Response:
        if latency_ms:  # a benchmark aid: a real service's time to answer, without using a core
            await asyncio.sleep(latency_ms / 1000)
        auth = request.headers.get("authorization", "")
        if auth != f"Bearer {api_key}" and "wrong-key-accepted" not in breaks:
            # Echoes what it was given, as some services do: the suite must never repeat it.
            given = auth.removeprefix("Bearer ")
            return error_response(RequestError(401, f"Incorrect API key provided: {given}", "authentication_error"))
        try:
            body = json.loads(await request.body())
        except ValueError:
            status = 500 if "malformed-500" in breaks else 400
            return error_response(RequestError(status, "request body is not valid JSON"))
        body = default_model(card_id(body, breaks), breaks)
        limits = None
        # Counted per model id, before the rest of the request is judged; a request naming no model is
        # refused as such, never throttled (the suite's preflight sends one, from every worker).
        if limiter is not None and isinstance(body, dict) and isinstance(body.get("model"), str):
            model = str(body.get("model"))
            admitted, limits = limiter.admit(model, breaks)
            if not admitted:
                return throttled(limits, model, limiter.limit)
        try:
            body = parameters.admitted(body, breaks)
            validate(body, breaks)
            newer.validate_newer(body, breaks)
            thinking.validate_thinking(body, breaks)
            parameters.validate_parameters(body, breaks)
            # Images by URL are fetched (loopback only) before anything is answered: one that cannot
            # be used is a 400, as for any other bad part of the request.
            body = {**body, "messages": vision.resolve_urls(body["messages"], breaks)}
        except RequestError as err:
            return error_response(err)
        except vision.ImageURLError as err:
            return error_response(RequestError(400, str(err)))
        body = newer.as_seen(body, breaks)
        done = newer.extend(complete(body, breaks), body, breaks)
        done = thinking.extend(done, body, breaks)
        done = parameters.with_choices(done, body, breaks)
        done = report(done, cache.cached_tokens(body, request.headers, breaks))
        done = broken_response(done, body, breaks)
        if body.get("stream") and "stream" not in breaks:
            return StreamingResponse(chunks(done, body, breaks), media_type="text/event-stream",
                                     headers=headers_for(body, limits))
        if "shape" in breaks:
            done = {**done, "object": "chat.completion.result", "created": "2025-11-25T00:00:00Z"}
        return JSONResponse(done, headers=headers_for(body, limits))

    return Starlette(routes=[
        Route("/v1/chat/completions", chat_completions, methods=["POST"]),
        Route("/b/{breaks}/v1/chat/completions", chat_completions, methods=["POST"]),
        Route("/available-models", available_models_endpoint(breaks), methods=["GET"]),
        Route("/b/{breaks}/available-models", available_models_endpoint(breaks), methods=["GET"]),
        Route("/v1/batches", batches_endpoint(breaks), methods=["GET", "POST"]),
        Route("/b/{breaks}/v1/batches", batches_endpoint(breaks), methods=["GET", "POST"]),
    ])
