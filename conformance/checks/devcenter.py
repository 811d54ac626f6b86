"""Checks of Dev Center's newer OpenAI-compatibility table: max_completion_tokens, stream_options,
parallel_tool_calls, reasoning_effort, logprobs, modalities."""
import re

from ..exchange import Exchange, clip
from ..findings import ERROR, HONOURED, IGNORED, UNCLEAR, Finding
from ..verdicts import NOT_ABOUT_THE_CLAIM
from .band import BETWEEN, EFFECT, band
from .common import answered, completion_tokens, error_text, not_answered, spent_before_answering, truncation
from .registry import check
from .thinking import reasoning_seen, reasoning_tokens

MAX_TOKENS = re.compile(r"\bmax_tokens\b")


@check
def completion_limit_truncates(probe: Exchange, control: Exchange) -> Finding:
    """A small max_completion_tokens cuts the answer like max_tokens: finish_reason 'length' and
    completion_tokens <= the limit, where the control without it runs longer.

    Sample: "max_completion_tokens=8 but finish_reason='stop' with completion_tokens=59"
    """
    if finding := answered(probe) or answered(control, "the control request (no limit)"):
        return finding
    limit = probe.request["max_completion_tokens"]
    return truncation(probe, control, limit, f"max_completion_tokens={limit}")


@check
def both_limits(probe: Exchange, control: Exchange) -> Finding:
    """max_tokens and max_completion_tokens together: the smaller limit wins, or the request is
    refused cleanly with an error naming both parameters.

    OpenAI's API itself refuses the pair (400 "Setting 'max_tokens' and 'max_completion_tokens' at
    the same time is not supported", code invalid_parameter_combination), so that refusal conforms;
    so does honouring both, since each is an upper bound and the smaller one then holds. The larger
    limit winning is unclear: which of two limits wins is documented nowhere (max_completion_tokens
    alone is judged by its own case); beyond both limits, ignored; any other rejection, and a 5xx,
    differ.
    Sample: "max_tokens=30, max_completion_tokens=10: completion_tokens=45, beyond both limits"
    """
    limits = {name: probe.request[name] for name in ("max_tokens", "max_completion_tokens")}
    said = f"max_tokens={limits['max_tokens']}, max_completion_tokens={limits['max_completion_tokens']}"
    if probe.status is not None and 400 <= probe.status < 500 and probe.status not in NOT_ABOUT_THE_CLAIM:
        text = error_text(probe)
        if ("max_completion_tokens" in text and MAX_TOKENS.search(text)) or "combination" in text:
            return Finding(HONOURED, f"{said}: refused cleanly (HTTP {probe.status} {probe.error_message!r}), "
                                     "as OpenAI's API does")
    if finding := answered(probe) or answered(control, "the control request (no limits)"):
        return finding
    smaller, larger = min(limits.values()), max(limits.values())
    used = completion_tokens(probe)
    if used is not None and smaller < used <= larger:
        return Finding(UNCLEAR, f"{said}: completion_tokens={used}, the larger limit won; which of the two wins "
                                "is documented nowhere")
    return truncation(probe, control, smaller, f"{said}: the smaller limit is {smaller},")


@check
def usage_chunk_when_asked(probe: Exchange, control: Exchange) -> Finding:
    """stream_options.include_usage: a final chunk with `choices: []` and a usage object of integer
    counts before [DONE]; the control stream without it carries no usage. (Whether the counts add up
    is the response-structure row's claim, judged there.)

    Sample: "include_usage was asked, but no chunk carries usage"
    """
    if finding := not_answered(probe, "the streamed request") or not_answered(control, "the stream without it"):
        return finding
    if not probe.events:
        return Finding(IGNORED, "stream=true with include_usage was answered without SSE chunks: no usage chunk")
    carrying = [i for i, e in enumerate(probe.events) if isinstance(e.get("usage"), dict)]
    if not carrying:
        return Finding(IGNORED, "include_usage was asked, but no chunk carries usage")
    last = probe.events[-1]
    if carrying != [len(probe.events) - 1]:
        return Finding(ERROR, f"usage came in chunk(s) {carrying} of {len(probe.events)}, not only in the final one")
    if last.get("choices") != []:
        return Finding(ERROR, f"the usage chunk has choices={clip(str(last.get('choices')), 60)}, not []")
    usage = last["usage"]
    numbers = [usage.get(k) for k in ("prompt_tokens", "completion_tokens", "total_tokens")]
    integral = all(isinstance(n, int) and not isinstance(n, bool) for n in numbers)
    if not integral:
        return Finding(ERROR, f"the usage chunk's usage {usage} does not hold integer counts")
    if probe.after_done:  # a stream without [DONE] at all is core.stream's difference
        return Finding(ERROR, "chunks came after `data: [DONE]`: the usage chunk is not the last before it")
    if any(isinstance(e.get("usage"), dict) for e in control.events):
        return Finding(IGNORED, "usage came in the stream whether or not include_usage was asked")
    return Finding(HONOURED, f"a final usage chunk (choices: [], total {numbers[2]}) before [DONE]; "
                             "none without include_usage")


