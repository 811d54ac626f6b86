"""Checks of request forms real clients send: developer and system messages, content parts, a
whitespace stop sequence, parameters sent as null. Each is an effect probe against a control.

Word-recall probes tell "the message was dropped" from "the model did not say the word" by
usage.prompt_tokens, against the conversation without the message and with a longer version of it
(common.reached_model): one count alone can coincide where a chat template swaps its default system
prompt for the message. No word and no count moves: dropped. The longer version counts but no word:
unclear. Anything else: unclear too.
"""
from ..exchange import Exchange, clip
from ..findings import HONOURED, IGNORED, UNCLEAR, Finding
from ..verdicts import NOT_ABOUT_THE_CLAIM
from .common import (
    answered,
    consecutive,
    error_text,
    integers,
    is_count,
    reached_model,
    spent_before_answering,
)
from .core import stop_sequence_ends_text
from .registry import check


def _unsaid(probe: Exchange, without: Exchange, longer: Exchange, word: str, carrier: str) -> Finding:
    """The word is not in the reply: was the message carrying it dropped, or just not repeated?"""
    reached, counts = reached_model(probe, without, longer)
    if reached is None:
        return Finding(UNCLEAR, f"the reply {clip(probe.text, 60)} lacks {word}, which only the {carrier} "
                                f"carried, and whether it reached the model is unknown: {counts}")
    if reached:
        return Finding(UNCLEAR, f"the reply {clip(probe.text, 60)} lacks {word}, but the {carrier} reached the "
                                f"model ({counts}): the model did not say it")
    return Finding(IGNORED, f"the {carrier} was dropped: the reply {clip(probe.text, 60)} lacks {word} and "
                            f"{counts}")


@check
def word_reaches_model(probe: Exchange, control: Exchange, longer: Exchange, word: str, carrier: str) -> Finding:
    """A word carried only by one message (`carrier`, e.g. "developer message") is used in the reply;
    the control is the same conversation without that message, `longer` the same with a longer
    version of it.

    Sample: "the developer message was dropped: the reply 'I have not been told any keyword.' lacks
    HELIOTROPE and prompt_tokens 14 with it, 14 with a longer version of it, 14 without it: neither the
    message nor its length counts"
    """
    if finding := (answered(probe) or answered(control, f"the control request (no {carrier})")
                   or answered(longer, f"the request with a longer {carrier}")):
        return finding
    if word.upper() in probe.text.upper():
        return Finding(HONOURED, f"the reply {clip(probe.text, 60)} uses {word}, which only the {carrier} carried")
    if finding := spent_before_answering(probe, "the reply"):
        return finding
    return _unsaid(probe, control, longer, word, carrier)


@check
def every_system_message_reaches(probe: Exchange, without_first: Exchange, without_second: Exchange,
                                 longer_first: Exchange, longer_second: Exchange, first: str, second: str) -> Finding:
    """Two system messages, each with its own word: the reply uses both. Each `without_` step drops one
    of them and each `longer_` step lengthens it, to tell a dropped message from a word the model did
    not repeat.

    Sample: "the second system message was dropped: the reply 'TANGERINE' lacks PAPAYA and
    prompt_tokens 20 with it, 20 with a longer version of it, 20 without it: neither the message nor
    its length counts"
    """
    steps = {"without_first": without_first, "without_second": without_second, "longer_first": longer_first,
             "longer_second": longer_second}
    for ex, what in [(probe, "the request"), *((ex, f"the step {name}") for name, ex in steps.items())]:
        if finding := answered(ex, what):
            return finding
    text = probe.text.upper()
    if first.upper() in text and second.upper() in text:
        return Finding(HONOURED, f"the reply {clip(probe.text, 60)} uses both {first} and {second}")
    if finding := spent_before_answering(probe, "the reply"):
        return finding
    findings = [_unsaid(probe, without, longer, word, f"{which} system message")
                for word, without, longer, which in ((first, without_first, longer_first, "first"),
                                                     (second, without_second, longer_second, "second"))
                if word.upper() not in text]
    return next((f for f in findings if f.observed == IGNORED), findings[0])


@check
def parts_match_string(probe: Exchange, control: Exchange) -> Finding:
    """content as an array of {type: text} parts gives the same answer as the same words as a string.

    Sample: "with content parts the reply is 'Hello! You said: ' (no count), with a string 1, 2, ..., 8"
    """
    if finding := answered(probe, "the request with content parts") or answered(control, "the string request"):
        return finding
    with_parts, with_string = integers(probe.text), integers(control.text)
    if not is_count(with_string):
        return Finding(UNCLEAR, f"the string form's answer {clip(control.text, 60)} is not a count to compare with")
    if with_parts == with_string:
        return Finding(HONOURED, f"content parts and a string give the same count {clip(probe.text, 40)}")
    if with_parts and consecutive(with_parts) and probe.finish_reason == control.finish_reason:
        return Finding(UNCLEAR, f"both forms give a count, but different ones ({clip(probe.text, 40)} against "
                                f"{clip(control.text, 40)}): the model varied")
    return Finding(IGNORED, f"with content parts the reply is {clip(probe.text, 60)}; with a string "
                            f"{clip(control.text, 60)}: the parts did not carry the prompt")


@check
def whitespace_stop(probe: Exchange, control: Exchange) -> Finding:
    """stop ["\\n"] on an answer of several lines: the answer ends before the first newline, or the
    request is refused cleanly with a 4xx naming stop (both acceptable). A 5xx, another rejection,
    or an answer containing the newline differ.

    Sample: "stop='\\n' but the answer 'alpha\\nbeta\\ngamma' contains it"
    """
    if probe.status is not None and 400 <= probe.status < 500 and probe.status not in NOT_ABOUT_THE_CLAIM \
            and "stop" in error_text(probe).lower():
        return Finding(HONOURED, f"a whitespace-only stop is refused cleanly: HTTP {probe.status} "
                                 f"{probe.error_message!r}")
    stop = probe.request["stop"]
    return stop_sequence_ends_text(probe, control, stop[0] if isinstance(stop, list) else stop)


@check
def null_means_absent(probe: Exchange, control: Exchange) -> Finding:
    """A parameter sent as JSON null is accepted and gives the same answer as leaving it out.

    Sample: "max_tokens=null was rejected: HTTP 500 'Failed to execute chat'"
    """
    nulls = ", ".join(f"{k}=null" for k, v in probe.request.items() if v is None) or "no parameter as null"
    if finding := answered(probe, nulls) or answered(control, "the control request (parameter left out)"):
        return finding
    if finding := spent_before_answering(probe, nulls):
        return finding
    got, expected = integers(probe.text), integers(control.text)
    if got == expected and probe.finish_reason == control.finish_reason:
        return Finding(HONOURED, f"{nulls} accepted, with the same answer as without it {clip(probe.text, 40)}")
    if not is_count(expected):  # the model did not count: nothing to compare the null request with
        return Finding(UNCLEAR, f"{nulls} accepted, but the answer without it {clip(control.text, 40)} is not the "
                                "count the prompt asks for, so the two cannot be compared")
    if not is_count(got):
        return Finding(IGNORED, f"{nulls} changes the answer: {clip(probe.text, 40)} "
                                f"(finish_reason={probe.finish_reason!r}), without it {clip(control.text, 40)}")
    return Finding(UNCLEAR, f"{nulls} accepted, but the answer {clip(probe.text, 40)} differs from the one "
                            f"without it {clip(control.text, 40)} in a way sampling can explain")
