"""A step built from an earlier answer (`after:` and `append:`): declared as data, planned and counted
like any step, built from the answer it follows, not sent when there is nothing to build on, and a
bad declaration is one line naming the file and the case."""
import json
from pathlib import Path

import pytest

from conformance.cases import load_case_file
from conformance.docs import load_docs
from conformance.errors import ConformanceError
from conformance.exchange import Exchange
from conformance.findings import ERROR, HONOURED, UNCLEAR
from conformance.plan import TOOL_CALL_CONTENT, estimate, follow_up, plan_requests, token_ceiling
from conformance.runner import Runner
from conformance.wire.recording import LIVE, Recorder

ROOT = Path(__file__).resolve().parent.parent
DOCS = load_docs(ROOT / "cases" / "docs-tables.yaml")

ROUND_TRIP = """\
cases:
  - id: round-trip
    rows: [advanced.tools]
    title: a round trip
    request:
      messages: [{role: user, content: "Use the get_weather tool for Paris."}]
      max_tokens: 100
      tools:
        - {type: function, function: {name: get_weather, description: d, parameters: {type: object}}}
      tool_choice: required
    steps:
      - name: with_result
        after: probe
        overrides: {tool_choice: null}
        append: [assistant_answer, {tool_results: {get_weather: {temp_c: 17, sky: foggy}}}]
    check: tool_result_used
"""
CALLS = [{"id": "tooluse_1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}},
         {"id": "call_2", "type": "function", "function": {"name": "get_time", "arguments": '{"city": "Tokyo"}'}}]


def load(tmp_path: Path, text: str = ROUND_TRIP):
    path = tmp_path / "tools.yaml"
    path.write_text(text)
    return load_case_file(path, DOCS)


def answer_to(request: dict, content="I will call get_weather.", calls=CALLS[:1], status=200, role="probe"):
    message = {"role": "assistant", "content": content, "refusal": None,
               "reasoning": {"thinking": "the user wants the weather"}}
    if calls:
        message["tool_calls"] = calls
    body = {"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": request["model"],
            "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls" if calls else "stop"}],
            "usage": {"prompt_tokens": 20, "completion_tokens": 10, "total_tokens": 30}}
    if status != 200:
        body = {"error": {"message": "no", "type": "invalid_request_error", "code": status}}
    return Exchange(request=request, role=role, status=status, body=body)


def test_the_step_is_built_from_the_answer_it_follows(tmp_path):
    (case,) = load(tmp_path)
    probe, step = plan_requests(case, "claude-4-5-haiku")
    assert step.after == "probe" and step.role == "with_result"
    two = answer_to(probe.body, calls=CALLS + [{**CALLS[0], "id": "tooluse_3", "function": {
        "name": "get_unknown", "arguments": "{}"}}])
    built = follow_up(step, two)
    assert built.after is None and "tool_choice" not in built.body and built.body["max_tokens"] == 100
    assert built.body["messages"] == [
        probe.body["messages"][0],
        # as returned, without the response-only fields (refusal, reasoning)
        {"role": "assistant", "content": "I will call get_weather.", "tool_calls": two.choice["message"]["tool_calls"]},
        {"role": "tool", "tool_call_id": "tooluse_1", "content": '{"temp_c": 17, "sky": "foggy"}'},
        {"role": "tool", "tool_call_id": "call_2", "content": '{"error": "no such tool"}'},  # no result declared
        {"role": "tool", "tool_call_id": "tooluse_3", "content": '{"error": "no such tool"}'},
    ]
    # the same answer always gives the same request: a cassette matches it as JSON
    assert json.dumps(follow_up(step, two).body) == json.dumps(built.body)


@pytest.mark.parametrize("content", ["", None, "  ", [{"type": "text", "text": "x"}]])
def test_empty_content_beside_calls_is_sent_back_as_a_fixed_text(tmp_path, content):
    (case,) = load(tmp_path)
    probe, step = plan_requests(case, "nova-pro")
    sent = follow_up(step, answer_to(probe.body, content=content)).body["messages"][1]
    assert sent["content"] == TOOL_CALL_CONTENT and sent["tool_calls"] == CALLS[:1]


