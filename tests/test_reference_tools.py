"""The reference server's minimal tool calling (reference_server/tools.py), as pure functions."""
import json

import pytest

from reference_server import newer, tools
from reference_server.validation import RequestError


def tool(name, **properties):
    return {"type": "function", "function": {"name": name, "description": name,
                                             "parameters": {"type": "object", "properties": properties}}}


CITY = {"type": "string"}
TOOLS = [tool("get_weather", city=CITY), tool("get_time", city=CITY, hour={"type": "integer"})]
PROMPT = "Use the get_weather tool for Paris and the get_time tool for Tokyo."


def body(**extra):
    return {"model": "claude-4-5-haiku", "messages": [{"role": "user", "content": PROMPT}], "tools": TOOLS, **extra}


def test_calls_the_tools_the_prompt_names_in_heroku_shape():
    calls = tools.tool_calls(body(), PROMPT, "seed")
    assert [c["function"]["name"] for c in calls] == ["get_weather", "get_time"]
    assert all(c["type"] == "function" and c["id"].startswith("tooluse_") and len(c["id"]) == 30 for c in calls)
    assert json.loads(calls[0]["function"]["arguments"]) == {"city": "Paris"}
    assert json.loads(calls[1]["function"]["arguments"]) == {"city": "Tokyo", "hour": 1}


def test_tool_choice_and_parallel_tool_calls():
    assert tools.tool_calls(body(tool_choice="none"), PROMPT, "s") == []
    named = tools.tool_calls(body(tool_choice={"type": "function", "function": {"name": "get_time"}}), PROMPT, "s")
    assert [c["function"]["name"] for c in named] == ["get_time"]
    assert len(tools.tool_calls(body(tool_choice="required"), "Hello", "s")) == 1
    assert tools.tool_calls(body(), "Hello", "s") == []  # auto: nothing asked for, nothing called
    assert len(tools.tool_calls(body(), PROMPT, "s", parallel=False)) == 1


def test_a_tool_result_is_answered_in_text():
    after = body(messages=[{"role": "user", "content": PROMPT}, {"role": "tool", "tool_call_id": "t", "content": "9"}])
    assert tools.tool_calls(after, PROMPT, "s") == []


def test_the_answer_carries_text_and_finish_reason_tool_calls():
    done = {"id": "chatcmpl-abc", "created": 1, "choices": [{"index": 0, "message": {"role": "assistant",
            "content": "Hello"}, "finish_reason": "stop"}], "usage": {"prompt_tokens": 3, "completion_tokens": 1,
                                                                       "total_tokens": 4}}
    out = newer.extend(done, body(), frozenset())
    choice = out["choices"][0]
    assert choice["finish_reason"] == "tool_calls" and choice["message"]["content"].strip()
    assert out["usage"]["total_tokens"] == out["usage"]["prompt_tokens"] + out["usage"]["completion_tokens"]


@pytest.mark.parametrize("bad", [{"tools": "get_weather"}, {"tool_choice": "sometimes"},
                                 {"tool_choice": {"type": "function", "function": {"name": "nope"}}}])
def test_malformed_tools_are_refused_with_a_400(bad):
    with pytest.raises(RequestError) as err:
        tools.validate_tools(body(**bad))
    assert err.value.status == 400


def test_parallel_tool_calls_is_ignored_for_nova():
    nova = body(model="nova-pro", parallel_tool_calls=False)
    assert newer._parallel(nova, frozenset()) is True
    assert newer._parallel(body(parallel_tool_calls=False), frozenset()) is False


