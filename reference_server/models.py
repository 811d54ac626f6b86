"""The model ids Heroku documents, and what each one supports according to the docs; two it serves
and lists in /available-models that the compatibility page's table does not (as Heroku does); and the
ids Heroku's model cards give."""
from dataclasses import dataclass


@dataclass(frozen=True)
class Model:
    id: str
    max_output_tokens: int
    vision: bool
    thinking: bool


# Max output tokens: 8192 for Sonnet, 4096 for Haiku (Heroku's model cards); Nova: nothing published,
# Heroku's May 2025 schema caps max_tokens at 4096, so that is used.
MODELS = {
    m.id: m
    for m in [
        Model("claude-4-5-sonnet", 8192, vision=True, thinking=True),
        Model("claude-4-5-haiku", 4096, vision=False, thinking=False),
        Model("claude-4-sonnet", 8192, vision=True, thinking=True),
        Model("claude-3-7-sonnet", 8192, vision=True, thinking=True),
        Model("claude-3-5-sonnet-latest", 8192, vision=True, thinking=True),
        Model("claude-3-5-haiku", 4096, vision=False, thinking=False),
        Model("nova-pro", 4096, vision=False, thinking=False),
        Model("nova-lite", 4096, vision=False, thinking=False),
        # Served and listed, but not in the compatibility page's table (Heroku has cards for both).
        Model("claude-3-haiku", 4096, vision=True, thinking=False),
        Model("gpt-oss-120b", 4096, vision=False, thinking=False),
        # Heroku's card names it claude-sonnet-4-6 (and claude-sonnet): served, not listed, so the list
        # (and the beyond-the-table models a run adds) stays the table's and the two above.
        Model("claude-sonnet-4-6", 8192, vision=True, thinking=True),
    ]
}
# The models the compatibility page's table lists: the rest are "beyond the table".
DOCUMENTED = tuple(list(MODELS)[:8])
UNLISTED = {"claude-sonnet-4-6"}
# Ids only Heroku's model cards give, each answered as the model the card is about (the id Heroku's
# /available-models and its own code use). Break switch `card-ids` refuses them as unknown models.
CARD_IDS = {"openai-gpt-oss-120b": "gpt-oss-120b", "claude-sonnet": "claude-sonnet-4-6"}


def card_id(body: object, breaks: frozenset[str]) -> object:
    """A request naming a card's id is served by the model the card is about."""
    if "card-ids" in breaks or not isinstance(body, dict) or body.get("model") not in CARD_IDS:
        return body
    return {**body, "model": CARD_IDS[body["model"]]}
