"""Checks of the Core parameters table: model, messages, max_tokens, temperature, top_p, stream, stop."""
import re

from ..exchange import Exchange, clip
from ..findings import ACCEPTED, ERROR, HONOURED, IGNORED, UNCLEAR, Finding
from .common import answered, consecutive, integers, not_answered, spent_before_answering
from .registry import check
from .shape import stream_problem

# A dated or versioned snapshot of the requested id: -2024-08-06, -20241022, -v1, -v2:0
SNAPSHOT_SUFFIX = re.compile(r"-(\d{4}-\d{2}-\d{2}|\d{8}|v\d+(:\d+)?)$")


@check
def model_echoed(probe: Exchange) -> Finding:
    """The response names the model that was asked for (a dated snapshot of it also counts).

    Sample: "asked for claude-4-5-haiku, the response says model='anthropic.claude-4-5-haiku-v1'"
    """
    if finding := answered(probe):
        return finding
    asked, said = probe.request["model"], probe.body.get("model")
    if said == asked:
        return Finding(HONOURED, f"the response names the requested model {asked!r}")
    if isinstance(said, str) and said.startswith(asked) and SNAPSHOT_SUFFIX.fullmatch(said[len(asked):]):
        return Finding(HONOURED, f"the response names {said!r}, a snapshot of the requested {asked!r}")
    return Finding(IGNORED, f"asked for {asked}, the response says model={said!r}")


@check
def recalls_every_turn(probe: Exchange, words: dict) -> Finding:
    """Each turn (system, user, assistant) told the model a word; the reply must repeat them all.

    `words` maps the role that carried a word to the word. Sample:
    "the reply 'MARMALADE' lacks TANGERINE, which only the system turn carried"
    """
    if finding := answered(probe) or spent_before_answering(probe, "the reply"):
        return finding
    text = probe.text.upper()
    lost = [(role, word) for role, word in words.items() if word.upper() not in text]
    if not lost:
        return Finding(HONOURED, f"the reply {probe.text!r} carries the word of every turn "
                                 f"({', '.join(words)})")
    missing = "; ".join(f"{w}, which only the {role} turn carried" for role, w in lost)
    return Finding(IGNORED, f"the reply {clip(probe.text, 80)} lacks {missing}")


@check
def max_tokens_truncates(probe: Exchange, control: Exchange) -> Finding:
    """A small max_tokens cuts the answer: finish_reason 'length', completion_tokens <= max_tokens.

    The control asks the same without the limit, to show the answer would have been longer.
    Sample: "max_tokens=8 but finish_reason='stop' with completion_tokens=59"
    """
    if finding := answered(probe) or answered(control, "the control request (no max_tokens)"):
        return finding
    limit = probe.request["max_tokens"]
    used = probe.usage.get("completion_tokens")
    if not isinstance(used, int):
        # Without usage the token count is unknown; the finish reason and the control still tell.
        if probe.finish_reason == "length" and len(probe.text) < len(control.text):
            return Finding(HONOURED, f"max_tokens={limit}: finish_reason='length' and the answer is shorter "
                                     "than the unlimited one (the response reports no usage)")
        return Finding(UNCLEAR, f"max_tokens={limit}: finish_reason={probe.finish_reason!r} and the response "
                                "reports no usage.completion_tokens to compare")
    if used > limit:
        return Finding(IGNORED, f"max_tokens={limit} but finish_reason={probe.finish_reason!r} "
                                f"with completion_tokens={used}")
    if probe.finish_reason == "length":
        return Finding(HONOURED, f"max_tokens={limit}: finish_reason='length', completion_tokens={used}")
    control_used = control.usage.get("completion_tokens") or 0
    if control_used <= limit:
        return Finding(UNCLEAR, f"the control answer used only {control_used} tokens, no more than "
                                f"max_tokens={limit}, so truncation could not be observed")
    return Finding(IGNORED, f"max_tokens={limit}: the answer stopped at {used} tokens but finish_reason is "
                            f"{probe.finish_reason!r}, not 'length' (unlimited it runs to {control_used})")


