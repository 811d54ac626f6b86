"""Streams as OpenAI's clients read them (cases/streaming.yaml): the framing of a streamed answer,
judged on the wire whichever client sent the request. Each part is one thing OpenAI's stream format
has and some client relies on (an older release, a stricter parser, a user's own code reading
`choices[0]`); whether the clients this run sent through broke on it is their view, shown beside the
verdict as "breaks …".

Every check here reads the SSE events exactly as they came (parsed JSON, `event:` names, the
`[DONE]` marker and anything after it). A request that got no stream to judge (refused, not
answered, answered with one JSON body: core.stream's difference) says nothing about the framing.
"""
from ..exchange import Exchange, clip
from ..findings import ERROR, HONOURED, UNCLEAR, Finding
from .common import not_answered
from .registry import check

# `message` is what an event without a name is (the SSE standard's default type); `error` is the one
# named event OpenAI's clients understand: both openai SDKs raise it.
ALLOWED_EVENTS = {"message", "error"}


def _no_stream(ex: Exchange, what: str = "the streamed request") -> Finding | None:
    """A Finding when there is no stream to judge (refused, silent, one JSON body, nothing at all)."""
    if finding := not_answered(ex, what):
        return finding
    if not ex.events and not ex.malformed_events:
        if isinstance(ex.body, dict):
            return Finding(UNCLEAR, f"{what} was answered with one JSON body, not a stream (core.stream's "
                                    "difference): no framing to judge")
        if ex.stream_cut:
            return Finding(UNCLEAR, f"{what}: the connection broke before any event ({ex.stream_cut})")
        return Finding(UNCLEAR, f"{what}: the stream carried no event to judge")
    return None


def _cut(ex: Exchange, unknown: str) -> Finding | None:
    """UNCLEAR when the connection broke: what the rest of the stream would have held is not known."""
    if ex.stream_cut:
        return Finding(UNCLEAR, f"the connection broke after {len(ex.events)} event(s) ({ex.stream_cut}): {unknown}")
    return None


def _choices(event: dict) -> list:
    choices = event.get("choices")
    return [c for c in choices if isinstance(c, dict)] if isinstance(choices, list) else []


@check
def stream_data_is_json(probe: Exchange) -> Finding:
    """Every `data:` line of the stream but the closing `[DONE]` is a JSON object.

    Sample: "data line 3 is not a JSON object: 'ping'"
    """
    if finding := _no_stream(probe):
        return finding
    if probe.malformed_events:
        return Finding(ERROR, f"{len(probe.malformed_events)} data line(s) are not JSON objects, the first: "
                              f"{clip(probe.malformed_events[0], 60)}")
    return Finding(HONOURED, f"all {len(probe.events)} data lines are JSON objects")


@check
def stream_ends_with_done(probe: Exchange) -> Finding:
    """The stream ends with `data: [DONE]`, and nothing comes after it.

    Sample: "the stream ended after 9 events without `data: [DONE]`"
    """
    if finding := _no_stream(probe) or _cut(probe, "how the stream would have ended is not known"):
        return finding
    if not probe.done_marker:
        return Finding(ERROR, f"the stream ended after {len(probe.events)} events without `data: [DONE]`")
    if probe.after_done:
        return Finding(ERROR, f"{probe.after_done} event(s) came after `data: [DONE]`")
    return Finding(HONOURED, f"{len(probe.events)} events, then `data: [DONE]`, last")


@check
def stream_events_unnamed(probe: Exchange) -> Finding:
    """No event carries an `event:` name but `error` (or `message`, the SSE standard's name for an event
    without one): openai-node 4.x handed a named event over as an `{event, data}` wrapper without
    `choices`, and a keep-alive `event: ping` with `{}` breaks every client.

    Sample: "the stream carries named events: 'chunk' (11)"
    """
    if finding := _no_stream(probe):
        return finding
    named = [name for name in probe.named_events if name not in ALLOWED_EVENTS]
    if named:
        counts = {name: named.count(name) for name in dict.fromkeys(named)}
        return Finding(ERROR, "the stream carries named events: "
                              + ", ".join(f"{clip(name, 30)} ({n})" for name, n in counts.items()))
    return Finding(HONOURED, f"none of the {len(probe.events)} events is named"
                             + (" (but `error`)" if probe.named_events else ""))


