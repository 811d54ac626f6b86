"""The Batch API, which Heroku documents as not supported: /v1/batches is a path the server does not
serve (404, Starlette's own plain "Not Found"). Break switch `batch-api` serves it: a list of no
batches, and a minimal batch object for a create."""
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from .breaks import parse_breaks

CREATED = 1764000000


def batch_object(body: dict) -> dict:
    return {"id": "batch_reference", "object": "batch", "endpoint": body.get("endpoint", "/v1/chat/completions"),
            "input_file_id": body.get("input_file_id"), "completion_window": body.get("completion_window", "24h"),
            "status": "validating", "created_at": CREATED}


def batches_endpoint(breaks: frozenset[str]):
    async def batches(request: Request) -> Response:
        try:
            active = breaks | parse_breaks(request.path_params.get("breaks", ""))
        except ValueError:
            active = breaks
        if "batch-api" not in active:
            return PlainTextResponse("Not Found", status_code=404)
        if request.method == "GET":
            return JSONResponse({"object": "list", "data": [], "first_id": None, "last_id": None, "has_more": False})
        try:
            body = await request.json()
        except ValueError:
            body = {}
        return JSONResponse(batch_object(body if isinstance(body, dict) else {}))
    return batches