@check
def max_tokens_respected(probe: Exchange, param: str, value: int, in_range: bool) -> Finding:
    """Any max_tokens in the documented range is accepted and no answer uses more tokens than it.

    Sample: "max_tokens=1 accepted, but completion_tokens=59 with finish_reason='stop'"
    """
    if finding := answered(probe, f"max_tokens={value}"):
        return finding
    used = probe.usage.get("completion_tokens")
    if not isinstance(used, int):
        return Finding(UNCLEAR, f"max_tokens={value} accepted, but the response reports no "
                                "usage.completion_tokens to compare")
    if used > value:
        return Finding(IGNORED, f"max_tokens={value} accepted, but completion_tokens={used} "
                                f"with finish_reason={probe.finish_reason!r}")
    return Finding(HONOURED, f"max_tokens={value} accepted: completion_tokens={used}, "
                             f"finish_reason={probe.finish_reason!r}")


@check
def accepted_in_range(probe: Exchange, param: str, value: float, in_range: bool) -> Finding:
    """A sampling parameter is accepted with a well-formed, non-empty answer.

    Sampling parameters change randomness, which a few requests cannot measure, so this looks at
    acceptance and at the answer, not at the effect, and says so (observed: accepted).
    Sample: "temperature=0.99 was rejected: HTTP 400 'temperature must be at most 0.5'"
    """
    what = f"{param}={value}"
    if finding := answered(probe, what) or spent_before_answering(probe, what):
        return finding
    if not probe.text.strip():
        return Finding(ERROR, f"{what} accepted, but the answer is empty (finish_reason={probe.finish_reason!r})")
    return Finding(ACCEPTED, f"{what} accepted with a well-formed answer (its effect on sampling is not measured)")


@check
def stream_matches_plain(probe: Exchange, control: Exchange) -> Finding:
    """stream=true yields well-formed SSE chunks, closed by [DONE], that reassemble into the same
    answer (same numbers, same finish_reason) as the same request without streaming.

    Sample: "the stream did not end with `data: [DONE]`"
    """
    if finding := not_answered(probe, "the streamed request") or answered(control, "the plain request"):
        return finding
    if not probe.events and isinstance(probe.body, dict):
        return Finding(IGNORED, "stream=true was answered with one JSON body, not a stream of chunks")
    if problem := stream_problem(probe):
        return Finding(ERROR, f"stream=true was answered, but {problem}")
    streamed, plain = integers(probe.text), integers(control.text)
    if probe.finish_reason != control.finish_reason:
        return Finding(ERROR, f"the stream finished with {probe.finish_reason!r}, the plain answer with "
                              f"{control.finish_reason!r}")
    if streamed != plain:
        if not streamed or not consecutive(streamed):
            return Finding(ERROR, f"the reassembled stream {clip(probe.text, 60)} is not a whole count, "
                                  f"unlike the plain answer {clip(control.text, 60)}: chunks were lost or mangled")
        # Both are clean counts that differ: the model answered differently, not the stream's doing.
        return Finding(UNCLEAR, f"the reassembled stream {clip(probe.text, 60)} is well-formed but differs "
                                f"from the plain answer {clip(control.text, 60)}")
    return Finding(HONOURED, f"{len(probe.events)} well-formed chunks ending in [DONE] reassemble into "
                             f"the plain answer {clip(probe.text, 40)}")


@check
def stop_sequence_ends_text(probe: Exchange, control: Exchange, stop: str) -> Finding:
    """The answer ends before the stop sequence, which the same request without `stop` contains.

    Sample: "stop='7' but the answer '1, 2, ..., 7, 8' contains it"
    """
    if finding := answered(probe) or answered(control, "the control request (no stop)"):
        return finding
    if stop not in control.text:
        return Finding(UNCLEAR, f"the control answer {clip(control.text, 60)} never contains {stop!r}, so the "
                                "stop sequence could not be observed")
    if stop in probe.text:
        return Finding(IGNORED, f"stop={stop!r} but the answer {clip(probe.text, 100)} contains it")
    if probe.finish_reason != "stop":
        return Finding(IGNORED, f"the answer ends before {stop!r} but finish_reason is {probe.finish_reason!r}")
    return Finding(HONOURED, f"the answer {clip(probe.text, 40)} ends before {stop!r}; without stop it goes on")
