"""Checks of extended thinking: the options table (enabled, budget_tokens, include_reasoning), the
model table's extended-thinking column, and the limitation "only available for specific Claude
models". Heroku takes a top-level `extended_thinking` object and shows the thinking as
`message.reasoning.thinking` (`delta.reasoning.thinking` when streamed); other servers use
`reasoning_content` or a `reasoning` string, which are accepted as the same thing."""
import re

from ..exchange import Exchange, clip
from ..findings import ACCEPTED, ERROR, HONOURED, IGNORED, REJECTED, UNCLEAR, Finding
from ..verdicts import NOT_ABOUT_THE_CLAIM
from .band import EFFECT, band
from .common import answered, error_text, not_answered, spent_before_answering
from .registry import check

THINKING_TAGS = re.compile(r"</?(thinking|think|reasoning)>", re.IGNORECASE)
SENTENCE = re.compile(r"[^.!?\n]{25,}[.!?]?")


def _reasoning_of(part: dict) -> str:
    """The reasoning text of a message or a streamed delta, in any of the spellings servers use."""
    reasoning = part.get("reasoning")
    if isinstance(reasoning, dict) and isinstance(reasoning.get("thinking"), str):
        return reasoning["thinking"]
    if isinstance(reasoning, str):
        return reasoning
    content = part.get("reasoning_content")
    return content if isinstance(content, str) else ""


def shown_reasoning(ex: Exchange) -> str:
    """The reasoning the answer shows (joined across stream chunks), or ''."""
    if ex.stream:
        return "".join(_reasoning_of(c.get("delta") or {}) for e in ex.events for c in e.get("choices") or []
                       if isinstance(c, dict) and c.get("index", 0) == 0)
    return _reasoning_of(ex.choice.get("message") or {}).strip()


def reasoning_tokens(ex: Exchange) -> int:
    details = ex.usage.get("completion_tokens_details")
    tokens = details.get("reasoning_tokens") if isinstance(details, dict) else None
    return tokens if isinstance(tokens, int) and not isinstance(tokens, bool) else 0


def reasoning_seen(ex: Exchange) -> str | None:
    """How the answer shows that the model reasoned: its reasoning, or reasoning tokens billed."""
    if text := shown_reasoning(ex).strip():
        return f"reasoning {clip(text, 50)}"
    if tokens := reasoning_tokens(ex):
        return f"no reasoning shown, but usage.completion_tokens_details.reasoning_tokens={tokens}"
    return None


def _prompt_text(ex: Exchange) -> str:
    messages = ex.request.get("messages") or []
    return " ".join(m["content"] for m in messages if isinstance(m, dict) and isinstance(m.get("content"), str))


def leaked(content: str, reasoning: str, prompt: str) -> str | None:
    """Reasoning that came out in the answer's text: thinking tags, or a sentence of the reasoning
    the same request showed with include_reasoning true (not one that only quotes the prompt)."""
    if m := THINKING_TAGS.search(content):
        return f"the content holds a {m.group(0)!r} tag"
    for sentence in SENTENCE.findall(reasoning):
        sentence = sentence.strip()
        if sentence and sentence in content and sentence not in prompt:
            return f"the content repeats the reasoning {clip(sentence, 50)}"
    return None


def _model(ex: Exchange) -> str:
    return str(ex.request.get("model"))


def _thinking_compared(probe: Exchange, control: Exchange) -> tuple[str | None, Finding | None]:
    """(the reasoning seen with extended_thinking, or None; a finding that ends the check first):
    an unusable answer, a model that reasons without the option too, or an empty answer cut by the
    token limit."""
    if finding := answered(probe, "the request with extended_thinking") or answered(
            control, "the control request (no extended_thinking)"):
        return None, finding
    seen, seen_without = reasoning_seen(probe), reasoning_seen(control)
    if seen_without:
        # A model that reasons anyway shows the option only by reasoning clearly more (band.py).
        tokens, without = reasoning_tokens(probe), reasoning_tokens(control)
        moved = band(tokens, [without]) if tokens and without else None
        if moved is not None and moved.outcome == EFFECT and moved.direction > 0:
            return f"{seen}, clearly more than without it ({moved.said('reasoning_tokens')})", None
        counts = f" ({moved.said('reasoning_tokens')})" if moved is not None else ""
        return None, Finding(UNCLEAR, f"{_model(probe)} reasons without extended_thinking too ({seen_without})"
                                      f"{counts}: that is not the option at work")
    if seen:
        return seen, None
    return None, spent_before_answering(probe, "the request with extended_thinking")