def tool_calls_of(ex: Exchange) -> list:
    calls = (ex.choice.get("message") or {}).get("tool_calls")
    return calls if isinstance(calls, list) else []


@check
def parallel_calls_limited(probe: Exchange, limited: list[Exchange], control: list[Exchange]) -> Finding:
    """parallel_tool_calls: false gives at most one tool call where the controls (parallel calls
    allowed) make two for the same prompt. A model's choice of one call or two varies, so the
    limited request is sent three times (the probe and `limited`) and the control three times:
    HONOURED only when every control makes two or more calls and every limited answer one; any
    limited answer with two or more is IGNORED; anything else is UNCLEAR.

    Sample: "parallel_tool_calls=false, but an answer makes 2 tool calls (get_weather, get_time)"
    """
    for i, ex in enumerate([probe, *limited]):
        if finding := answered(ex, f"limited request {i + 1}"):
            return finding
    for i, ex in enumerate(control):
        if finding := answered(ex, f"control request {i + 1} (parallel calls allowed)"):
            return finding
    made = [tool_calls_of(ex) for ex in [probe, *limited]]
    allowed = [len(tool_calls_of(ex)) for ex in control]
    for calls in made:
        if len(calls) >= 2:
            names = ", ".join(str((c.get("function") or {}).get("name")) for c in calls if isinstance(c, dict))
            return Finding(IGNORED, f"parallel_tool_calls=false, but an answer makes {len(calls)} tool calls ({names})")
    if min(allowed) < 2:
        return Finding(UNCLEAR, f"with parallel calls allowed the controls made {allowed} tool call(s): not always "
                                "two, so a limit could not be observed")
    if any(not calls for calls in made):
        return Finding(UNCLEAR, f"parallel_tool_calls=false: the answers made {[len(c) for c in made]} tool calls, "
                                "some none, so one call at a time could not be observed")
    return Finding(HONOURED, f"parallel_tool_calls=false: one tool call in each of {len(made)} answers; allowed, "
                             f"{allowed} calls")


@check
def reasoning_effort_has_effect(probe: Exchange, control: list[Exchange]) -> Finding:
    """reasoning_effort changes something observable against controls without it: reasoning appears
    (message.reasoning.thinking, or reasoning_tokens > 0) in one answer and not in the others, or,
    where the reasoning is hidden (Heroku shows it only with include_reasoning), the billed tokens
    move clearly outside the controls' own spread (band.py; thinking is billed).

    Billed tokens inside the controls' spread: ignored; beyond it but not clearly: unclear, with both
    figures. A model that reasons in every answer says nothing unless its reasoning tokens move
    clearly; nor does an answer without usage.
    Sample: "reasoning_effort='low' shows no reasoning: completion_tokens 11 against 11-12 without it
    (an effect needs more than 3 beyond that)"
    """
    for ex, what in [(probe, "the request"), *((ex, f"control {i + 1} (no reasoning_effort)")
                                               for i, ex in enumerate(control))]:
        if finding := answered(ex, what):
            return finding
    effort = probe.request.get("reasoning_effort")
    what = f"reasoning_effort={effort!r}"
    shown, shown_without = reasoning_seen(probe), [seen for ex in control if (seen := reasoning_seen(ex))]
    if shown and shown_without:
        return _reasoning_moved(probe, control, what, f"the answer shows reasoning with {what} ({shown}) and "
                                                      f"without it ({shown_without[0]})")
    if shown:
        return Finding(HONOURED, f"{what}: {shown}; without it, no reasoning in {len(control)} answers")
    if shown_without:
        return Finding(HONOURED, f"{what} turns reasoning off: without it, {shown_without[0]}")
    if finding := spent_before_answering(probe, what):
        return finding
    used, used_without = completion_tokens(probe), [completion_tokens(ex) for ex in control]
    if used is None or None in used_without:
        return Finding(UNCLEAR, f"{what} shows no reasoning, and without usage hidden reasoning cannot be "
                                "told from none")
    moved = band(used, used_without)
    said = f"{what} shows no reasoning: {moved.said('completion_tokens')}"
    if moved.outcome == EFFECT:  # billed clearly outside what the same answer costs: hidden thinking
        return Finding(HONOURED, f"{said}: the billing moved (hidden thinking)")
    if moved.outcome == BETWEEN:
        return Finding(UNCLEAR, f"{said}: outside the controls' spread, but not clearly")
    return Finding(IGNORED, said)


