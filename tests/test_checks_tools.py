"""The tools and tool_choice checks, on hand-built exchanges: a server that breaks each claim, one
that honours it in an unusual but valid way, and a model too weak to call tools."""
import json

import pytest

from conformance import checks
from conformance.exchange import Exchange
from conformance.findings import ACCEPTED, ERROR, HONOURED, IGNORED, REJECTED, UNCLEAR
from conformance.verdicts import AGREES, DIFFERS, INCONCLUSIVE, judge

CITY = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}


def tool(name, parameters=CITY):
    return {"type": "function", "function": {"name": name, "description": name, "parameters": parameters}}


WEATHER, TIME = tool("get_weather"), tool("get_time")
NAMED_TIME = {"type": "function", "function": {"name": "get_time"}}


def call(name="get_weather", arguments='{"city": "Paris"}', id="tooluse_abcdefghijklmnopqrstuv", type="function"):
    return {"id": id, "type": type, "function": {"name": name, "arguments": arguments}}


def answer(*calls, text="I will call get_weather.", finish=None, tools=(WEATHER,), **request):
    message = {"role": "assistant", "content": text}
    if calls:
        message["tool_calls"] = list(calls)
    finish = finish or ("tool_calls" if calls else "stop")
    body = {"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "m",
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
            "usage": {"prompt_tokens": 3, "completion_tokens": 5, "total_tokens": 8}}
    return Exchange(request={"model": "m", "messages": [], "tools": list(tools), **request}, status=200, body=body)


def verdict(found):
    return judge("accepted-with-effect", found)[0]


# --- tools: one valid call ---------------------------------------------------------------------------

def test_a_valid_call_honours_tools():
    found = checks.tool_call_valid(answer(call()))
    assert found.observed == HONOURED and "get_weather" in found.reason and verdict(found) == AGREES


def test_unusual_but_valid_calls_honour_tools():
    # several calls, no text at all, an id in another provider's form
    several = answer(call(id="call_1"), call(arguments='{"city": "Tokyo"}', id="x"), text=None)
    assert checks.tool_call_valid(several).observed == HONOURED
    # extra properties, which a schema without additionalProperties: false allows
    extra = answer(call(arguments='{"city": "Paris", "unit": "celsius"}'), text="Let me look that up.")
    assert checks.tool_call_valid(extra).observed == HONOURED


@pytest.mark.parametrize("bad_call, kind", [
    (call(arguments='{"city": "Paris"'), "invalid JSON"),
    (call(arguments="{'city': 'Paris'}"), "invalid JSON"),
    (call(arguments='["Paris"]'), "invalid JSON"),
    (call(arguments={"city": "Paris"}), "wrong type"),
    (call(id=""), "missing id"),
    ({"type": "function", "function": {"name": "get_weather", "arguments": "{}"}}, "missing id"),
    (call(type="tool"), "wrong type: the call's type is 'tool'"),
    ({"id": "call_1", "type": "function", "function": "get_weather"}, "the call's function is \"'get_weather'\""),
    (call(name=None), "missing name"),
])
def test_a_call_not_in_the_servers_format_is_an_error_of_its_kind(bad_call, kind):
    found = checks.tool_call_valid(answer(bad_call))
    assert found.observed == ERROR and kind in found.reason, found.reason
    assert verdict(found) == DIFFERS


@pytest.mark.parametrize("weak_call, kind", [
    (call(name="weather"), "unknown tool name 'weather'"),
    (call(arguments="{}"), "schema mismatch at $: 'city' is a required property"),
    (call(arguments='{"city": 75001}'), "schema mismatch at $.city"),
])
def test_a_call_that_misses_the_declared_tools_is_the_models_choice(weak_call, kind):
    # Heroku ignores `strict`: which name and arguments a model writes is not enforced by the server
    found = checks.tool_call_valid(answer(weak_call))
    assert found.observed == UNCLEAR and kind in found.reason and "strict is ignored" in found.reason, found.reason
    assert verdict(found) == INCONCLUSIVE


