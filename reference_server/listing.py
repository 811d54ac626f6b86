"""GET /available-models, in Heroku's shape: `[{"model_id", "type": [...], "regions": [...]}]`, served
at the host's root (beside /v1), without a key. It lists every documented chat model, and an
embedding model the chat docs do not cover (as Heroku lists its other model types too).

Break switch `available-models`: claude-4-5-haiku is missing from the list (chat completions still
serve it).
"""
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .breaks import parse_breaks
from .models import MODELS, UNLISTED

US_ONLY = {"claude-3-5-haiku"}  # Heroku's cards: Claude 3.5 Haiku is served in the US region only
EMBEDDING = "cohere-embed-multilingual"
DROPPED = "claude-4-5-haiku"


def listing(breaks: frozenset[str]) -> list[dict]:
    chat = [{"model_id": m, "type": ["text-to-text"],
             "regions": ["us-east-1"] if m in US_ONLY else ["us-east-1", "eu-central-1"]}
            for m in MODELS if m not in UNLISTED and not ("available-models" in breaks and m == DROPPED)]
    return chat + [{"model_id": EMBEDDING, "type": ["text-to-embedding"], "regions": ["us-east-1", "eu-central-1"]}]


def available_models_endpoint(breaks: frozenset[str]):
    async def available_models(request: Request) -> Response:
        try:
            active = breaks | parse_breaks(request.path_params.get("breaks", ""))
        except ValueError:
            active = breaks
        return JSONResponse(listing(active))
    return available_models