def _reasoning_moved(probe: Exchange, control: list[Exchange], what: str, both: str) -> Finding:
    """A model that reasons with and without the parameter: only reasoning tokens moved clearly show it."""
    tokens, without = reasoning_tokens(probe), [reasoning_tokens(ex) for ex in control]
    if not tokens or not all(without):
        return Finding(UNCLEAR, f"{both}: no difference to see")
    moved = band(tokens, without)
    if moved.outcome == EFFECT:
        return Finding(HONOURED, f"{both}, but {moved.said('reasoning_tokens')}")
    return Finding(UNCLEAR, f"{both}: {moved.said('reasoning_tokens')}, no clear difference")


@check
def logprobs_listed(probe: Exchange) -> Finding:
    """logprobs: true (top_logprobs 2) gives choices[0].logprobs.content as a list of token entries
    (token, logprob <= 0): honoured. Null or absent logprobs: ignored.

    The page lists logprobs twice (supported; accepted but ignored), so whatever the server does,
    one of the two rows this case names differs. Sample: "logprobs=true, but choices[0].logprobs is None"
    """
    if finding := answered(probe):
        return finding
    logprobs = probe.choice.get("logprobs")
    content = logprobs.get("content") if isinstance(logprobs, dict) else None
    if logprobs is None or content is None:
        return Finding(IGNORED, f"logprobs=true, but choices[0].logprobs is {clip(str(logprobs), 60)}")
    if not isinstance(content, list):
        return Finding(ERROR, f"choices[0].logprobs.content is {clip(str(content), 60)}, not a list")
    if not content:
        return Finding(IGNORED, f"logprobs=true, but choices[0].logprobs.content is empty for {clip(probe.text, 40)}")
    for entry in content:
        if not (isinstance(entry, dict) and isinstance(entry.get("token"), str)
                and isinstance(entry.get("logprob"), (int, float)) and entry["logprob"] <= 0):
            return Finding(ERROR, f"a logprobs entry {clip(str(entry), 80)} is not {{token, logprob <= 0}}")
    return Finding(HONOURED, f"logprobs=true: {len(content)} token entries, the first {content[0]['token']!r} "
                             f"with logprob {content[0]['logprob']}")


@check
def text_modality(probe: Exchange) -> Finding:
    """modalities ["text"] is accepted and answered with text.

    Sample: "modalities=['text'] was rejected: HTTP 400 'Unrecognized request argument supplied: modalities'"
    """
    if finding := answered(probe, "modalities=['text']") or spent_before_answering(probe, "modalities=['text']"):
        return finding
    if not probe.text.strip():
        return Finding(ERROR, f"modalities=['text'] was answered without text (finish_reason={probe.finish_reason!r})")
    return Finding(HONOURED, f"modalities=['text'] answered with text {clip(probe.text, 40)}")


@check
def audio_modality_refused(probe: Exchange) -> Finding:
    """modalities ["text", "audio"]: "Text only" holds when the request is refused cleanly (a 4xx
    whose error names modalities or audio) or answered with text only; audio in the answer means
    the docs are wrong; a 5xx differs.

    Sample: "modalities=['text', 'audio'] returned audio (message.audio with 16 bytes of data)"
    """
    what = f"modalities={probe.request.get('modalities')}"
    about = re.search(r"modalit|audio", error_text(probe), re.IGNORECASE)
    if probe.status is not None and 400 <= probe.status < 500 and probe.status not in NOT_ABOUT_THE_CLAIM and about:
        return Finding(HONOURED, f"{what} refused cleanly: HTTP {probe.status} {probe.error_message!r}")
    if finding := answered(probe, what):
        return finding
    audio = (probe.choice.get("message") or {}).get("audio")
    if audio:
        data = audio.get("data") if isinstance(audio, dict) else None
        return Finding(IGNORED, f"{what} returned audio (message.audio with {len(data or '')} characters of data)")
    if not probe.text.strip():
        if finding := spent_before_answering(probe, what):
            return finding
        return Finding(ERROR, f"{what} was answered with neither text nor audio")
    return Finding(HONOURED, f"{what} answered with text only {clip(probe.text, 40)}")

