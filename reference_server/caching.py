"""Heroku's prompt caching: on by default for system prompts and tool definitions; a request that
sends `X-Heroku-Prompt-Caching: false` neither reads nor writes the cache; an entry lasts 5 minutes
from its last use; a prefix under the model's minimum is never cached.

Usage reports `prompt_tokens_details.cached_tokens` (as OpenAI does) for a prompt whose cacheable
prefix reaches the minimum, 0 when nothing was read: an answer to a shorter prompt is unchanged.
"""
import hashlib
import json
import threading
import time

from . import responder

HEADER = "x-heroku-prompt-caching"
TTL_SECONDS = 300
# Heroku's minimums: Sonnet 1,024, Claude 4.5 Haiku 4,096, Claude 3.5 Haiku 2,048. Nova's is not
# published: the Sonnet figure is assumed.
MINIMUM_TOKENS = {"claude-4-5-haiku": 4096, "claude-3-5-haiku": 2048}
DEFAULT_MINIMUM = 1024


def cacheable(body: dict) -> tuple[str, int]:
    """(the cacheable prefix as text, its tokens): the tool definitions and the system messages."""
    tools = json.dumps(body.get("tools") or [], sort_keys=True)
    system = [responder.text_of(m.get("content")) for m in body["messages"] if m.get("role") == "system"]
    tokens = sum(responder.count_tokens(t) for t in system)
    tokens += responder.count_tokens(tools) if body.get("tools") else 0
    return tools + "\0" + "\0".join(system), tokens


class PromptCache:
    """The cached prefixes of one server, by model; `clock` is injectable so tests need not wait."""

    def __init__(self, clock=time.monotonic):
        self.clock = clock
        self.expires: dict[str, float] = {}
        self.lock = threading.Lock()

    def cached_tokens(self, body: dict, headers, breaks: frozenset[str]) -> int | None:
        """Tokens read from the cache for this request (None: the prefix is under the minimum, no
        figure is reported), caching the prefix unless the request turned caching off."""
        prefix, tokens = cacheable(body)
        if tokens < MINIMUM_TOKENS.get(body["model"], DEFAULT_MINIMUM):
            return None
        turned_off = (headers.get(HEADER) or "").strip().lower() == "false"
        if turned_off and "caching-header-ignored" not in breaks:
            return 0
        key = hashlib.sha256(f"{body['model']}\0{prefix}".encode()).hexdigest()
        now = self.clock()
        with self.lock:
            hit = self.expires.get(key, 0.0) > now
            self.expires = {k: t for k, t in self.expires.items() if t > now}
            self.expires[key] = now + TTL_SECONDS  # a use keeps it alive, as Anthropic's cache does
        return tokens if hit else 0


def report(done: dict, cached: int | None) -> dict:
    """The answer with its cache figure in usage (never more than the prompt it is part of)."""
    if cached is not None:
        usage = done["usage"]
        usage["prompt_tokens_details"] = {"cached_tokens": min(cached, usage["prompt_tokens"])}
    return done
