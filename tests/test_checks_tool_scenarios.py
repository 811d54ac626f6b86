"""The multi-step tool checks (round trip, parallel calls, streamed calls, pass@k), on hand-built
exchanges: a server that breaks each claim, one that honours it in an unusual but valid way, and a
model too weak to set the situation up (unclear, never a guess)."""
import pytest

from conformance import checks
from conformance.exchange import Exchange
from conformance.findings import ERROR, HONOURED, IGNORED, REJECTED, UNCLEAR
from conformance.verdicts import AGREES, DIFFERS, INCONCLUSIVE, judge

CITY = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
PROMPT = {"role": "user", "content": "Use the get_weather tool for Paris, then tell me what the weather is there."}
RESULT = '{"temp_c": 17, "sky": "foggy"}'


def tool(name, parameters=CITY):
    return {"type": "function", "function": {"name": name, "description": name, "parameters": parameters}}


WEATHER, TIME = tool("get_weather"), tool("get_time")
FORCED = {"type": "function", "function": {"name": "get_weather"}}


def call(name="get_weather", arguments='{"city": "Paris"}', id="tooluse_abcdefghijklmnopqrstuv"):
    return {"id": id, "type": "function", "function": {"name": name, "arguments": arguments}}


def answer(*calls, text="I will call get_weather.", finish=None, tools=(WEATHER,), messages=(PROMPT,), role="probe",
           **request):
    message = {"role": "assistant", "content": text}
    if calls:
        message["tool_calls"] = list(calls)
    body = {"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "m",
            "choices": [{"index": 0, "message": message,
                         "finish_reason": finish or ("tool_calls" if calls else "stop")}],
            "usage": {"prompt_tokens": 30, "completion_tokens": 9, "total_tokens": 39}}
    return Exchange(request={"model": "m", "messages": list(messages), "tools": list(tools), **request},
                    role=role, status=200, body=body)


def verdict(found, promise="accepted-with-effect"):
    return judge(promise, found)[0]


# --- round trip ------------------------------------------------------------------------------------------

PROBE = answer(call())


def with_result(text, *calls, finish=None, result=RESULT, call_id="tooluse_abcdefghijklmnopqrstuv"):
    sent = [PROMPT, {"role": "assistant", "content": "I will call get_weather.", "tool_calls": [call(id=call_id)]},
            {"role": "tool", "tool_call_id": call_id, "content": result}]
    return answer(*calls, text=text, finish=finish, messages=sent, role="with_result")


@pytest.mark.parametrize("text", [
    "It is foggy in Paris right now, 17 degrees.",
    "Paris: Fog, 17°C.",                        # the word's stem, capitalised; a number with a unit
    "Right now Paris sits at 17 °C under grey skies.",  # the number alone
    "It's seventeen degrees in Paris.",          # a small number in words
    "Paris is at 17.0 degrees.",                 # the number written as a decimal
    "Foggy in Paris, 17 °C; the tool returned no data about wind.",  # "no data" about something else
])
def test_a_final_answer_that_uses_the_result_honours_the_round_trip(text):
    found = checks.tool_result_used(PROBE, with_result(text))
    assert found.observed == HONOURED and verdict(found) == AGREES, found.reason


def test_number_words_count_for_small_whole_numbers_only():
    assert checks.tool_result_used(PROBE, with_result("Twenty-one degrees in Paris.", result='{"temp_c": 21}'))\
        .observed == HONOURED
    assert checks.tool_result_used(PROBE, with_result("Paris: seventy degrees.", result='{"temp_c": 17}'))\
        .observed == UNCLEAR


def test_an_unusual_call_id_and_a_result_that_is_plain_text_still_honour_it():
    probe = answer(call(id="call_9"), text=None)
    found = checks.tool_result_used(probe, with_result("Paris is misty today.", result="misty", call_id="call_9"))
    assert found.observed == HONOURED and "'misty'" in found.reason


