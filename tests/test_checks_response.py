"""The response-structure checks: each shown holding, breaking, holding in an unusual valid way, and unclear."""
import copy

from senders import through_python

from conformance import checks
from conformance.exchange import Exchange
from conformance.findings import ERROR, HONOURED, IGNORED, REJECTED, UNANSWERED, UNCLEAR
from conformance.verdicts import AGREES, DIFFERS, judge

STATED = "accepted-with-effect"  # the promise of the level "Stated"


def plain(**changes) -> Exchange:
    """Heroku's documented shape, with changes at dotted paths (`choices.0.index`)."""
    body = {
        "id": "chatcmpl-0123456789abcdef01234", "object": "chat.completion", "created": 1764000000,
        "model": "claude-4-5-haiku", "system_fingerprint": "heroku-inf-abc1234",
        "choices": [{"index": 0, "logprobs": None, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": "1, 2, 3", "refusal": None}}],
        "usage": {"prompt_tokens": 12, "completion_tokens": 5, "total_tokens": 17},
    }
    for path, value in changes.items():
        *parents, last = [int(p) if p.isdigit() else p for p in path.split("__")]
        node = body
        for part in parents:
            node = node[part]
        if value is ...:
            del node[last]
        else:
            node[last] = value
    return Exchange(request={"model": "claude-4-5-haiku"}, status=200, body=body)


def streamed(usage: dict | None = None, done=True, **first_chunk) -> Exchange:
    base = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1764000000, "model": "claude-4-5-haiku",
            "system_fingerprint": "heroku-inf-abc1234"}
    deltas = [{"role": "assistant", "content": ""}, {"content": "1, 2"}, {"content": ", 3"}]
    events = [{**base, "choices": [{"index": 0, "delta": d, "finish_reason": None}]} for d in deltas]
    events.append({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    if usage is not None:
        events.append({**base, "choices": [], "usage": usage})
    events[0].update(first_chunk)
    return Exchange(request={"model": "claude-4-5-haiku", "stream": True}, stream=True, status=200, events=events,
                    done_marker=done)


def verdict(finding) -> str:
    return judge(STATED, finding)[0]


# -- sdk_types_accept ---------------------------------------------------------------------------------

def test_sdk_types_accept_heroku_shape_with_its_extra_fields():
    probe = plain(choices__0__message__reasoning={"thinking": "..."})
    chunks = streamed()
    chunks.events[1]["choices"][0]["delta"]["reasoning"] = {"thinking": "hm"}
    finding = checks.sdk_types_accept(through_python(probe), through_python(chunks))
    assert finding.observed == HONOURED and "all 4 chunks" in finding.reason
    assert verdict(finding) == AGREES


def test_sdk_types_reject_a_chunk_with_an_unknown_finish_reason():
    chunks = streamed()
    chunks.events[-1]["choices"][0]["finish_reason"] = "end_turn"
    finding = checks.sdk_types_accept(through_python(plain()), through_python(chunks))
    assert finding.observed == ERROR and "chunk 3" in finding.reason and verdict(finding) == DIFFERS


def test_sdk_types_reject_a_plain_body_the_sdk_cannot_parse():
    probe = plain(created="yesterday")
    assert checks.sdk_types_accept(through_python(probe), through_python(streamed())).observed == ERROR


def test_a_stream_answered_as_one_json_body_is_judged_as_that_body():
    # Not streaming is core.stream's difference; the body itself is in OpenAI's format.
    answer = plain()
    answer.stream = True
    assert checks.sdk_types_accept(through_python(plain()), through_python(answer)).observed == HONOURED
    assert checks.openai_schema_accepts(plain(), answer).observed == HONOURED


def test_a_stream_without_done_is_not_this_rows_business():
    assert checks.sdk_types_accept(through_python(plain()), through_python(streamed(done=False))).observed == HONOURED


def test_a_stream_cut_before_any_chunk_is_unclear_and_a_refusal_is_rejected():
    cut = Exchange(request={"stream": True}, stream=True, status=200, stream_cut="RemoteProtocolError: closed")
    assert checks.sdk_types_accept(through_python(plain()), cut).observed == UNCLEAR  # no byte to send again
    refused = Exchange(request={}, status=400, body={"error": {"message": "no"}})
    assert checks.sdk_types_accept(through_python(refused), through_python(streamed())).observed == REJECTED
    silent = Exchange(request={}, transport_error="ConnectError: refused")
    assert checks.openai_schema_accepts(silent, streamed()).observed == UNANSWERED


# -- openai_schema_accepts ------------------------------------------------------------------------------

def test_openai_schema_accepts_heroku_shape_extra_fields_and_a_usage_chunk():
    probe = plain(choices__0__message__reasoning={"thinking": "..."})
    chunks = streamed(usage={"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}, obfuscation="x")
    finding = checks.openai_schema_accepts(probe, chunks)
    assert finding.observed == HONOURED and "all 5 chunks" in finding.reason


def test_a_numeric_string_created_passes_the_sdk_but_not_openai_schema():
    probe = plain(created="1764000000")
    # the SDK's types coerce it
    assert checks.sdk_types_accept(through_python(probe), through_python(streamed())).observed == HONOURED
    finding = checks.openai_schema_accepts(probe, streamed())
    assert finding.observed == ERROR and "created: '1764000000' is not of type 'integer'" in finding.reason


def test_openai_schema_requires_logprobs_and_refusal_even_when_null():
    finding = checks.openai_schema_accepts(plain(choices__0__logprobs=...), streamed())
    assert finding.observed == ERROR and "'logprobs' is a required property" in finding.reason
    assert checks.openai_schema_accepts(plain(choices__0__message__refusal=...), streamed()).observed == ERROR


def test_openai_schema_rejects_a_chunk_without_finish_reason():
    chunks = streamed()
    del chunks.events[1]["choices"][0]["finish_reason"]
    finding = checks.openai_schema_accepts(plain(), chunks)
    assert finding.observed == ERROR and finding.reason.startswith("chunk 1 ")


def test_openai_schema_rejects_a_malformed_event():
    chunks = streamed()
    chunks.malformed_events = ["{not json"]
    assert checks.openai_schema_accepts(plain(), chunks).observed == ERROR


# -- usage_adds_up ----------------------------------------------------------------------------------

USAGE = {"prompt_tokens": 12, "completion_tokens": 5, "total_tokens": 17}


def test_usage_adds_up_plain_and_streamed():
    finding = checks.usage_adds_up(plain(), streamed(usage=USAGE))
    assert finding.observed == HONOURED and "12 + 5 = 17" in finding.reason


def test_usage_off_by_one_differs():
    finding = checks.usage_adds_up(plain(usage__total_tokens=18), streamed(usage=USAGE))
    assert finding.observed == IGNORED and "total_tokens is 18, not" in finding.reason
    assert verdict(finding) == DIFFERS
    streamed_off = checks.usage_adds_up(plain(), streamed(usage={**USAGE, "total_tokens": 16}))
    assert streamed_off.observed == IGNORED and "usage chunk" in streamed_off.reason


def test_usage_counts_that_are_not_integers_are_malformed():
    assert checks.usage_adds_up(plain(usage__total_tokens="17"), streamed(usage=USAGE)).observed == ERROR
    assert checks.usage_adds_up(plain(usage__total_tokens=True), streamed(usage=USAGE)).observed == ERROR
    assert checks.usage_adds_up(plain(usage=...), streamed(usage=USAGE)).observed == ERROR


def test_usage_in_every_chunk_and_token_details_are_fine():
    # vLLM-style continuous usage: the last one is the total.
    chunks = streamed(usage=USAGE)
    for i, event in enumerate(chunks.events[:-1]):
        event["usage"] = {"prompt_tokens": 12, "completion_tokens": i, "total_tokens": 12 + i}
    probe = plain(usage__prompt_tokens_details={"cached_tokens": 4})
    assert checks.usage_adds_up(probe, chunks).observed == HONOURED


def test_a_stream_without_a_usage_chunk_leaves_only_the_plain_usage_to_add_up():
    # whether the chunk should be there is devcenter.stream_options' claim, not this row's
    finding = checks.usage_adds_up(plain(), streamed())
    assert finding.observed == HONOURED and "no usage chunk to add up" in finding.reason
    assert checks.usage_adds_up(plain(usage__total_tokens=18), streamed()).observed == IGNORED
    cut = streamed(done=False)
    cut.stream_cut = "RemoteProtocolError: peer closed connection"
    assert checks.usage_adds_up(plain(), cut).observed == UNCLEAR


# -- one_choice -------------------------------------------------------------------------------------

def test_one_choice_plain_and_streamed_with_an_empty_usage_chunk():
    assert checks.one_choice(plain(), streamed(usage=USAGE)).observed == HONOURED


def test_two_choices_without_n_differ():
    probe = plain()
    probe.body["choices"].append({**copy.deepcopy(probe.body["choices"][0]), "index": 1})
    finding = checks.one_choice(probe, streamed())
    assert finding.observed == IGNORED and "[0, 1]" in finding.reason and verdict(finding) == DIFFERS


def test_a_lone_choice_with_another_index_or_a_chunk_with_two_differs():
    assert checks.one_choice(plain(choices__0__index=1), streamed()).observed == IGNORED
    chunks = streamed()
    chunks.events[1]["choices"].append({**chunks.events[1]["choices"][0], "index": 1})
    assert checks.one_choice(plain(), chunks).observed == IGNORED
    assert checks.one_choice(plain(choices=[]), streamed()).observed == IGNORED


def test_a_stream_cut_before_any_choice_is_unclear():
    cut = Exchange(request={"stream": True}, stream=True, status=200, stream_cut="ReadError",
                   events=[{"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m", "choices": []}])
    assert checks.one_choice(plain(), cut).observed == UNCLEAR


# -- the Python SDK's view -------------------------------------------------------------------------------

def test_the_python_sdks_view_keeps_reasoning_in_every_shape_servers_send_it():
    from conformance.checks.common import dropped

    probe = plain(choices__0__message__reasoning_content="because")  # vLLM, DeepSeek, llama.cpp
    seen = through_python(probe)
    assert seen.sdk.result["reasoning"] == "because" and dropped(seen) is None
    chunks = streamed()
    chunks.events[1]["choices"][0]["delta"]["reasoning_content"] = "be"
    chunks.events[2]["choices"][0]["delta"]["reasoning_content"] = "cause"
    seen = through_python(chunks)
    assert seen.sdk.result["reasoning"] == "because" and dropped(seen) is None  # fragments joined


def test_the_python_sdk_meets_a_stream_that_broke_off_as_its_user_would():
    from senders import python_sender

    from conformance.wire.http import http_transport

    class BreaksOff(http_transport.SyncByteStream):
        def __iter__(self):
            yield b'data: {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m", ' \
                  b'"choices": [{"index": 0, "delta": {"content": "1"}, "finish_reason": null}]}\n\n'
            raise http_transport.RemoteProtocolError("peer closed connection without sending complete message body")

    def answer(request):
        return http_transport.Response(200, headers={"content-type": "text/event-stream"}, stream=BreaksOff())

    sender = python_sender("http://127.0.0.1:9/v1", "k-123456", transport=http_transport.MockTransport(answer))
    cut = sender.send({"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": True})
    assert cut.stream_cut and len(cut.events) == 1  # the wire: what came before the break
    assert cut.sdk.outcome == "raised" and cut.sdk.exception_class == "APIConnectionError"
    assert cut.sdk.result["text"] == "1"  # what the user had read by then
