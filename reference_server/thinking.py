"""Extended thinking: Heroku's top-level `extended_thinking` object (sent through the SDK's extra_body).

`{"enabled": true, "budget_tokens": 1024, "include_reasoning": true}` on a model with extended
thinking: the model thinks (billed as completion tokens, and counted in
usage.completion_tokens_details.reasoning_tokens), and the thinking is shown as
`message.reasoning.thinking` (streamed as `delta.reasoning.thinking` chunks before the content) only
with include_reasoning true (default false). Choices, where the docs leave one open:
- budget_tokens defaults to 1024; below 1024 (Anthropic's minimum), or not below max_tokens
  (Anthropic's constraint), it is refused with a 400 naming budget_tokens.
- On a model without extended thinking (Haiku, Nova) `extended_thinking` is accepted and ignored,
  like the other parameters a model does not use; Heroku's own behaviour there is unknown.
"""
from . import responder
from .models import MODELS
from .validation import RequestError, bad

MIN_BUDGET = 1024


def _options(body: dict) -> dict:
    options = body.get("extended_thinking")
    return options if isinstance(options, dict) else {}


def _thinks(body: dict, breaks: frozenset[str]) -> bool:
    """Whether the model thinks: asked to, on a model with extended thinking (as the break switches say)."""
    if not _options(body).get("enabled"):
        return False
    if MODELS[body["model"]].thinking:
        return "thinking-enabled" not in breaks
    return "thinking-everywhere" in breaks


def validate_thinking(body: dict, breaks: frozenset[str]) -> None:
    options = body.get("extended_thinking")
    if options is None:
        return
    if not isinstance(options, dict):
        raise bad("extended_thinking must be an object")
    for name in ("enabled", "include_reasoning"):
        if name in options and not isinstance(options[name], bool):
            raise bad(f"extended_thinking.{name} must be a boolean")
    budget = options.get("budget_tokens", MIN_BUDGET)
    if isinstance(budget, bool) or not isinstance(budget, int):
        raise bad("extended_thinking.budget_tokens must be an integer")
    if not _thinks(body, breaks):
        return
    # Anthropic's constraints, passed through by Heroku as errors: thinking needs temperature 1 and
    # leaves the choice of tool to the model.
    if body.get("temperature") not in (None, 1, 1.0):
        raise bad("temperature may only be set to 1 when thinking is enabled")
    if body.get("tool_choice") == "required" or isinstance(body.get("tool_choice"), dict):
        raise bad("Thinking may not be enabled when tool_choice forces tool use")
    max_tokens = body.get("max_tokens") or MODELS[body["model"]].max_output_tokens
    if budget < MIN_BUDGET or budget >= max_tokens:
        if "budget-tokens" in breaks:
            raise RequestError(500, "Failed to execute chat", "server_error")
        if budget < MIN_BUDGET:
            raise bad(f"extended_thinking.budget_tokens must be at least {MIN_BUDGET}, got {budget}")
        raise bad(f"extended_thinking.budget_tokens ({budget}) must be less than max_tokens ({max_tokens})")


def _thinking_text(body: dict) -> str:
    question = next((responder.text_of(m.get("content")) for m in reversed(body["messages"])
                     if m.get("role") == "user"), "")
    head = " ".join(question.split()[:12])
    return f"The user asks: {head} I work it out step by step, then give only the answer."


def extend(done: dict, body: dict, breaks: frozenset[str]) -> dict:
    """The completion with the model's thinking: billed, and shown when include_reasoning asks."""
    if not _thinks(body, breaks):
        return done
    thinking = _thinking_text(body)
    if _options(body).get("include_reasoning") or "include-reasoning" in breaks:
        done["choices"][0]["message"]["reasoning"] = {"thinking": thinking}
    usage = done["usage"]
    tokens = responder.count_tokens(thinking)
    details = usage.get("completion_tokens_details") or {}
    usage["completion_tokens_details"] = {**details, "reasoning_tokens": details.get("reasoning_tokens", 0) + tokens}
    usage["completion_tokens"] += tokens
    usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
    return done


def deltas(message: dict) -> list[dict]:
    """The streamed form of shown thinking: delta.reasoning.thinking pieces, before the content."""
    thinking = (message.get("reasoning") or {}).get("thinking") or ""
    return [{"reasoning": {"thinking": piece}} for piece in responder.pieces(thinking)]
