"""Checks are pure functions of exchanges: each one is shown both holding and breaking."""
import copy

import pytest
from senders import through_python

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


UNKNOWN_REFUSED = Exchange(request={"model": "conformance-no-such-model"}, status=404,
                           body={"error": {"message": "model not found"}})


def test_rejections_and_silence_are_reported_as_such():
    rejected = Exchange(request={"model": "m"}, status=400, body={"error": {"message": "no"}})
    assert checks.model_echoed(rejected, UNKNOWN_REFUSED).observed == REJECTED
    assert checks.model_echoed(rejected, UNKNOWN_REFUSED).status == 400
    silent = Exchange(request={"model": "m"}, transport_error="ConnectError: refused")
    assert checks.model_echoed(silent, UNKNOWN_REFUSED).observed == UNANSWERED


def test_model_echoed():
    refused = UNKNOWN_REFUSED
    assert checks.model_echoed(completion(), refused).observed == HONOURED
    assert checks.model_echoed(completion(model="claude-4-5-haiku-20251001"), refused).observed == HONOURED
    assert checks.model_echoed(completion(model="claude-4-5-haiku-v1:0"), refused).observed == HONOURED
    # another model that merely starts with the requested id is not a snapshot of it
    assert checks.model_echoed(completion(model="claude-4-5-haiku-mini"), refused).observed == IGNORED
    wrong = checks.model_echoed(completion(model="nova-lite"), refused)
    assert wrong.observed == IGNORED and "nova-lite" in wrong.reason


def test_model_echoed_needs_the_unknown_id_refused():
    answered = completion(model="conformance-no-such-model")
    answered.request["model"] = "conformance-no-such-model"
    echo = checks.model_echoed(completion(), answered)
    assert echo.observed == IGNORED and "answers any name" in echo.reason
    # any 4xx is a refusal (Heroku answers 403 for a model the key cannot use); a 5xx is not
    forbidden = Exchange(request={"model": "conformance-no-such-model"}, status=403, body={})
    assert checks.model_echoed(completion(), forbidden).observed == HONOURED
    crashed = Exchange(request={"model": "conformance-no-such-model"}, status=500, body={})
    assert checks.model_echoed(completion(), crashed).observed == ERROR
    throttled = Exchange(request={"model": "conformance-no-such-model"}, status=429, body={})
    assert checks.model_echoed(completion(), throttled).observed == UNCLEAR


def test_completion_shape_uses_the_sdk_types():
    assert checks.completion_shape(through_python(completion())).observed == HONOURED
    broken = completion()
    broken.body["created"] = "yesterday"
    assert checks.completion_shape(through_python(broken)).observed == ERROR
    # usage is optional in the SDK's types and OpenAI's schema (the usage row asks for it), but not junk
    no_usage = completion()
    del no_usage.body["usage"]
    assert checks.completion_shape(through_python(no_usage)).observed == HONOURED
    junk_usage = completion()
    junk_usage.body["usage"] = {"prompt_tokens": "3", "completion_tokens": 5, "total_tokens": 8}
    assert "usage.prompt_tokens" in checks.completion_shape(through_python(junk_usage)).reason
    odd_finish = completion(finish="end_turn")
    assert checks.completion_shape(through_python(odd_finish)).observed == ERROR


def with_prompt(ex: Exchange, prompt_tokens: int) -> Exchange:
    ex.body["usage"]["prompt_tokens"] = prompt_tokens
    return ex


WORDS = {"system": "TANGERINE", "user": "MARMALADE", "assistant": "PAPAYA"}


def recall(reply: str, prompt: int, without: dict, longer: dict | None = None):
    """`prompt` tokens with every turn; `without[role]` without that turn (default: 5 fewer);
    `longer[role]` with a longer version of it (default: 30 more, the longer turn counted)."""
    controls = {role: with_prompt(completion("x"), without.get(role, prompt - 5)) for role in WORDS}
    longer_ones = {role: with_prompt(completion("x"), (longer or {}).get(role, prompt + 30)) for role in WORDS}
    return checks.recalls_every_turn(with_prompt(completion(reply), prompt), WORDS, controls["system"],
                                     controls["user"], controls["assistant"], longer_ones["system"],
                                     longer_ones["user"], longer_ones["assistant"])


def test_recalls_every_turn():
    assert recall("tangerine marmalade papaya", 40, {}).observed == HONOURED
    # the system turn's word is missing and no count moves with it, not even its length: dropped
    lost = recall("MARMALADE PAPAYA", 30, {"system": 30}, {"system": 30})
    assert lost.observed == IGNORED and "the system turn never reached the model" in lost.reason
    # missing, but a longer system turn makes the prompt clearly longer: it arrived, the model did not say it
    unsaid = recall("MARMALADE PAPAYA", 40, {"system": 30})
    assert unsaid.observed == UNCLEAR and "did reach the model" in unsaid.reason
    # a model that repeats nothing shows nothing
    weak = recall("OK", 40, {})
    assert weak.observed == UNCLEAR and "repeats none of the words" in weak.reason
    # but a dropped turn is a fact even then
    assert recall("OK", 30, {"system": 30}, {"system": 30}).observed == IGNORED
    # no usage: cannot tell a dropped turn from an unsaid word
    no_usage = completion("MARMALADE PAPAYA")
    del no_usage.body["usage"]
    assert checks.recalls_every_turn(no_usage, WORDS, *[completion()] * 6).observed == UNCLEAR