@pytest.mark.parametrize("text", [
    "get_weather returned no data for Paris.",   # the reference server's --break tool-result-ignored
    "The get_weather tool returned nothing.",
    "The tool gave an empty result, so I cannot say.",
    "Sorry, the tool response was empty.",
])
def test_an_answer_that_says_the_tool_returned_nothing_is_ignored(text):
    found = checks.tool_result_used(PROBE, with_result(text))
    assert found.observed == IGNORED and "'foggy'" in found.reason and verdict(found) == DIFFERS, found.reason


@pytest.mark.parametrize("text", [
    "It's misty in Paris, around sixty-three Fahrenheit.",   # a paraphrase of the result
    "In Paris it is 62.6 °F and hazy.",                      # converted
    "I called get_weather for Paris.",                       # a weak model echoing the call
    "I don't have real-time data for Paris.",                # a weak model's stock refusal: not about the result
    "Paris is at 170 metres; it is sunny there.",            # a number inside another number is not the result
])
def test_an_answer_about_the_call_without_the_results_values_is_unclear(text):
    found = checks.tool_result_used(PROBE, with_result(text))
    assert found.observed == UNCLEAR and "Paris" in found.reason and verdict(found) == INCONCLUSIVE, found.reason


def test_the_result_refused_is_a_rejection():
    refused = Exchange(request=with_result("x").request, role="with_result", status=400,
                       body={"error": {"message": "messages.2: tool results are not supported"}})
    found = checks.tool_result_used(PROBE, refused)
    assert found.observed == REJECTED and verdict(found) == DIFFERS


@pytest.mark.parametrize("probe, follow, why", [
    (answer(text="It is probably sunny in Paris."), None, "without calling a tool"),
    (PROBE, None, "not sent"),
    (PROBE, with_result("", call(id="tooluse_2")), "called a tool again with the same arguments"),
    (PROBE, with_result("", call(arguments='{"city": "Lyon"}', id="t2")), "called a tool again instead"),
    (PROBE, with_result("", finish="length"), "token limit"),
    (PROBE, with_result("OK."), "neither"),                  # says nothing of the call: a weak model
    (PROBE, with_result("The weather in Par", finish="length"), "neither"),  # cut before it said anything
])
def test_a_model_that_does_not_make_the_round_trip_is_unclear(probe, follow, why):
    found = checks.tool_result_used(probe, follow)
    assert found.observed == UNCLEAR and why in found.reason, found.reason
    assert verdict(found) == INCONCLUSIVE


def test_a_forced_call_answered_in_text_is_tool_choices_and_a_bad_call_the_servers():
    forced = answer(text="It is sunny.", tool_choice=FORCED)
    found = checks.tool_result_used(forced, None)
    assert found.observed == UNCLEAR and "advanced.tool_choice" in found.reason
    bad = answer(call(arguments="{'city': 'Paris'}"))
    assert checks.tool_result_used(bad, with_result("foggy")).observed == ERROR
    malformed = answer({"id": "call_1", "type": "function", "function": "get_weather"})
    assert checks.tool_result_used(malformed, None).observed == ERROR
    weak = answer(call(arguments="{}"))  # a schema the model missed: the round trip is not made for it
    assert checks.tool_result_used(weak, None).observed == UNCLEAR


# --- parallel calls --------------------------------------------------------------------------------------

TWO = dict(tools=(WEATHER, TIME))


def test_both_tools_called_in_one_answer_honour_parallel_calls():
    found = checks.parallel_calls_made(answer(call(), call("get_time", '{"city": "Tokyo"}', id="tooluse_2"), **TWO))
    assert found.observed == HONOURED and verdict(found) == AGREES


def test_unusual_ids_no_text_and_an_extra_call_still_honour_it():
    calls = [call(id="call_a"), call("get_time", '{"city": "Tokyo"}', id="fc_b"), call(arguments='{"city": "Rome"}',
                                                                                       id="c")]
    assert checks.parallel_calls_made(answer(*calls, text=None, **TWO)).observed == HONOURED


