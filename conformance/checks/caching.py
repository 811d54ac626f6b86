"""Checks of Heroku's prompt caching: on by default for system prompts and tool definitions, off for
a request that sends `X-Heroku-Prompt-Caching: false`. Only what usage reports can be seen."""
from ..exchange import Exchange
from ..findings import HONOURED, IGNORED, UNCLEAR, Finding
from ..verdicts import obtained
from .common import answered, prompt_tokens
from .registry import check

HEADER = "X-Heroku-Prompt-Caching: false"
NO_FIGURE = "usage reports no cached tokens: the header's effect can't be seen"


def _count(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def cache_figures(ex: Exchange) -> tuple[int | None, int | None]:
    """(tokens read from a cache, tokens written to one) as usage reports them: OpenAI's
    `prompt_tokens_details.cached_tokens` (a read), or Anthropic's `cache_read_input_tokens` and
    `cache_creation_input_tokens`, at the top of usage or in its details; None where not reported."""
    usage = ex.usage if isinstance(ex.usage, dict) else {}
    details = usage.get("prompt_tokens_details")
    details = details if isinstance(details, dict) else {}
    read = written = None
    for holder in (usage, details):
        read = read if read is not None else _count(holder.get("cache_read_input_tokens"))
        written = written if written is not None else _count(holder.get("cache_creation_input_tokens"))
    read = read if read is not None else _count(details.get("cached_tokens"))
    return read, written


def _said(ex: Exchange) -> str:
    read, written = cache_figures(ex)
    parts = ([f"{read} read from the cache"] if read is not None else []) + (
        [f"{written} written to it"] if written is not None else [])
    return ", ".join(parts) or "no cache figure"


@check
def prompt_caching_header(probe: Exchange, again: Exchange, uncached: list[Exchange]) -> Finding:
    """The same long system prompt sent twice with caching on (the default), then twice with
    `X-Heroku-Prompt-Caching: false`. The header must be accepted (a refusal or a server error that
    only the header's requests get differs); where usage reports cached tokens, the repeat with
    caching on reads from the cache and the header's requests neither read nor write one (agrees);
    one that does shows the header ignored (differs). Usage with no cache figure at all, or a repeat
    that read nothing (nothing cached: the prompt may be under the model's minimum), leaves the
    header's effect unseen: unclear, never a pass.

    Sample: "with X-Heroku-Prompt-Caching: false, usage still reports cached tokens (2,310 read from
    the cache): the header is ignored"
    """
    # Without the header first: a refusal there is not the header's doing.
    if finding := answered(probe, "the first request with caching on") or answered(again, "its repeat"):
        if not obtained(finding):
            return finding  # throttled, timed out, upstream down: not an observation
        return Finding(UNCLEAR, f"{finding.reason}; that is without the header, so its effect can't be told")
    for i, ex in enumerate(uncached, 1):
        if finding := answered(ex, f"request {i} with {HEADER}"):
            return finding
    if not uncached:
        return Finding(UNCLEAR, f"no request with {HEADER} was sent")
    on, off = [probe, again], list(uncached)
    if all(cache_figures(ex) == (None, None) for ex in on + off):
        return Finding(UNCLEAR, NO_FIGURE)
    cached_off = [ex for ex in off if any(cache_figures(ex))]
    # A header request whose answer reports no usage at all says nothing of what it read: no pass on it.
    silent = [i for i, ex in enumerate(off, 1) if not ex.usage]
    if cached_off:
        return Finding(IGNORED, f"with {HEADER}, usage still reports cached tokens "
                                f"({'; '.join(_said(ex) for ex in cached_off)}): the header is ignored")
    if silent:
        return Finding(UNCLEAR, f"the answer to request {silent[0]} with {HEADER} reports no usage: what it read from "
                                "the cache can't be seen")
    read, _ = cache_figures(again)
    if not read:
        tokens = prompt_tokens(probe)
        return Finding(UNCLEAR, f"with caching on, the repeat reports {_said(again)}"
                                f"{f' of a {tokens}-token prompt' if tokens else ''}: nothing was seen cached "
                                "(the prompt may be under the model's minimum), so the header's effect can't be "
                                f"seen; with {HEADER}: none either")
    return Finding(HONOURED, f"with caching on, the repeat reports {_said(again)} (the first: {_said(probe)}); "
                             f"with {HEADER}, none on either request")