def test_a_turn_whose_count_coincides_is_not_called_dropped():
    # a template that swaps its default system prompt for the system turn: the same count with the
    # turn as without it, but a longer turn shows in the prompt, so the turn arrived
    swapped = recall("MARMALADE PAPAYA", 41, {"system": 41}, {"system": 75})
    assert swapped.observed == UNCLEAR and "never reached" not in swapped.reason
    assert "did reach the model" in swapped.reason
    # a longer turn that adds only a token or two: the counts show nothing either way
    tiny = recall("MARMALADE PAPAYA", 41, {"system": 41}, {"system": 42})
    assert tiny.observed == UNCLEAR and "never reached" not in tiny.reason and "did reach" not in tiny.reason
    assert "41 with it, 42 with a longer version of it, 41 without it" in tiny.reason


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
    assert checks.recalls_every_turn(completion("", finish="length"), {"system": "X"},
                                     *[completion()] * 6).observed == UNCLEAR


def test_stop_sequence():
    control = completion("1, 2, 3, 4, 5, 6, 7, 8")
    assert checks.stop_sequence_ends_text(completion("1, 2, 3, 4, 5, 6, "), control, "7").observed == HONOURED
    assert checks.stop_sequence_ends_text(control, control, "7").observed == IGNORED
    assert checks.stop_sequence_ends_text(completion("1, 2"), completion("1, 2"), "7").observed == UNCLEAR


@pytest.mark.parametrize("breakage, expected", [
    (lambda s: setattr(s, "done_marker", False), "did not end with `data: [DONE]`"),
    (lambda s: s.events[2].update(id="other"), "the chunks disagree on id"),
    (lambda s: s.events[1].update(object="chat.completion"), "not 'chat.completion.chunk'"),
    (lambda s: s.events[-2]["choices"][0].update(finish_reason="stop"), "2 chunks of choice 0 carry a finish_reason"),
    (lambda s: s.malformed_events.append("{oops"), "an SSE event is not JSON"),
    (lambda s: setattr(s, "after_done", 1), "came after `data: [DONE]`"),
    (lambda s: s.events[1].pop("choices"), "chunk 1 has no choices list"),
    (lambda s: s.events[1]["choices"][0].pop("delta"), "chunk 1 has a choice without a delta object"),
])
def test_stream_check_notices_each_wire_fault(breakage, expected):
    plain = [completion("1, 2, 3")] * 2
    good = stream_of("1, 2, 3")
    assert checks.stream_matches_plain(good, plain).observed == HONOURED
    bad = copy.deepcopy(good)
    breakage(bad)
    finding = checks.stream_matches_plain(bad, plain)
    assert finding.observed == ERROR and expected in finding.reason


def test_stream_that_is_not_a_stream_or_tells_another_story():
    plain = [completion("1, 2, 3"), completion("1, 2, 3")]
    not_streamed = Exchange(request={"model": "m", "stream": True}, stream=True, status=200, body=plain[0].body)
    assert checks.stream_matches_plain(not_streamed, plain).observed == IGNORED
    lost = checks.stream_matches_plain(stream_of("1, 2, 4"), plain)
    assert lost.observed == ERROR and "chunks were lost or mangled" in lost.reason
    # the whole text is compared, not only the numbers in it
    mangled = checks.stream_matches_plain(stream_of("1,2,3"), plain)
    assert mangled.observed == ERROR
    assert checks.stream_matches_plain(stream_of("1, 2, 3", finish="length"), plain).observed == ERROR
    # when the plain answers differ from each other, the model varies: nothing to blame the stream for
    varying = [completion("1, 2, 3"), completion("1, 2, 3, 4")]
    assert checks.stream_matches_plain(stream_of("1, 2"), varying).observed == UNCLEAR
    # the stream may match either plain answer
    assert checks.stream_matches_plain(stream_of("1, 2, 3, 4"), varying).observed == HONOURED


def test_stream_chunks_may_differ_in_created():
    ticking = stream_of("1, 2, 3")
    for i, event in enumerate(ticking.events):
        event["created"] = 1 + i
    assert checks.stream_matches_plain(ticking, [completion("1, 2, 3")] * 2).observed == HONOURED


def test_every_check_documents_a_sample_failure():
    for name, fn in checks.REGISTRY.items():
        assert fn.__doc__ and "Sample" in fn.__doc__, name


def test_recalls_every_turn_when_the_template_fills_in_a_default_system_prompt():
    # llama.cpp with Qwen's template: without a system turn the template sends its own ("You are
    # Qwen..."), so the conversation with the turn has the shorter prompt (93 against 95). The turn
    # arrived; a tiny model that repeats nothing shows nothing, and nothing was dropped.
    qwen = recall("This tiny model always gives the same short answer.", 93, {"system": 95, "user": 80})
    assert qwen.observed == UNCLEAR and "never reached" not in qwen.reason
    # the same count with the turn, without it and with a longer one is still a dropped turn
    assert recall("MARMALADE PAPAYA", 95, {"system": 95}, {"system": 95}).observed == IGNORED