def test_one_bad_call_among_good_ones_is_an_error_and_the_format_is_judged_first():
    found = checks.tool_call_valid(answer(call(), call(arguments="{city: Paris}", id="b")))
    assert found.observed == ERROR and "invalid JSON" in found.reason
    both = checks.tool_call_valid(answer(call(name="get_time"), call(arguments="{city: Paris}", id="b")))
    assert both.observed == ERROR and "invalid JSON" in both.reason


def test_calls_need_finish_reason_tool_calls():
    found = checks.tool_call_valid(answer(call(), finish="stop"))
    assert found.observed == ERROR and "finish_reason is 'stop'" in found.reason
    empty = checks.tool_call_valid(answer(finish="tool_calls"))
    assert empty.observed == ERROR and "no tool_calls" in empty.reason


def test_a_model_that_answers_in_text_is_unclear_not_a_fault():
    found = checks.tool_call_valid(answer(text="It is probably sunny in Paris."))
    assert found.observed == UNCLEAR and verdict(found) == INCONCLUSIVE


def test_a_call_cut_by_the_token_limit_is_unclear():
    found = checks.tool_call_valid(answer(call(arguments='{"ci'), finish="length"))
    assert found.observed == UNCLEAR and "token limit" in found.reason


def test_tools_refused_is_a_rejection():
    refused = Exchange(request={"model": "m", "tools": [WEATHER]}, status=400,
                       body={"error": {"message": "tools are not supported"}})
    found = checks.tool_call_valid(refused)
    assert found.observed == REJECTED and verdict(found) == DIFFERS


# --- tool_choice -------------------------------------------------------------------------------------

def test_required_is_honoured_by_a_call_even_one_openai_ends_with_stop():
    assert checks.tool_choice_required_calls(answer(call(), tool_choice="required")).observed == HONOURED
    # OpenAI ends a forced call with finish_reason 'stop'
    assert checks.tool_choice_required_calls(answer(call(), text=None, finish="stop",
                                                    tool_choice="required")).observed == HONOURED


def test_required_answered_in_text_is_ignored_even_from_a_weak_model():
    found = checks.tool_choice_required_calls(answer(text="Paris", tool_choice="required"))
    assert found.observed == IGNORED and verdict(found) == DIFFERS


def test_required_is_judged_on_the_call_made_its_arguments_are_the_tools_rows():
    # forcing worked: a call came; whether its arguments are usable is advanced.tools' question
    for arguments in ("{'city': 'Paris'}", "{}"):
        found = checks.tool_choice_required_calls(answer(call(arguments=arguments), tool_choice="required"))
        assert found.observed == HONOURED and "advanced.tools" in found.reason, found.reason
    unreadable = checks.tool_choice_required_calls(answer({"id": "c", "function": "get_weather"},
                                                          tool_choice="required"))
    assert unreadable.observed == ERROR and verdict(unreadable) == DIFFERS


def test_required_cut_by_the_limit_before_any_call_is_unclear():
    # llama.cpp's tiny model writes a sentence before its forced call: a small limit ends it there
    found = checks.tool_choice_required_calls(answer(text="This tiny model gives", finish="length",
                                                     tool_choice="required"))
    assert found.observed == UNCLEAR and "before any call" in found.reason and verdict(found) == INCONCLUSIVE


def test_a_named_choice_calls_that_function():
    probe = answer(call("get_time", id="call_9"), tools=(WEATHER, TIME), tool_choice=NAMED_TIME)
    found = checks.tool_choice_named_calls(probe)
    assert found.observed == HONOURED and "get_time" in found.reason
    twice = answer(call("get_time"), call("get_time", '{"city": "Tokyo"}', id="b"), tools=(WEATHER, TIME),
                   tool_choice=NAMED_TIME)
    assert checks.tool_choice_named_calls(twice).observed == HONOURED


@pytest.mark.parametrize("calls", [[call("get_weather")], [call("get_time"), call("get_weather", id="b")], [],
                                   [call("get_tim")], [call("get_weather", arguments="{}")],
                                   [call("get_weather", arguments="{'city'")]])