def test_a_stream_opens_each_call_by_index_then_sends_its_arguments_in_pieces():
    from reference_server.app import chunks

    done = {"id": "chatcmpl-abc", "created": 1, "model": "claude-4-5-haiku", "system_fingerprint": "f",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello"}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4}}
    events = [json.loads(line[len("data: "):]) for line in chunks(newer.extend(done, body(), frozenset()), body(),
                                                                  frozenset()) if "[DONE]" not in line]
    deltas = [c["delta"] for e in events for c in e["choices"]]
    streamed = [call for d in deltas for call in d.get("tool_calls", [])]
    openings = [c for c in streamed if "id" in c]
    assert [(c["index"], c["function"]["name"]) for c in openings] == [(0, "get_weather"), (1, "get_time")]
    assert all(set(c) == {"index", "function"} for c in streamed if "id" not in c)  # argument pieces only
    assert events[-1]["choices"][0]["finish_reason"] == "tool_calls"


def test_break_switches_spoil_the_calls_or_ignore_tool_choice():
    schema = {"type": "object", "properties": {"city": CITY, "unit": CITY}, "required": ["city"]}
    strict = [{"type": "function", "function": {"name": "get_weather", "description": "w", "parameters": schema}}]
    spoilt = tools.tool_calls(body(tools=strict), PROMPT, "s", breaks=frozenset({"tools"}))
    assert spoilt[0]["function"]["arguments"] == "{'city': 'Paris', 'unit': 'Paris'}"  # a Python repr, not JSON
    required = body(tool_choice="required")
    assert tools.tool_calls(required, "Hello", "s", breaks=frozenset({"tool-choice-required"})) == []
    named = body(tool_choice={"type": "function", "function": {"name": "get_time"}})
    calls = tools.tool_calls(named, PROMPT, "s", breaks=frozenset({"tool-choice-named"}))
    assert [c["function"]["name"] for c in calls] == ["get_weather"]
    calls = tools.tool_calls(body(tool_choice="none"), PROMPT, "s", breaks=frozenset({"tool-choice-none"}))
    assert [c["function"]["name"] for c in calls] == ["get_weather", "get_time"]


# --- a call cut by max_tokens, and the break switches of forced and streamed calls ----------------------

NOTE = {"type": "function", "function": {"name": "save_note", "description": "n", "parameters": {
    "type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]}}}
NOTE_PROMPT = 'Use the save_note tool to save this note: "The quick brown fox jumps over the lazy dog again and again."'


def note_body(**extra):
    return {"model": "claude-4-5-haiku", "messages": [{"role": "user", "content": NOTE_PROMPT}], "tools": [NOTE],
            "tool_choice": {"type": "function", "function": {"name": "save_note"}}, **extra}


def extended(body, breaks=frozenset()):
    done = {"id": "chatcmpl-abc", "created": 1, "model": "claude-4-5-haiku", "system_fingerprint": "f",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello"}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4}}
    return newer.extend(done, body, breaks)


def test_a_quoted_passage_after_the_tools_name_is_its_string_argument():
    calls = tools.tool_calls(note_body(), NOTE_PROMPT, "s")
    assert json.loads(calls[0]["function"]["arguments"]) == {"text": NOTE_PROMPT.split('"')[1]}


def test_max_tokens_cuts_a_call_mid_arguments_and_says_so():
    whole = extended(note_body())["choices"][0]
    assert whole["finish_reason"] == "tool_calls"
    cut = extended(note_body(max_tokens=12))
    choice = cut["choices"][0]
    arguments = choice["message"]["tool_calls"][0]["function"]["arguments"]
    assert choice["finish_reason"] == "length" and arguments.startswith('{"text": "The')
    with pytest.raises(ValueError):
        json.loads(arguments)
    assert cut["usage"]["completion_tokens"] == 12
    # the break: the same cut, said to be complete
    broken = extended(note_body(max_tokens=12), frozenset({"tools-truncated-args-without-length"}))["choices"][0]
    assert broken["finish_reason"] == "tool_calls" and broken["message"]["tool_calls"][0]["function"]["arguments"] \
        == arguments


def test_a_limit_spent_before_the_call_leaves_text_only():
    choice = extended(note_body(max_tokens=3))["choices"][0]
    assert choice["finish_reason"] == "length" and "tool_calls" not in choice["message"]
    assert choice["message"]["content"] == "I will call"


def test_the_stream_breaks_repeat_the_name_or_ignore_required():
    deltas = tools.stream_deltas(tools.tool_calls(body(), PROMPT, "s")[:1], frozenset({"tools-repeat-name-in-stream"}))
    later = [d["tool_calls"][0] for d in deltas[1:]]
    assert later and all(p["function"]["name"] == "get_weather" and "id" not in p for p in later)
    required = body(tool_choice="required", stream=True)
    ignored = frozenset({"tool-choice-required-ignored-when-streamed"})
    assert tools.tool_calls(required, "Hello", "s", breaks=ignored) == []
    assert len(tools.tool_calls({**required, "stream": False}, "Hello", "s", breaks=ignored)) == 1
    named = body(tool_choice={"type": "function", "function": {"name": "get_time"}}, stream=True)
    ignored = frozenset({"tool-choice-named-ignored-when-streamed"})
    assert [c["function"]["name"] for c in tools.tool_calls(named, "Use the get_weather tool for Paris", "s",
                                                            breaks=ignored)] == ["get_weather"]
    assert [c["function"]["name"] for c in tools.tool_calls({**named, "stream": False}, "Use the get_weather tool",
                                                            "s", breaks=ignored)] == ["get_time"]