@pytest.mark.parametrize("earlier", [
    None,                                                       # never sent
    answer_to({"model": "m", "messages": []}, calls=[]),        # answered in text: no call to answer
    answer_to({"model": "m", "messages": []}, status=400),      # refused
    # a call whose function is a string: nothing to answer, the check reports the malformed call
    answer_to({"model": "m", "messages": []}, calls=[CALLS[0], {"id": "c", "type": "function", "function": "x"}]),
])
def test_nothing_to_build_on_means_not_sent(tmp_path, earlier):
    (case,) = load(tmp_path)
    assert follow_up(plan_requests(case, "m")[1], earlier) is None


def test_a_step_appending_a_message_needs_no_call(tmp_path):
    text = ROUND_TRIP.replace("append: [assistant_answer, {tool_results: {get_weather: {temp_c: 17, sky: foggy}}}]",
                              "append: [assistant_answer, {message: {role: user, content: Thanks}}]")
    (case,) = load(tmp_path, text)
    probe, step = plan_requests(case, "m")
    built = follow_up(step, answer_to(probe.body, content="Sunny.", calls=[]))
    assert built.body["messages"][1:] == [{"role": "assistant", "content": "Sunny."},
                                          {"role": "user", "content": "Thanks"}]


def test_the_plan_counts_the_built_step_as_a_request(tmp_path):
    (case,) = load(tmp_path)
    requests, ceiling = estimate(case, "claude-4-5-haiku")
    probe, step = plan_requests(case, "claude-4-5-haiku")
    assert requests == 2
    # its prompt holds the earlier answer (up to its limit) and the results on top of the probe's
    assert ceiling == token_ceiling(probe) + token_ceiling(step) and token_ceiling(step) > token_ceiling(probe) + 100


class FakeClient:
    """Answers each request with a call of get_weather, or in text; records what was sent."""

    sdk = {"name": "stub", "version": "0"}

    def __init__(self, calls: bool):
        self.calls, self.sent = calls, []

    def send(self, body: dict, transport: dict | None = None, refusal_expected: bool = False,
             before_last_retry=None) -> Exchange:
        self.sent.append(body)
        if body["messages"][-1]["role"] == "tool":
            return answer_to(body, content="It is foggy in Paris, 17 degrees.", calls=[])
        return answer_to(body, calls=CALLS[:1] if self.calls else [], content="I will call it." if self.calls
                         else "It is sunny in Paris.")


def runner(client: FakeClient, tmp_path: Path) -> Runner:
    return Runner(client=client, recorder=Recorder(LIVE, tmp_path, "fake", []), docs=DOCS, target="fake",
                  mode=LIVE, cassette_root=tmp_path, record_command="pytest")


def test_the_runner_sends_the_built_step_and_the_check_sees_it(tmp_path):
    (case,) = load(tmp_path)
    client = FakeClient(calls=True)
    results = runner(client, tmp_path).run(case, "claude-4-5-haiku", "t")
    assert [len(body["messages"]) for body in client.sent] == [1, 3]
    assert client.sent[1]["messages"][2]["tool_call_id"] == "tooluse_1"
    (result,) = results
    assert result.observed == HONOURED, result.reason
    assert [r["role"] for r in result.evidence["requests"]] == ["probe", "with_result"]


def test_the_runner_does_not_send_it_when_the_model_made_no_call(tmp_path):
    (case,) = load(tmp_path, ROUND_TRIP.replace("tool_choice: required", "tool_choice: auto"))  # a weak model
    client = FakeClient(calls=False)
    (result,) = runner(client, tmp_path).run(case, "claude-4-5-haiku", "t")
    assert len(client.sent) == 1
    assert result.observed == UNCLEAR and "without calling a tool" in result.reason
    assert result.tokens["requests"] == 1


def test_a_call_whose_function_is_a_string_is_an_error_not_a_crash(tmp_path):
    (case,) = load(tmp_path)
    client = FakeClient(calls=True)
    client.send = lambda body, transport=None, refusal_expected=False, **_: client.sent.append(body) or answer_to(
        body, calls=[{"id": "c", "type": "function", "function": "get_weather"}])
    (result,) = runner(client, tmp_path).run(case, "claude-4-5-haiku", "t")
    assert len(client.sent) == 1  # the step is not built
    assert result.observed == ERROR and "function is" in result.reason, result.reason