def test_a_named_choice_with_another_call_or_none_is_ignored(calls):
    probe = answer(*calls, text="Paris is sunny.", tools=(WEATHER, TIME), tool_choice=NAMED_TIME)
    found = checks.tool_choice_named_calls(probe)
    assert found.observed == IGNORED and verdict(found) == DIFFERS, found.reason


def test_none_answers_in_text():
    found = checks.tool_choice_none_answers_in_text(answer(text="I cannot check the weather.", tool_choice="none"))
    assert found.observed == HONOURED and verdict(found) == AGREES


def test_none_with_a_call_is_ignored():
    found = checks.tool_choice_none_answers_in_text(answer(call(), tool_choice="none"))
    assert found.observed == IGNORED and "get_weather" in found.reason
    malformed = checks.tool_choice_none_answers_in_text(answer(call(arguments="{"), tool_choice="none"))
    assert malformed.observed == IGNORED


def test_none_with_an_empty_answer_is_an_error_unless_the_limit_was_spent():
    assert checks.tool_choice_none_answers_in_text(answer(text="", tool_choice="none")).observed == ERROR
    spent = checks.tool_choice_none_answers_in_text(answer(text="", finish="length", tool_choice="none"))
    assert spent.observed == UNCLEAR


def test_auto_accepts_a_valid_call_or_text_from_a_model_that_does_not_call_tools():
    assert checks.tool_choice_auto_accepted(answer(call(), tool_choice="auto")).observed == ACCEPTED
    weak = checks.tool_choice_auto_accepted(answer(text="It is sunny in Paris.", tool_choice="auto"))
    assert weak.observed == ACCEPTED and verdict(weak) == AGREES  # auto lets the model choose text


def test_auto_with_a_malformed_call_is_an_error_and_a_schema_mismatch_unclear():
    found = checks.tool_choice_auto_accepted(answer(call(arguments=json.dumps(["Paris"])), tool_choice="auto"))
    assert found.observed == ERROR and "not an object" in found.reason
    weak = checks.tool_choice_auto_accepted(answer(call(arguments=json.dumps({"town": "Paris"})), tool_choice="auto"))
    assert weak.observed == UNCLEAR and "'city' is a required property" in weak.reason
    # auto does not force a call, so a forced call's finish_reason 'stop' is not allowed
    assert checks.tool_choice_auto_accepted(answer(call(), finish="stop", tool_choice="auto")).observed == ERROR


@pytest.mark.parametrize("check", ["tool_choice_required_calls", "tool_choice_named_calls",
                                   "tool_choice_none_answers_in_text", "tool_choice_auto_accepted"])
def test_a_refused_tool_choice_is_a_rejection(check):
    refused = Exchange(request={"model": "m", "tools": [WEATHER, TIME], "tool_choice": "none"}, status=400,
                       body={"error": {"message": "tool_choice is not supported"}})
    found = getattr(checks, check)(refused)
    assert found.observed == REJECTED and found.status == 400


# --- forced calls, streamed: the same rules, read from the raw SSE events ------------------------------

def chunk(delta=None, finish=None):
    return {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m",
            "choices": [{"index": 0, "delta": delta or {}, "finish_reason": finish}]}


def streamed(*deltas, finish="tool_calls", tools=(WEATHER,), **request):
    events = [chunk({"role": "assistant", "content": ""}), *(chunk(d) for d in deltas), chunk(finish=finish)]
    return Exchange(request={"model": "m", "messages": [], "stream": True, "tools": list(tools), **request},
                    stream=True, status=200, events=events, done_marker=True)


def opening(name="get_weather", arguments="", id="call_1"):
    return {"tool_calls": [{"index": 0, "id": id, "type": "function",
                            "function": {"name": name, "arguments": arguments}}]}


def piece(text, **extra):
    return {"tool_calls": [{"index": 0, "function": {"arguments": text, **extra}}]}


