"""The stream framing checks: each shown holding, breaking, holding in an unusual valid way, and unclear."""
import copy

import pytest

from conformance import checks
from conformance.exchange import Exchange
from conformance.findings import ERROR, HONOURED, REJECTED, UNANSWERED, UNCLEAR

BASE = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m"}


def stream(*deltas: dict, finish="stop", index=0, usage=None, **exchange) -> Exchange:
    """A stream of one choice: each delta, then the finish, then [DONE]."""
    events = [{**BASE, "choices": [{"index": index, "delta": d, "finish_reason": None}]} for d in deltas]
    events.append({**BASE, "choices": [{"index": index, "delta": {}, "finish_reason": finish}]})
    if usage is not None:
        events.append({**BASE, "choices": [], "usage": usage})
    return Exchange(request={"model": "m", "stream": True}, stream=True, status=200, events=events,
                    done_marker=True, **exchange)


GOOD = stream({"role": "assistant", "content": ""}, {"content": "1, 2"}, {"content": ", 3"})
ALL = ("stream_data_is_json", "stream_ends_with_done", "stream_events_unnamed", "stream_role_first_only",
       "stream_one_finish_reason")


@pytest.mark.parametrize("name", ALL)
def test_a_well_framed_stream_holds(name):
    assert getattr(checks, name)(GOOD).observed == HONOURED


@pytest.mark.parametrize("name", ALL)
def test_nothing_to_judge_is_not_a_difference(name):
    check = getattr(checks, name)
    one_body = Exchange(request={"stream": True}, stream=True, status=200, body={"choices": []})
    assert check(one_body).observed == UNCLEAR  # the stream was ignored: core.stream's difference
    refused = Exchange(request={"stream": True}, stream=True, status=400, body={"error": {"message": "no"}})
    assert check(refused).observed == REJECTED
    silent = Exchange(request={"stream": True}, stream=True, transport_error="ConnectError: refused")
    assert check(silent).observed == UNANSWERED


@pytest.mark.parametrize("name, breakage, said", [
    ("stream_data_is_json", lambda s: s.malformed_events.append("ping"), "not JSON objects, the first: 'ping'"),
    ("stream_ends_with_done", lambda s: setattr(s, "done_marker", False), "without `data: [DONE]`"),
    ("stream_ends_with_done", lambda s: setattr(s, "after_done", 2), "2 event(s) came after"),
    ("stream_events_unnamed", lambda s: s.named_events.extend(["chunk", "chunk", "ping"]),
     "named events: 'chunk' (2), 'ping' (1)"),
    ("stream_role_first_only", lambda s: s.events[0]["choices"][0]["delta"].update(role=""),
     "role '', not 'assistant'"),
    ("stream_role_first_only", lambda s: s.events[0]["choices"][0]["delta"].pop("role"), "none of the 4 deltas"),
    ("stream_role_first_only", lambda s: s.events[2]["choices"][0]["delta"].update(role="assistant"),
     "comes again in delta 2"),
    ("stream_one_finish_reason", lambda s: s.events[-1]["choices"][0].update(finish_reason=None),
     "no finish_reason in any of its 4 deltas"),
    ("stream_one_finish_reason", lambda s: s.events[1]["choices"][0].update(finish_reason="stop"),
     "carries a finish_reason 2 times"),
])
def test_each_framing_fault_differs_and_says_where(name, breakage, said):
    broken = copy.deepcopy(GOOD)
    breakage(broken)
    finding = getattr(checks, name)(broken)
    assert finding.observed == ERROR and said in finding.reason, finding.reason


def test_unusual_but_valid_framing_raises_no_alarm():
    # `event: message` is the SSE standard's name for an event without one; `error` is understood
    named = copy.deepcopy(GOOD)
    named.named_events = ["message"] * 4
    assert checks.stream_events_unnamed(named).observed == HONOURED
    # llama.cpp opens with content null beside the role; a second choice finishing once on its own
    llama = stream({"role": "assistant", "content": None}, {"content": "1"})
    assert checks.stream_role_first_only(llama).observed == HONOURED
    two = copy.deepcopy(GOOD)
    two.events += [{**BASE, "choices": [{"index": 1, "delta": {"content": "x"}, "finish_reason": None}]},
                   {**BASE, "choices": [{"index": 1, "delta": {}, "finish_reason": "length"}]}]
    assert checks.stream_one_finish_reason(two).observed == HONOURED