def test_a_check_that_keeps_samples_puts_them_in_the_results_evidence(tmp_path):
    text = ROUND_TRIP.replace("""      - name: with_result
        after: probe
        overrides: {tool_choice: null}
        append: [assistant_answer, {tool_results: {get_weather: {temp_c: 17, sky: foggy}}}]
    check: tool_result_used""", """      - {name: samples, overrides: {}, repeat: 2}
    check: tool_arguments_pass_at_k""")
    (case,) = load(tmp_path, text)
    (result,) = runner(FakeClient(calls=True), tmp_path).run(case, "claude-4-5-haiku", "t")
    assert result.reason.startswith("pass@3")
    assert [s["sample"] for s in result.evidence["samples"]] == [1, 2, 3]
    assert len(result.evidence["requests"]) == 3


STEP = """      - name: with_result
        after: probe
        overrides: {tool_choice: null}
        append: [assistant_answer, {tool_results: {get_weather: {temp_c: 17, sky: foggy}}}]
"""


@pytest.mark.parametrize("change, message", [
    ((STEP, STEP.replace("after: probe", "after: control")),
     "step 'with_result' (after 'control'): no request named 'control' is sent before it"),
    (("      tool_choice: required\n", "      tool_choice: required\n      stream: true\n"),
     "'probe' is streamed; build steps on plain answers"),
    (("        after: probe\n", "        after: probe\n        transport: {api_key: wrong}\n"), "remove `transport:`"),
    (("{tool_choice: null}", "{tool_choice: null, messages: []}"), "remove `messages` from `overrides:`"),
    (("{get_weather: {temp_c", "{get_wether: {temp_c"),
     "tool_results for get_wether, which the request does not declare (declared: get_weather)"),
    (("        append: [assistant_answer, {tool_results: {get_weather: {temp_c: 17, sky: foggy}}}]\n", ""),
     "steps[0]: 'append' is a dependency of 'after'"),
    (("[assistant_answer,", "[assistant_reply,"), "steps[0].append[0]"),
    (("check: tool_result_used", "check: tool_call_valid"),
     "check 'tool_call_valid' does not look at a step named 'with_result'"),
    # built on a repeated step: which of its answers?
    (("    steps:\n", "    steps:\n      - {name: first, overrides: {}, repeat: 2}\n"), "after 'first'"),
    # a check that takes the step as a plain Exchange would get None when it is not sent
    (("name: with_result", "name: control"), "must take it as `control: Exchange | None`"),
])
def test_a_bad_declaration_is_one_line_naming_file_and_case(tmp_path, change, message):
    old, new = change
    text = ROUND_TRIP.replace(old, new)
    assert text != ROUND_TRIP
    if "name: first" in text:
        text = text.replace("after: probe", "after: first")
    if "name: control" in text:
        text = text.replace("check: tool_result_used", "check: completion_limit_truncates")
    with pytest.raises(ConformanceError) as err:
        load(tmp_path, text)
    line = str(err.value)
    assert line.startswith(f"{tmp_path / 'tools.yaml'}: case 'round-trip': ") and "\n" not in line
    assert message in line, line


def test_a_forced_call_answered_in_text_is_not_sent_and_is_left_to_tool_choices_row(tmp_path):
    (case,) = load(tmp_path)  # tool_choice required: not forcing is advanced.tool_choice's difference
    (result,) = runner(FakeClient(calls=False), tmp_path).run(case, "claude-4-5-haiku", "t")
    assert result.observed == "unclear" and result.verdict == "inconclusive" and "advanced.tool_choice" in result.reason


def test_a_reproduced_case_keeps_the_built_step(tmp_path):
    import dataclasses

    from conformance.cases import Explore
    from conformance.repro import repro_case

    (case,) = load(tmp_path)
    explored = dataclasses.replace(case, explore=Explore("max_tokens", "integer", 1, 4096, 1))
    (step,) = repro_case(explored, [5000], ["m"])["steps"]
    assert step["after"] == "probe" and step["append"][0] == "assistant_answer"