@check
def stream_role_first_only(probe: Exchange) -> Finding:
    """The role comes once, as "assistant", in the first delta of the choice, and never as "" (the
    openai-node stream helper throws without a role; the AI SDK 5 and 6 reject an empty one).

    Sample: "delta 0 has role '' (the AI SDK's schema wants 'assistant')"
    """
    if finding := _no_stream(probe):
        return finding
    deltas = [c.get("delta") for e in probe.events for c in _choices(e) if c.get("index", 0) == 0]
    deltas = [d if isinstance(d, dict) else {} for d in deltas]
    if not deltas:
        return Finding(UNCLEAR, "no event carried a delta of choice 0: no role to judge")
    roles = [(i, d["role"]) for i, d in enumerate(deltas) if "role" in d and d["role"] is not None]
    if not roles:
        return Finding(ERROR, f"none of the {len(deltas)} deltas carries the role")
    wrong = [(i, role) for i, role in roles if role != "assistant"]
    if wrong:
        i, role = wrong[0]
        return Finding(ERROR, f"delta {i} has role {role!r}, not 'assistant'")
    if roles[0][0] != 0:
        return Finding(ERROR, f"the role comes first in delta {roles[0][0]}, not in the first one")
    if len(roles) > 1:
        return Finding(ERROR, f"the role comes again in delta {roles[1][0]} (of {len(deltas)}): it belongs to "
                              "the first delta only")
    return Finding(HONOURED, f"role 'assistant' in the first delta only, of {len(deltas)}")


@check
def stream_one_finish_reason(probe: Exchange) -> Finding:
    """Each choice's finish_reason comes exactly once, and nothing of the answer comes after it (an
    empty delta, say with usage, may): the openai-node stream helper and the AI SDK throw without one.

    Sample: "choice 0 carries no finish_reason in any of its 12 deltas"
    """
    if finding := _no_stream(probe) or _cut(probe, "the finish may not have come yet"):
        return finding
    by_index: dict = {}
    for e in probe.events:
        for c in _choices(e):
            by_index.setdefault(c.get("index", 0), []).append(c)
    if not by_index:
        return Finding(UNCLEAR, "no event carried a choice: no finish to judge")
    for index, choices in sorted(by_index.items(), key=lambda kv: str(kv[0])):
        given = [i for i, c in enumerate(choices) if c.get("finish_reason")]
        if not given:
            return Finding(ERROR, f"choice {index} carries no finish_reason in any of its {len(choices)} deltas")
        if len(given) > 1:
            return Finding(ERROR, f"choice {index} carries a finish_reason {len(given)} times "
                                  f"({[choices[i]['finish_reason'] for i in given][:3]})")
        later = [c for c in choices[given[0] + 1:] if _says_something(c.get("delta"))]
        if later:
            return Finding(ERROR, f"choice {index}'s answer goes on after its finish_reason "
                                  f"{choices[given[0]]['finish_reason']!r}: {clip(str(later[0].get('delta')), 60)}")
    return Finding(HONOURED, "each choice's finish_reason comes once, at its end: "
                             + ", ".join(f"{i}: {next(c['finish_reason'] for c in cs if c.get('finish_reason'))!r}"
                                         for i, cs in by_index.items()))


def _says_something(delta) -> bool:
    """A delta that carries part of the answer: text, a tool call, reasoning."""
    return isinstance(delta, dict) and any(delta.get(k) for k in ("content", "tool_calls", "reasoning",
                                                                   "reasoning_content", "function_call"))


def _empty_choice_chunks(ex: Exchange) -> list[dict]:
    return [e for e in ex.events if isinstance(e.get("choices"), list) and not e["choices"]]


@check
def stream_usage_chunk_when_asked(probe: Exchange, asked: Exchange) -> Finding:
    """A chunk with `choices: []` comes only when `stream_options.include_usage` asks for usage, and
    then it carries the usage (a client that reads `choices[0]` of every chunk would fail on it otherwise).
    Whether usage comes at all when asked is devcenter.stream_options' row.

    Sample: "without include_usage, 1 chunk(s) carry choices: [] (the last: usage {...})"
    """
    if finding := _no_stream(probe, "the stream without include_usage"):
        return finding
    if not asked.ok or not asked.events:
        return Finding(UNCLEAR, f"the stream with include_usage brought no chunks to judge ({asked.summary()}): "
                                "whether usage comes when asked is devcenter.stream_options' row")
    if not probe.events:
        return Finding(UNCLEAR, "the stream without include_usage carried no chunk that is JSON: nothing to judge")
    unasked = _empty_choice_chunks(probe)
    if unasked:
        return Finding(ERROR, f"without include_usage, {len(unasked)} chunk(s) carry choices: [] "
                              f"(the last: {clip(str(unasked[-1]), 80)})")
    given = _empty_choice_chunks(asked)
    bare = [e for e in given if not isinstance(e.get("usage"), dict)]
    if bare:
        return Finding(ERROR, f"with include_usage, {len(bare)} chunk(s) carry choices: [] and no usage")
    where = "in a chunk with choices: []" if given else "in no chunk of its own (the stream_options row judges it)"
    return Finding(HONOURED, f"no chunk with choices: [] unless asked; asked, usage came {where}")