def test_two_calls_with_one_id_are_an_error():
    found = checks.parallel_calls_made(answer(call(id="same"), call("get_time", id="same"), **TWO))
    assert found.observed == ERROR and "share the id 'same'" in found.reason and verdict(found) == DIFFERS


@pytest.mark.parametrize("calls", [[call()], [], [call(), call(arguments='{"city": "Tokyo"}', id="b")]])
def test_one_call_text_or_one_tool_twice_is_the_models_choice(calls):
    found = checks.parallel_calls_made(answer(*calls, text="Paris is sunny.", **TWO))
    assert found.observed == UNCLEAR and verdict(found) == INCONCLUSIVE


# --- streamed calls --------------------------------------------------------------------------------------

def chunk(delta=None, finish=None):
    return {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m",
            "choices": [{"index": 0, "delta": delta or {}, "finish_reason": finish}]}


def fragments(*parts, finish="tool_calls"):
    return [chunk({"tool_calls": [p]}) for p in parts] + [chunk(finish=finish)]


def opening(index=0, id="call_abc", name="get_weather", arguments=""):
    return {"index": index, "id": id, "type": "function", "function": {"name": name, "arguments": arguments}}


def piece(text, index=0):
    return {"index": index, "function": {"arguments": text}}


def streamed(events, forced=True, **request):
    extra = {"tool_choice": FORCED} if forced else {}
    request = {"model": "m", "messages": [PROMPT], "stream": True, "tools": [WEATHER], **extra, **request}
    events = [chunk({"role": "assistant", "content": ""}), *events]
    return Exchange(request=request, stream=True, status=200, events=events, done_marker=True)


def test_a_call_streamed_as_openai_does_honours_streamed_tools():
    found = checks.streamed_tool_call_valid(streamed(fragments(opening(), piece('{"city": '), piece('"Paris"}'))))
    assert found.observed == HONOURED and "3 fragment(s)" in found.reason and verdict(found) == AGREES


def test_unusual_but_valid_streams_honour_it():
    args = '{"city": "Paris"}'
    one_char_each = fragments(opening(id="tooluse_x"), *(piece(c) for c in args))
    assert checks.streamed_tool_call_valid(streamed(one_char_each)).observed == HONOURED
    # the whole call in its first fragment, beside an empty content, and a type repeated later (the SDK sets it)
    whole = [chunk({"content": "", "tool_calls": [opening(arguments=args)]}),
             chunk({"tool_calls": [{"index": 0, "type": "function", "function": {"arguments": ""}}]}),
             chunk(finish="stop")]
    assert checks.streamed_tool_call_valid(streamed(whole)).observed == HONOURED
    # two calls, their fragments interleaved, under auto
    two = fragments(opening(), opening(1, "call_2"), piece(args, 1), piece(args))
    assert checks.streamed_tool_call_valid(streamed(two, forced=False)).observed == HONOURED


