"""Checks of the Core parameters table: model, messages, max_tokens, temperature, top_p, stream, stop."""
import re

from ..exchange import Exchange, clip
from ..findings import ACCEPTED, ERROR, HONOURED, IGNORED, UNCLEAR, Finding
from ..verdicts import NOT_ABOUT_THE_CLAIM
from .common import answered, not_answered, reached_model, spent_before_answering, truncation
from .registry import check
from .response import stream_problem

# A dated or versioned snapshot of the requested id: -2024-08-06, -20241022, -0613 (OpenAI), -v1,
# -v2:0, or a date then a version (Bedrock: -20241022-v1:0).
SNAPSHOT_SUFFIX = re.compile(r"(-(\d{4}-\d{2}-\d{2}|\d{8}|\d{4}))?(-v\d+(:\d+)?)?")


# An id no server serves: answering it shows the server echoes, or defaults, whatever it is sent.
UNKNOWN_MODEL = "conformance-no-such-model"
# A refusal that says nothing about whether the id is known.
NOT_A_VERDICT_ON_THE_ID = NOT_ABOUT_THE_CLAIM - {403}  # throttled, timed out, upstream down


def is_snapshot(said: str, asked: str) -> bool:
    """`said` is a dated or versioned snapshot of `asked`; an alias ending in -latest may be
    answered by any snapshot of its stem (claude-3-5-sonnet-latest -> claude-3-5-sonnet-20241022)."""
    stems = [asked] + ([asked.removesuffix("-latest")] if asked.endswith("-latest") else [])
    return any(said.startswith(stem) and said != stem and SNAPSHOT_SUFFIX.fullmatch(said[len(stem):])
               for stem in stems)


@check
def model_echoed(probe: Exchange, unknown: Exchange) -> Finding:
    """The response names the model that was asked for (a dated snapshot of it also counts), and
    an unknown model id is refused rather than answered by some default model.

    Sample: "the unknown model id 'conformance-no-such-model' was answered (HTTP 200, model=
    'conformance-no-such-model'): the server answers any name, so echoing the id proves nothing"
    """
    if finding := answered(probe):
        return finding
    asked, said = probe.request["model"], probe.body.get("model")
    if said == asked:
        echoed = f"the response names the requested model {asked!r}"
    elif isinstance(said, str) and is_snapshot(said, asked):
        echoed = f"the response names {said!r}, a snapshot of the requested {asked!r}"
    else:
        return Finding(IGNORED, f"asked for {asked}, the response says model={said!r}")
    bogus = unknown.request["model"]
    if unknown.transport_error or unknown.status in NOT_A_VERDICT_ON_THE_ID:
        return Finding(UNCLEAR, f"{echoed}, but the request for the unknown id {bogus!r} got "
                                f"{unknown.summary()}, which says nothing about the id")
    if unknown.ok:
        return Finding(IGNORED, f"the unknown model id {bogus!r} was answered (HTTP {unknown.status}, "
                                f"model={(unknown.body or {}).get('model')!r}): the server answers any name, "
                                "so echoing the id proves nothing")
    if (unknown.status or 0) >= 500:
        return Finding(ERROR, f"{echoed}, but the unknown model id {bogus!r} got a server error: {unknown.summary()}")
    return Finding(HONOURED, f"{echoed}, and the unknown id {bogus!r} is refused (HTTP {unknown.status})")