def test_a_cut_stream_leaves_the_ending_unknown():
    cut = copy.deepcopy(GOOD)
    cut.done_marker, cut.stream_cut = False, "RemoteProtocolError: closed"
    assert checks.stream_ends_with_done(cut).observed == UNCLEAR
    assert checks.stream_one_finish_reason(cut).observed == UNCLEAR
    assert checks.stream_data_is_json(cut).observed == HONOURED  # what came is still judged


def test_a_usage_chunk_only_when_asked():
    usage = {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}
    asked = stream({"role": "assistant", "content": "1"}, usage=usage)
    assert checks.stream_usage_chunk_when_asked(GOOD, asked).observed == HONOURED
    # usage in the last chunk beside the finish, never in one of its own: valid, and the row is silent
    folded = copy.deepcopy(GOOD)
    folded.events[-1]["usage"] = usage
    found = checks.stream_usage_chunk_when_asked(GOOD, folded)
    assert found.observed == HONOURED and "in no chunk of its own" in found.reason
    unasked = stream({"role": "assistant", "content": "1"}, usage=usage)
    found = checks.stream_usage_chunk_when_asked(unasked, asked)
    assert found.observed == ERROR and "without include_usage, 1 chunk(s) carry choices: []" in found.reason
    bare = copy.deepcopy(asked)
    del bare.events[-1]["usage"]
    assert "carry choices: [] and no usage" in checks.stream_usage_chunk_when_asked(GOOD, bare).reason


def test_an_answer_going_on_after_its_finish_differs_but_an_empty_delta_after_it_does_not():
    trailing = copy.deepcopy(GOOD)
    trailing.events.append({**BASE, "choices": [{"index": 0, "delta": {}, "finish_reason": None}],
                            "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}})
    assert checks.stream_one_finish_reason(trailing).observed == HONOURED
    more = copy.deepcopy(GOOD)
    more.events.append({**BASE, "choices": [{"index": 0, "delta": {"content": "4"}, "finish_reason": None}]})
    found = checks.stream_one_finish_reason(more)
    assert found.observed == ERROR and "goes on after its finish_reason 'stop'" in found.reason


def test_the_usage_row_needs_both_streams_and_leaves_a_refused_ask_to_stream_options():
    refused = Exchange(request={"stream": True}, stream=True, status=400, body={"error": {"message": "no"}})
    found = checks.stream_usage_chunk_when_asked(GOOD, refused)
    assert found.observed == UNCLEAR and "stream_options" in found.reason
    junk = Exchange(request={"stream": True}, stream=True, status=200, malformed_events=["ping"], done_marker=True)
    assert checks.stream_usage_chunk_when_asked(junk, GOOD).observed == UNCLEAR


def test_an_event_split_over_several_data_lines_is_one_event_as_the_sse_standard_reads_it():
    from conformance.wire.answers import take_stream

    chunk = '{"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m",\n' \
            '"choices": [{"index": 0, "delta": {"role": "assistant", "content": "1"}, "finish_reason": "stop"}]}'
    text = "".join(f"data: {line}\n" for line in chunk.split("\n")) + "\n: keep-alive\n\ndata: [DONE]"
    ex = Exchange(request={"stream": True}, stream=True)
    take_stream(ex, 200, {"content-type": "text/event-stream"}, text)
    assert len(ex.events) == 1 and not ex.malformed_events and ex.done_marker  # no blank line after [DONE]: still read
    assert checks.stream_data_is_json(ex).observed == HONOURED
    glued = "data: {\"a\": 1}\ndata: {\"b\": 2}\n\n"  # two events without the blank line between: one, not JSON
    ex = Exchange(request={"stream": True}, stream=True)
    take_stream(ex, 200, {"content-type": "text/event-stream"}, glued)
    assert ex.malformed_events == ['{"a": 1}\n{"b": 2}']
    named = "event: ping\n\nevent: chunk\ndata: {\"x\": 1}\n\n"
    ex = Exchange(request={"stream": True}, stream=True)
    take_stream(ex, 200, {"content-type": "text/event-stream"}, named)
    assert ex.named_events == ["ping", "chunk"] and ex.events == [{"x": 1}]
