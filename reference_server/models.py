"""The model ids Heroku documents, and what each one supports according to the docs; and two it serves
and lists in /available-models that the compatibility page's table does not (as Heroku does)."""
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
    ]
}
# The models the compatibility page's table lists: the rest are "beyond the table".
DOCUMENTED = tuple(list(MODELS)[:8])