@check
def thinks_when_enabled(probe: Exchange, control: Exchange) -> Finding:
    """extended_thinking {enabled, include_reasoning: true} makes the model think: reasoning is shown
    (or at least billed as reasoning tokens), where the control without extended_thinking has none.
    Accepted with no reasoning at all is IGNORED; a refusal is REJECTED (what a model without
    extended thinking may do). A model that reasons unasked, or spent the token limit before any
    text, is UNCLEAR.

    Sample: "extended_thinking was accepted by claude-4-5-sonnet without effect: the answer shows no reasoning and
    reports no reasoning tokens"
    """
    seen, finding = _thinking_compared(probe, control)
    if finding:
        return finding
    if seen:
        return Finding(HONOURED, f"with extended_thinking, {_model(probe)} thinks: {seen}; without it, none")
    return Finding(IGNORED, f"extended_thinking was accepted by {_model(probe)} without effect: the answer shows no "
                            "reasoning and reports no reasoning tokens")


@check
def thinking_unavailable(probe: Exchange, control: Exchange) -> Finding:
    """The limitation "extended thinking: only available for specific Claude models", on a model
    outside that list: extended_thinking is refused with a 4xx naming thinking, or accepted with
    no reasoning (HONOURED: the limitation holds); reasoning appears (IGNORED: it does not hold).
    Another 4xx is REJECTED (says nothing about it); a model that reasons unasked, or an empty
    answer cut by the token limit, is UNCLEAR.

    Sample: "extended thinking works on nova-lite, outside the documented models: reasoning 'Let me add 17 and 25…'"
    """
    status = probe.status
    if status is not None and 400 <= status < 500 and status not in NOT_ABOUT_THE_CLAIM:
        text = error_text(probe).lower()
        if "thinking" in text or "reasoning" in text:
            return Finding(HONOURED, f"{_model(probe)} refuses extended_thinking: HTTP {status} "
                                     f"{clip(probe.error_message, 80)}")
        return not_answered(probe, "the request with extended_thinking")
    seen, finding = _thinking_compared(probe, control)
    if finding:
        return finding
    if seen:
        return Finding(IGNORED, f"extended thinking works on {_model(probe)}, outside the documented models: {seen}")
    return Finding(HONOURED, f"{_model(probe)} accepts extended_thinking without effect: no reasoning, no "
                             "reasoning tokens")


@check
def reasoning_only_when_included(probe: Exchange, control: Exchange) -> Finding:
    """include_reasoning: with false (the probe) no reasoning is shown, neither in a reasoning field
    nor leaked into the content (thinking tags, or a sentence of the reasoning the control showed);
    with true (the control) the reasoning is shown. Reasoning with false, or none with true, is
    IGNORED; a true that shows nothing because the token limit was spent first is UNCLEAR.

    Sample: "include_reasoning=false, but the answer shows reasoning 'The user asks: What is 17 times…'"
    """
    if finding := answered(probe, "the request with include_reasoning false") or answered(
            control, "the control request (include_reasoning true)"):
        return finding
    if any(ex.stream and not ex.events for ex in (probe, control)):  # no stream: core.stream's difference
        return Finding(UNCLEAR, "stream=true was answered without SSE chunks: streamed reasoning cannot be seen")
    shown = shown_reasoning(control)
    if not shown.strip():
        if finding := spent_before_answering(control, "the control request (include_reasoning true)"):
            return finding
        hidden = reasoning_tokens(control)
        return Finding(IGNORED, "include_reasoning=true, but the answer shows no reasoning"
                                + (f" (though {hidden} reasoning tokens are billed)" if hidden else ""))
    if withheld_not := shown_reasoning(probe).strip():
        return Finding(IGNORED, f"include_reasoning=false, but the answer shows reasoning {clip(withheld_not, 50)}")
    if where := leaked(probe.text, shown, _prompt_text(probe)):
        return Finding(IGNORED, f"include_reasoning=false, but {where}")
    return Finding(HONOURED, f"include_reasoning=true shows reasoning {clip(shown.strip(), 50)}; false shows none, "
                             "in no field and not in the content")