@pytest.mark.parametrize("events, problem", [
    (fragments(opening(), piece('{"city": ', 1), piece('"Paris"}', 2)), "the first fragment of call 1 lacks id"),
    (fragments(piece('{"city": "Paris"}'), {"index": 0, "id": "c", "function": {"name": "get_weather"}}),
     "the first fragment of call 0 lacks id, function.name"),
    (fragments({**opening(), "type": "tool"}, piece('{"city": "Paris"}')), "has type 'tool'"),
    (fragments(opening(), {**opening(arguments='{"city": "Paris"}'), "type": "function"}), "repeats id 'call_abc'"),
    (fragments(opening(), {"index": 0, "id": "other", "function": {"arguments": "{}"}}), "another id 'other'"),
    # what OpenAI's clients make of a name repeated: the openai SDK's accumulator appends it
    (fragments(opening(), {"index": 0, "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}),
     "repeats function.name 'get_weather', which OpenAI's clients append: they get 'get_weatherget_weather'"),
    (fragments(opening(), piece('{"city": "Paris"')), "invalid JSON"),
    (fragments(opening(), piece("[]")), "not an object"),
    (fragments(opening(), piece('{"city": "Paris"}'), {"function": {"arguments": ""}}), "no integer index"),
    (fragments(opening(index=1), piece('{"city": "Paris"}', 1)), "indexes are [1]"),
    (fragments(opening(), piece('{"city": "Paris"}'), finish="stop"), None),  # forced: stop allowed
])
def test_a_stream_whose_fragments_do_not_make_a_call_is_an_error(events, problem):
    found = checks.streamed_tool_call_valid(streamed(events))
    if problem is None:
        assert found.observed == HONOURED
        return
    assert found.observed == ERROR and problem in found.reason, found.reason
    assert verdict(found) == DIFFERS


def test_a_first_fragment_without_type_is_fine_and_noted():
    no_type = {"index": 0, "id": "call_abc", "function": {"name": "get_weather", "arguments": ""}}
    found = checks.streamed_tool_call_valid(streamed(fragments(no_type, piece('{"city": "Paris"}'))))
    assert found.observed == HONOURED and "opened without type" in found.reason and verdict(found) == AGREES


def test_streamed_arguments_that_miss_the_schema_are_the_models():
    found = checks.streamed_tool_call_valid(streamed(fragments(opening(), piece('{"town": "Paris"}'))))
    assert found.observed == UNCLEAR and "schema mismatch at $" in found.reason and verdict(found) == INCONCLUSIVE


def test_a_stream_answered_as_one_body_is_ignored():
    plain = Exchange(request={"model": "m", "stream": True, "tools": [WEATHER], "tool_choice": FORCED}, stream=True,
                     status=200, body=answer(call()).body)
    found = checks.streamed_tool_call_valid(plain)
    assert found.observed == IGNORED and verdict(found) == DIFFERS


def test_a_stream_without_a_call_is_unclear_unless_forced():
    text = [chunk({"content": "It is sunny."}), chunk(finish="stop")]
    assert checks.streamed_tool_call_valid(streamed(text, forced=False)).observed == UNCLEAR
    forced = checks.streamed_tool_call_valid(streamed(text))  # not forcing: advanced.tool_choice's difference
    assert forced.observed == UNCLEAR and "advanced.tool_choice" in forced.reason
    cut = fragments(opening(), piece('{"ci'), finish="length")
    found = checks.streamed_tool_call_valid(streamed(cut))
    assert found.observed == UNCLEAR and "token limit" in found.reason


def test_the_openai_sdks_own_accumulator_judges_what_a_client_gets():
    from conformance.checks.tool_streams import client_calls, client_problem

    repeated = streamed(fragments(opening(), {"index": 0, "function": {"name": "get_weather", "arguments": "{}"}}))
    assert client_calls(repeated)[0][0]["function"]["name"] == "get_weatherget_weather"
    sent = [{"id": "call_abc", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}]
    assert "'get_weatherget_weather', not the declared 'get_weather'" in client_problem(repeated, sent,
                                                                                        {"get_weather": {}})
    # a type repeated later is replaced, not appended: nothing for a client to trip on
    retyped = streamed(fragments(opening(), {"index": 0, "type": "function", "function": {"arguments": "{}"}}))
    assert client_problem(retyped, sent, {"get_weather": {}}) is None


# --- a forced call cut by max_tokens ----------------------------------------------------------------------

NOTE = tool("save_note", {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]})
CUT = dict(tools=(NOTE,), tool_choice={"type": "function", "function": {"name": "save_note"}}, max_tokens=30)


def note(arguments, id="call_n"):
    return call("save_note", arguments, id=id)


@pytest.mark.parametrize("arguments, finish", [('{"text": "The quick brown', "length"),
                                               ('{"text": "The quick brown fox"}', "length"),  # whole, and said cut
                                               ("", "length")])  # cut before any argument
def test_a_cut_call_flagged_by_finish_reason_length_honours_it(arguments, finish):
    found = checks.cut_tool_call_flagged(answer(note(arguments), finish=finish, **CUT))
    assert found.observed == HONOURED and verdict(found) == AGREES, found.reason
    streamed_cut = streamed(fragments(opening(name="save_note"), piece(arguments), finish=finish), **CUT)
    assert checks.cut_tool_call_flagged(streamed_cut).observed == HONOURED


@pytest.mark.parametrize("finish", ["tool_calls", "stop"])
def test_cut_arguments_said_complete_are_an_error(finish):
    found = checks.cut_tool_call_flagged(answer(note('{"text": "The quick brown'), finish=finish, **CUT))
    assert found.observed == ERROR and "broken JSON" in found.reason and verdict(found) == DIFFERS, found.reason
    streamed_cut = streamed(fragments(opening(name="save_note"), piece('{"text": "The qu'), finish=finish), **CUT)
    assert checks.cut_tool_call_flagged(streamed_cut).observed == ERROR


def test_a_cut_call_in_the_servers_wrong_format_is_an_error_whatever_the_finish():
    found = checks.cut_tool_call_flagged(answer({**note('{"text": "The'), "id": ""}, finish="length", **CUT))
    assert found.observed == ERROR and "missing id" in found.reason
    repeated = fragments(opening(name="save_note"), {"index": 0, "function": {"name": "save_note", "arguments": "{"}},
                         finish="length")
    assert checks.cut_tool_call_flagged(streamed(repeated, **CUT)).observed == ERROR


@pytest.mark.parametrize("probe, why", [
    (answer(note('{"text": ""}'), **CUT), "came whole"),                         # a weak model's shortest call
    (answer(text="This tiny model gives", finish="length", **CUT), "before any call"),  # text first, then cut
    (answer(text="I saved it.", **CUT), "advanced.tool_choice"),                   # not forced: tool_choice's row
    (answer(note('{"note": "x"}'), finish="length", **CUT), "schema mismatch"),    # whole, flagged, but the model's
])
def test_a_call_not_cut_or_not_made_shows_nothing_of_the_cut(probe, why):
    found = checks.cut_tool_call_flagged(probe)
    assert found.observed == UNCLEAR and why in found.reason and verdict(found) == INCONCLUSIVE, found.reason


# --- pass@k ----------------------------------------------------------------------------------------------

def samples(*answers):
    return [Exchange(request=a.request, role="samples", status=a.status, body=a.body) for a in answers]


def test_every_sample_valid_is_pass_at_k_with_each_sample_kept():
    found = checks.tool_arguments_pass_at_k(answer(call()), samples(answer(call(id="call_1")), answer(text="Sunny.")))
    assert found.observed == HONOURED and found.reason == "pass@3: 2 of 3 samples make a valid call"
    kept = found.evidence["samples"]
    assert [s["outcome"] for s in kept] == ["valid", "valid", "text"]
    assert kept[1] == {"sample": 2, "request": "samples", "status": 200, "outcome": "valid",
                       "calls": [{"name": "get_weather", "arguments": '{"city": "Paris"}'}]}


def test_every_sample_malformed_is_an_error():
    bad = answer(call(arguments="{'city': 'Paris'}"))
    found = checks.tool_arguments_pass_at_k(bad, samples(bad, bad))
    assert found.observed == ERROR and found.reason.startswith("pass@3 fails: 0 of 3") and verdict(found) == DIFFERS
    assert [s["outcome"] for s in found.evidence["samples"]] == ["invalid"] * 3


def test_one_malformed_sample_among_valid_ones_is_still_the_servers():
    bad = answer(call(arguments='["Paris"]'))
    found = checks.tool_arguments_pass_at_k(answer(call()), samples(bad, answer(call())))
    assert found.observed == ERROR and found.reason.startswith("pass@3 holds: 2 of 3") and "1 sample(s)" in found.reason


def test_a_call_whose_function_is_not_an_object_is_an_error_not_a_crash():
    bad = answer({"id": "call_1", "type": "function", "function": "get_weather"})
    found = checks.tool_arguments_pass_at_k(bad, samples(bad, bad))
    assert found.observed == ERROR and "function is" in found.reason
    assert found.evidence["samples"][0]["calls"] == [{"id": "call_1", "type": "function", "function": "get_weather"}]


def test_samples_that_miss_the_schema_are_the_models_sampling():
    weak = answer(call(arguments='{"city": 75001}'))
    found = checks.tool_arguments_pass_at_k(weak, samples(weak, answer(call("weather"))))
    assert found.observed == UNCLEAR and verdict(found) == INCONCLUSIVE
    assert found.reason.startswith("pass@3 fails: 0 of 3")
    assert "schema mismatch at $.city" in found.reason
    assert [s["outcome"] for s in found.evidence["samples"]] == ["mismatch"] * 3


def test_mixed_samples_and_a_model_that_never_calls_are_unclear():
    mixed = checks.tool_arguments_pass_at_k(answer(call()), samples(answer(call(arguments="{}")), answer(call())))
    assert mixed.observed == UNCLEAR and "pass@3 holds" in mixed.reason and len(mixed.evidence["samples"]) == 3
    text = answer(text="Sunny.")
    weak = checks.tool_arguments_pass_at_k(text, samples(text, text))
    assert weak.observed == UNCLEAR and verdict(weak) == INCONCLUSIVE
    forced = answer(text="Sunny.", tool_choice=FORCED)
    assert checks.tool_arguments_pass_at_k(forced, samples(forced, forced)).observed == UNCLEAR
    cut = answer(call(arguments='{"ci'), finish="length")
    assert [s["outcome"] for s in checks.tool_arguments_pass_at_k(cut, samples(cut)).evidence["samples"]] == ["cut"] * 2


def test_a_failed_sample_ends_the_check_and_keeps_the_others():
    failed = Exchange(request=answer().request, role="samples", status=500, body={"error": {"message": "boom"}})
    found = checks.tool_arguments_pass_at_k(answer(call()), [failed, *samples(answer(call()))])
    assert found.observed == REJECTED and found.status == 500
    assert [s["outcome"] for s in found.evidence["samples"]] == ["valid", "failed", "valid"]


def two_results(text):
    calls = [call(id="a"), call("get_time", '{"city": "Tokyo"}', id="b")]
    sent = [PROMPT, {"role": "assistant", "content": "I will call both.", "tool_calls": calls},
            {"role": "tool", "tool_call_id": "a", "content": RESULT},
            {"role": "tool", "tool_call_id": "b", "content": '{"local_time": "21:40"}'}]
    return answer(*calls, tools=(WEATHER, TIME)), answer(text=text, messages=sent, role="with_result")


def test_parallel_results_each_used_honour_the_round_trip_and_some_used_is_unclear():
    both = checks.tool_result_used(*two_results("Paris is foggy; in Tokyo it is 21:40."))
    assert both.observed == HONOURED and "'21:40'" in both.reason
    one = checks.tool_result_used(*two_results("Paris is foggy and Tokyo is asleep."))
    assert one.observed == UNCLEAR and "1 of 2 tool results" in one.reason and "'21:40'" in one.reason
    none = checks.tool_result_used(*two_results("get_weather returned no data for Paris. get_time returned no "
                                                "data for Tokyo."))
    assert none.observed == IGNORED and verdict(none) == DIFFERS
    # one result used, the other said to be empty: that one did not reach the model
    half = checks.tool_result_used(*two_results("Paris is foggy; get_time returned no data for Tokyo."))
    assert half.observed == IGNORED
    vague = checks.tool_result_used(*two_results("I could not get data for Paris or Tokyo."))
    assert vague.observed == UNCLEAR and verdict(vague) == INCONCLUSIVE