@check
def recalls_every_turn(probe: Exchange, words: dict, without_system: Exchange, without_user: Exchange,
                       without_assistant: Exchange, longer_system: Exchange, longer_user: Exchange,
                       longer_assistant: Exchange) -> Finding:
    """Each turn (system, user, assistant) told the model a word; the reply must repeat them all.

    A weak model may leave a word out though its turn arrived, so a missing word alone proves
    nothing. Each `without_<role>` step sends the conversation without that role's turn, each
    `longer_<role>` step with a longer version of it (common.reached_model): when the longer turn
    adds clearly more to the prompt, the turn arrived and the model just did not say the word
    (unclear); when no count moves, with the turn, without it or with a longer one, it was dropped
    (ignored). One count against the conversation without the turn proves nothing: a chat template
    that puts in a default system prompt when none is sent (Qwen's) can swap it for a turn of about
    the same length. `words` maps the role that carried a word to the word. Sample:
    "the reply 'MARMALADE' lacks TANGERINE, and prompt_tokens 12 with it, 12 with a longer version of
    it, 12 without it: neither the message nor its length counts: the system turn never reached the model"
    """
    if finding := answered(probe) or spent_before_answering(probe, "the reply"):
        return finding
    text = probe.text.upper()
    lost = [role for role, word in words.items() if word.upper() not in text]
    if not lost:
        return Finding(HONOURED, f"the reply {probe.text!r} carries the word of every turn ({', '.join(words)})")
    without = {"system": without_system, "user": without_user, "assistant": without_assistant}
    longer = {"system": longer_system, "user": longer_user, "assistant": longer_assistant}
    dropped, arrived, unknown = [], [], []
    for role in lost:
        reached, counts = reached_model(probe, without.get(role), longer.get(role))
        if reached is None:
            unknown.append(f"{role} ({counts})")
        elif reached:
            arrived.append(f"{role} ({counts})")
        else:
            dropped.append(f"{words[role]}, and {counts}: the {role} turn never reached the model")
    reply = clip(probe.text, 80)
    if dropped:
        return Finding(IGNORED, f"the reply {reply} lacks " + "; ".join(dropped))
    if len(lost) == len(words):
        return Finding(UNCLEAR, f"the reply {reply} repeats none of the words, not even the user turn's: the "
                                "model did not follow the instruction, so nothing shows whether turns were dropped")
    if unknown:
        return Finding(UNCLEAR, f"the reply {reply} lacks the word of a turn whose arrival the usage does not "
                                f"show: {'; '.join(unknown)}")
    return Finding(UNCLEAR, f"the reply {reply} lacks the word of a turn that did reach the model: "
                            f"{'; '.join(arrived)}; the model did not repeat it")


@check
def max_tokens_truncates(probe: Exchange, control: Exchange) -> Finding:
    """A small max_tokens cuts the answer: finish_reason 'length', completion_tokens <= max_tokens.

    The control asks the same without the limit, to show the answer would have been longer.
    Sample: "max_tokens=8 but finish_reason='stop' with completion_tokens=59"
    """
    if finding := answered(probe) or answered(control, "the control request (no max_tokens)"):
        return finding
    limit = probe.request["max_tokens"]
    return truncation(probe, control, limit, f"max_tokens={limit}")


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
def stream_matches_plain(probe: Exchange, control: list[Exchange]) -> Finding:
    """stream=true yields well-formed SSE chunks, closed by [DONE], whose content joins into the
    same text (and finish_reason) as the same request without streaming.

    The plain request is sent twice: when the two plain answers differ, the model itself varies
    and a different stream proves nothing; when they agree and the stream says something else,
    the stream lost or mangled text.
    Sample: "the reassembled stream '1, 2, 4, 5' differs from the plain answer '1, 2, 3, 4, 5', which
    is the same in both plain requests: chunks were lost or mangled"
    """
    if finding := not_answered(probe, "the streamed request"):
        return finding
    for plain in control:
        if finding := answered(plain, "the plain request"):
            return finding
    if not probe.events and isinstance(probe.body, dict):
        return Finding(IGNORED, "stream=true was answered with one JSON body, not a stream of chunks")
    if problem := stream_problem(probe):
        return Finding(ERROR, f"stream=true was answered, but {problem}")
    plain_texts = [plain.text for plain in control]
    if probe.text in plain_texts:
        plain = control[plain_texts.index(probe.text)]
        if probe.finish_reason != plain.finish_reason:
            return Finding(ERROR, f"the stream finished with {probe.finish_reason!r}, the same plain answer with "
                                  f"{plain.finish_reason!r}")
        return Finding(HONOURED, f"{len(probe.events)} well-formed chunks ending in [DONE] reassemble into "
                                 f"the plain answer {clip(probe.text, 40)}")
    if len(set(plain_texts)) > 1:
        return Finding(UNCLEAR, f"the reassembled stream {clip(probe.text, 60)} differs from the plain answers, "
                                f"but those differ from each other too ({clip(plain_texts[0], 40)} and "
                                f"{clip(plain_texts[1], 40)}): the model varies, so the stream cannot be judged")
    return Finding(ERROR, f"the reassembled stream {clip(probe.text, 60)} differs from the plain answer "
                          f"{clip(plain_texts[0], 60)}, which is the same in all {len(control)} plain requests: "
                          "chunks were lost or mangled")


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
    if probe.finish_reason == "length":  # cut by the token limit: it may never have reached the stop point
        return Finding(UNCLEAR, f"the answer {clip(probe.text, 60)} was cut by the token limit before showing "
                                f"whether it stops at {stop!r}")
    if probe.finish_reason != "stop":
        return Finding(IGNORED, f"the answer ends before {stop!r} but finish_reason is {probe.finish_reason!r}")
    return Finding(HONOURED, f"the answer {clip(probe.text, 40)} ends before {stop!r}; without stop it goes on")