def _budget_outcome(ex: Exchange, what: str) -> tuple[bool, str, Finding | None]:
    """(refused cleanly?, what the server did with an out-of-range budget, or a Finding that ends the check)."""
    status = ex.status
    if status is not None and 400 <= status < 500 and status not in NOT_ABOUT_THE_CLAIM:
        if "budget" in error_text(ex).lower():
            return True, f"{what} refused cleanly (HTTP {status} {clip(ex.error_message, 70)})", None
        return False, "", Finding(REJECTED, f"{what} refused with HTTP {status}, but the error does not name "
                                            f"budget_tokens: {clip(ex.error_message, 70)}", status)
    if finding := answered(ex, what):
        return False, "", finding
    return False, f"{what} accepted ({ex.summary()})", None


@check
def budget_tokens_bounds(probe: Exchange, low: Exchange, high: Exchange) -> Finding:
    """budget_tokens: the documented minimum (1024, below max_tokens) is accepted; a budget below it
    (`low`) and one not below max_tokens (`high`, Anthropic's constraint) are each refused cleanly
    with a 4xx naming budget_tokens, or accepted (a server may raise or cap the budget). Both
    refused is HONOURED, any accepted ACCEPTED, with what each got in the reason; a 5xx, or a 4xx
    that does not name budget_tokens, is a difference.

    Sample: "budget_tokens=500 (max_tokens=2048) was rejected: HTTP 500 'Failed to execute chat'"
    """
    budget = (probe.request.get("extended_thinking") or {}).get("budget_tokens")
    if finding := answered(probe, f"the request with budget_tokens={budget}"):
        return finding
    refusals, outcomes = [], []
    for ex in (low, high):
        options = ex.request.get("extended_thinking") or {}
        what = f"budget_tokens={options.get('budget_tokens')} (max_tokens={ex.request.get('max_tokens')})"
        refused, outcome, finding = _budget_outcome(ex, what)
        if finding:
            return finding
        refusals.append(refused)
        outcomes.append(outcome)
    observed = HONOURED if all(refusals) else ACCEPTED
    return Finding(observed, f"budget_tokens={budget} accepted; " + "; ".join(outcomes))


@check
def thinking_with_upstream_constraint(probe: Exchange, control: Exchange, constraint: str) -> Finding:
    """Extended thinking with what Anthropic forbids beside it (a temperature other than 1, a forced
    tool_choice), against the same request without thinking: refused (and with what words), accepted
    with thinking, or accepted with the thinking silently dropped. Observed; the page promises nothing.

    Sample: "with temperature 0.5 the request with extended thinking was accepted, but the model did not
    think: thinking was silently dropped"
    """
    problem = answered(control, f"the request with {constraint} and no thinking")
    if problem is not None and problem.observed == REJECTED:
        return Finding(UNCLEAR, f"{problem.reason}: refused without thinking too, so this says nothing of thinking",
                       problem.status)
    if problem is not None:
        return problem
    if probe.status is not None and probe.status >= 500:
        return Finding(ERROR, f"with {constraint}, thinking got HTTP {probe.status}: a server error, not a refusal",
                       probe.status)
    if probe.status is not None and 400 <= probe.status < 500 and probe.status not in NOT_ABOUT_THE_CLAIM:
        said = clip(probe.error_message or error_text(probe), 120)
        return Finding(REJECTED, f"with {constraint}, thinking is refused (HTTP {probe.status}: {said}); "
                                 "without thinking it is answered", probe.status)
    problem = answered(probe, f"the request with {constraint} and thinking")
    if problem is not None:
        return problem
    seen = reasoning_seen(probe)
    if seen:
        return Finding(HONOURED, f"with {constraint}, thinking is accepted and the model thought ({seen})")
    return Finding(IGNORED, f"with {constraint} the request with extended thinking was accepted, but the model "
                            "did not think: thinking was silently dropped")
