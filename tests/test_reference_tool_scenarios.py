"""The reference server's multi-step tool behaviour: tool results answered, results validated by
call id, calls streamed in OpenAI's fragments, and the break switches of each."""
import json

import pytest

from reference_server import tools
from reference_server.validation import RequestError

CALL = {"id": "tooluse_1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}
ASKED = [{"role": "user", "content": "Use the get_weather tool for Paris."},
         {"role": "assistant", "content": "I will call get_weather.", "tool_calls": [CALL]}]
RESULT = {"role": "tool", "tool_call_id": "tooluse_1", "content": '{"temp_c": 17, "sky": "foggy"}'}


def test_a_tool_result_is_answered_with_its_content():
    assert tools.answer_to_results(ASKED + [RESULT]) == 'get_weather for Paris says: {"temp_c": 17, "sky": "foggy"}.'
    assert tools.answer_to_results(ASKED) is None  # not after a tool result
    broken = tools.answer_to_results(ASKED + [RESULT], frozenset({"tool-result-ignored"}))
    assert broken == "get_weather returned no data for Paris."


@pytest.mark.parametrize("messages, problem", [
    (ASKED + [{**RESULT, "tool_call_id": "tooluse_9"}], "answers no tool call"),
    (ASKED + [{"role": "user", "content": "and?"}], "have no tool result"),
    (ASKED, "have no tool result"),
    ([ASKED[0], RESULT], "answers no tool call"),
])
def test_tool_results_must_answer_the_calls_before_them(messages, problem):
    with pytest.raises(RequestError) as err:
        tools.validate_tool_results(messages)
    assert err.value.status == 400 and problem in err.value.message
    tools.validate_tool_results(ASKED + [RESULT, {"role": "user", "content": "Thanks."}])


def test_calls_stream_as_openai_fragments():
    two = [CALL, {**CALL, "id": "tooluse_2"}]
    deltas = tools.stream_deltas(two)
    openings = [d["tool_calls"][0] for d in deltas if "id" in d["tool_calls"][0]]
    assert [(o["index"], o["id"], o["function"]) for o in openings] == [
        (0, "tooluse_1", {"name": "get_weather", "arguments": ""}), (1, "tooluse_2", {"name": "get_weather",
                                                                                     "arguments": ""})]
    joined = {}
    for d in deltas:
        part = d["tool_calls"][0]
        joined[part["index"]] = joined.get(part["index"], "") + part["function"]["arguments"]
    assert [json.loads(v) for v in joined.values()] == [{"city": "Paris"}] * 2 and len(deltas) > 4
    broken = tools.stream_deltas([CALL], frozenset({"tool-stream-fragments-broken"}))
    assert sorted({d["tool_calls"][0]["index"] for d in broken}) == list(range(len(broken)))


def test_parallel_calls_share_an_id_only_under_the_break():
    body = {"messages": [{"role": "user", "content": "Use get_weather for Paris and get_time for Tokyo."}],
            "tools": [{"type": "function", "function": {"name": n, "parameters": {}}}
                      for n in ("get_weather", "get_time")]}
    prompt = body["messages"][0]["content"]
    assert len({c["id"] for c in tools.tool_calls(body, prompt, "s")}) == 2
    same = tools.tool_calls(body, prompt, "s", breaks=frozenset({"parallel-calls-same-id"}))
    assert len(same) == 2 and len({c["id"] for c in same}) == 1