def test_streamed_forcing_is_judged_like_a_plain_one():
    required = streamed(opening(), piece('{"city": "Paris"}'), tool_choice="required")
    assert checks.tool_choice_required_calls(required).observed == HONOURED
    named = streamed(opening("get_time"), piece('{"city": "Tokyo"}'), tools=(WEATHER, TIME), tool_choice=NAMED_TIME)
    assert checks.tool_choice_named_calls(named).observed == HONOURED
    other = streamed(opening(), piece('{"city": "Paris"}'), tools=(WEATHER, TIME), tool_choice=NAMED_TIME)
    found = checks.tool_choice_named_calls(other)
    assert found.observed == IGNORED and "calls get_weather" in found.reason and verdict(found) == DIFFERS
    text = streamed({"content": "Paris"}, finish="stop", tool_choice="required")
    found = checks.tool_choice_required_calls(text)
    assert found.observed == IGNORED and verdict(found) == DIFFERS


def test_a_streamed_name_repeated_in_later_fragments_still_shows_forcing():
    # the name a server meant is the first fragment's; its repetition is advanced.tools' difference
    repeated = streamed(opening("get_time"), piece('{"city": "Tokyo"}', name="get_time"), tools=(WEATHER, TIME),
                        tool_choice=NAMED_TIME)
    assert checks.tool_choice_named_calls(repeated).observed == HONOURED


def test_a_forced_request_answered_in_text_is_the_tool_choice_rows_difference_not_the_tools_rows():
    found = checks.tool_call_valid(answer(text="It is sunny in Paris.", tool_choice="required"))
    assert found.observed == UNCLEAR and "advanced.tool_choice" in found.reason and verdict(found) == INCONCLUSIVE


def test_a_usable_call_of_another_function_than_named_is_usable_on_the_tools_row():
    probe = answer(call("get_weather"), tools=(WEATHER, TIME), tool_choice=NAMED_TIME)
    assert checks.tool_call_valid(probe).observed == HONOURED


def test_streamed_fragments_that_open_no_call_are_the_tools_rows_as_long_as_one_call_is_named():
    stray = {"tool_calls": [{"index": 1, "function": {"arguments": '{"city": "Paris"}'}}]}
    found = checks.tool_choice_required_calls(streamed(opening(), stray, tool_choice="required"))
    assert found.observed == HONOURED and verdict(found) == AGREES
    nameless = checks.tool_choice_required_calls(streamed(stray, tool_choice="required"))
    assert nameless.observed == ERROR and "lacks" in nameless.reason


# --- a heroku_tool naming no real tool (pages.heroku-tool, observed) ---

HEROKU_TOOL = {"type": "heroku_tool", "name": checks.tools.NO_SUCH_HEROKU_TOOL,
               "runtime_params": {"target_app_name": "-no-such-app-"}}


def refused(status, message):
    return Exchange(request={"model": "m", "messages": [], "tools": [HEROKU_TOOL]}, status=status,
                    body={"error": {"message": message, "type": "invalid_request_error", "code": None}})


@pytest.mark.parametrize("exchange, code, said", [
    (refused(400, f"unknown heroku_tool '{checks.tools.NO_SUCH_HEROKU_TOOL}'"), REJECTED, "refused by name"),
    (refused(400, "tools[0].type must be 'function'"), REJECTED, "may take no heroku_tool"),
    (refused(500, "Failed to parse tools: Unsupported tool type"), ERROR, "HTTP 500"),
    (answer(text="OK", tools=(HEROKU_TOOL,)), ACCEPTED, "accepted in silence"),
    (answer(call(checks.tools.NO_SUCH_HEROKU_TOOL, "{}"), tools=(HEROKU_TOOL,)), ACCEPTED, "as an ordinary tool"),
    (Exchange(request={}, transport_error="connection refused"), "unanswered", "no answer came"),
])
def test_a_heroku_tool_is_observed_as_read_refused_unread_or_taken_in_silence(exchange, code, said):
    found = checks.heroku_tool_observed(exchange)
    assert found.observed == code and said in found.reason
    # Observed only: whatever came, nothing is held against Heroku's docs.
    assert judge("observe-only", found)[0] == INCONCLUSIVE
