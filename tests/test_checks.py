"""Checks are pure functions of exchanges: each one is shown both holding and breaking."""
import copy

import pytest

from conformance import checks
from conformance.exchange import Exchange
from conformance.findings import ACCEPTED, ERROR, HONOURED, IGNORED, REJECTED, UNANSWERED, UNCLEAR


def completion(text="1, 2, 3", finish="stop", model="claude-4-5-haiku", completion_tokens=5, **request):
    body = {
        "id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": finish}],
        "usage": {"prompt_tokens": 3, "completion_tokens": completion_tokens, "total_tokens": 3 + completion_tokens},
    }
    return Exchange(request={"model": "claude-4-5-haiku", **request}, status=200, body=body)


def stream_of(text="1, 2, 3", finish="stop", done=True):
    base = {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m"}
    pieces = [(" " if i else "") + word for i, word in enumerate(text.split(" "))]
    events = [{**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]}]
    events += [{**base, "choices": [{"index": 0, "delta": {"content": piece}}]} for piece in pieces]
    events.append({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": finish}]})
    return Exchange(request={"model": "m", "stream": True}, stream=True, status=200, events=events, done_marker=done)


def test_rejections_and_silence_are_reported_as_such():
    rejected = Exchange(request={"model": "m"}, status=400, body={"error": {"message": "no"}})
    assert checks.model_echoed(rejected).observed == REJECTED
    assert checks.model_echoed(rejected).status == 400
    silent = Exchange(request={"model": "m"}, transport_error="ConnectError: refused")
    assert checks.model_echoed(silent).observed == UNANSWERED


def test_model_echoed():
    assert checks.model_echoed(completion()).observed == HONOURED
    assert checks.model_echoed(completion(model="claude-4-5-haiku-20251001")).observed == HONOURED
    assert checks.model_echoed(completion(model="claude-4-5-haiku-v1:0")).observed == HONOURED
    # another model that merely starts with the requested id is not a snapshot of it
    assert checks.model_echoed(completion(model="claude-4-5-haiku-mini")).observed == IGNORED
    wrong = checks.model_echoed(completion(model="nova-lite"))
    assert wrong.observed == IGNORED and "nova-lite" in wrong.reason


def test_completion_shape_uses_the_sdk_types():
    assert checks.completion_shape(completion()).observed == HONOURED
    broken = completion()
    broken.body["created"] = "yesterday"
    assert checks.completion_shape(broken).observed == ERROR
    no_usage = completion()
    del no_usage.body["usage"]
    assert "usage" in checks.completion_shape(no_usage).reason
    odd_finish = completion(finish="end_turn")
    assert checks.completion_shape(odd_finish).observed == ERROR


def test_recalls_every_turn_names_the_lost_turn():
    words = {"system": "TANGERINE", "assistant": "PAPAYA"}
    assert checks.recalls_every_turn(completion("tangerine papaya"), words).observed == HONOURED
    lost = checks.recalls_every_turn(completion("PAPAYA"), words)
    assert lost.observed == IGNORED and "TANGERINE, which only the system turn carried" in lost.reason


def test_max_tokens_truncates():
    control = completion("1, 2, ... 60", completion_tokens=119)
    assert checks.max_tokens_truncates(completion(finish="length", completion_tokens=8, max_tokens=8),
                                       control).observed == HONOURED
    assert checks.max_tokens_truncates(completion(completion_tokens=119, max_tokens=8), control).observed == IGNORED
    # cut short but labelled "stop": the finish reason is wrong
    assert checks.max_tokens_truncates(completion(completion_tokens=8, max_tokens=8), control).observed == IGNORED
    # the control never needed more than the limit: nothing to see
    short = completion(completion_tokens=4)
    assert checks.max_tokens_truncates(completion(completion_tokens=4, max_tokens=8), short).observed == UNCLEAR


def test_max_tokens_respected_and_accepted_in_range():
    respected = checks.max_tokens_respected
    assert respected(completion(completion_tokens=5, max_tokens=5), "max_tokens", 5, True).observed == HONOURED
    assert respected(completion(completion_tokens=9, max_tokens=5), "max_tokens", 5, True).observed == IGNORED
    accepted = checks.accepted_in_range(completion(temperature=0.5), "temperature", 0.5, True)
    assert accepted.observed == ACCEPTED and "not measured" in accepted.reason
    assert checks.accepted_in_range(completion("", temperature=0.5), "temperature", 0.5, True).observed == ERROR
    # a reasoning model that spent the limit thinking: nothing to judge, not a difference
    thought = completion("", finish="length", temperature=0.5)
    assert checks.accepted_in_range(thought, "temperature", 0.5, True).observed == UNCLEAR
    assert checks.recalls_every_turn(completion("", finish="length"), {"system": "X"}).observed == UNCLEAR


def test_stop_sequence():
    control = completion("1, 2, 3, 4, 5, 6, 7, 8")
    assert checks.stop_sequence_ends_text(completion("1, 2, 3, 4, 5, 6, "), control, "7").observed == HONOURED
    assert checks.stop_sequence_ends_text(control, control, "7").observed == IGNORED
    assert checks.stop_sequence_ends_text(completion("1, 2"), completion("1, 2"), "7").observed == UNCLEAR


@pytest.mark.parametrize("breakage, expected", [
    (lambda s: setattr(s, "done_marker", False), "did not end with `data: [DONE]`"),
    (lambda s: s.events[2].update(id="other"), "the chunks disagree on id"),
    (lambda s: s.events[1].update(object="chat.completion"), "Input should be 'chat.completion.chunk'"),
    (lambda s: s.events[-2]["choices"][0].update(finish_reason="stop"), "2 chunks carry a finish_reason"),
    (lambda s: s.malformed_events.append("{oops"), "an SSE event is not JSON"),
    (lambda s: setattr(s, "after_done", 1), "came after `data: [DONE]`"),
    (lambda s: s.events[1].pop("created"), "not a chunk the openai SDK accepts"),
])
def test_stream_check_notices_each_wire_fault(breakage, expected):
    plain = completion("1, 2, 3")
    good = stream_of("1, 2, 3")
    assert checks.stream_matches_plain(good, plain).observed == HONOURED
    bad = copy.deepcopy(good)
    breakage(bad)
    finding = checks.stream_matches_plain(bad, plain)
    assert finding.observed == ERROR and expected in finding.reason


def test_stream_that_is_not_a_stream_or_tells_another_story():
    plain = completion("1, 2, 3")
    not_streamed = Exchange(request={"model": "m", "stream": True}, stream=True, status=200, body=plain.body)
    assert checks.stream_matches_plain(not_streamed, plain).observed == IGNORED
    lost = checks.stream_matches_plain(stream_of("1, 2, 4"), plain)
    assert lost.observed == ERROR and "chunks were lost or mangled" in lost.reason
    # a clean count that differs from the plain one is the model's doing, not the stream's
    assert checks.stream_matches_plain(stream_of("1, 2"), plain).observed == UNCLEAR
    assert checks.stream_matches_plain(stream_of("1, 2, 3", finish="length"), plain).observed == ERROR


def test_stream_chunks_may_differ_in_created():
    ticking = stream_of("1, 2, 3")
    for i, event in enumerate(ticking.events):
        event["created"] = 1 + i
    assert checks.stream_matches_plain(ticking, completion("1, 2, 3")).observed == HONOURED


def test_every_check_documents_a_sample_failure():
    for name, fn in checks.REGISTRY.items():
        assert fn.__doc__ and "Sample" in fn.__doc__, name
