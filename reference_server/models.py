"""The model ids Heroku documents, and what each one supports according to the docs."""
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
    ]
}
