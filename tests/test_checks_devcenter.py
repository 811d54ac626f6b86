"""The newer Dev Center table's checks, on hand-built exchanges: a server that breaks each claim, one
that honours it in an unusual but valid way, and a model too weak to show the effect."""
import json

from conformance import checks
from conformance.exchange import Exchange
from conformance.findings import ERROR, HONOURED, IGNORED, REJECTED, UNCLEAR

COUNT = [{"role": "user", "content": "Count from 1 to 60, separated by commas. Reply with the numbers only."}]


def answer(text="1, 2, 3", finish="stop", completion_tokens=5, message=None, choice=None, usage=None, **request):
    body = {
        "id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "claude-4-5-sonnet",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text, **(message or {})},
                     "finish_reason": finish, **(choice or {})}],
        "usage": usage or {"prompt_tokens": 16, "completion_tokens": completion_tokens,
                           "total_tokens": 16 + completion_tokens},
    }
    return Exchange(request={"model": "claude-4-5-sonnet", "messages": COUNT, **request}, status=200, body=body)


def refused(status=400, message="no", code=None, **request):
    return Exchange(request={"model": "claude-4-5-sonnet", **request}, status=status,
                    body={"error": {"message": message, "type": "invalid_request_error", "code": code or status}})


LONG = answer("1, 2, 3, ..., 60", completion_tokens=119)


# max_completion_tokens

def test_max_completion_tokens_truncates_or_is_ignored():
    cut = answer("1, 2, 3, 4", finish="length", completion_tokens=8, max_completion_tokens=8)
    assert checks.completion_limit_truncates(cut, LONG).observed == HONOURED
    ignored = answer("1, 2, ..., 60", completion_tokens=119, max_completion_tokens=8)
    finding = checks.completion_limit_truncates(ignored, LONG)
    assert finding.observed == IGNORED and "completion_tokens=119" in finding.reason
    # stopped early but claims it finished on its own
    wrong_reason = answer("1, 2, 3, 4", finish="stop", completion_tokens=8, max_completion_tokens=8)
    assert checks.completion_limit_truncates(wrong_reason, LONG).observed == IGNORED
    unknown = refused(message="Unrecognized request argument supplied: max_completion_tokens", max_completion_tokens=8)
    assert checks.completion_limit_truncates(unknown, LONG).observed == REJECTED


def test_max_completion_tokens_with_a_terse_model_is_unclear():
    short = answer("1-60", completion_tokens=3)
    probe = answer("1-60", completion_tokens=3, max_completion_tokens=8)
    assert checks.completion_limit_truncates(probe, short).observed == UNCLEAR


def test_both_limits_the_smaller_wins_or_a_clean_refusal():
    smaller = answer("1, 2, 3", finish="length", completion_tokens=10, max_tokens=30, max_completion_tokens=10)
    assert checks.both_limits(smaller, LONG).observed == HONOURED
    # OpenAI's own answer to the pair
    openai_400 = refused(message="Setting 'max_tokens' and 'max_completion_tokens' at the same time is not supported.",
                         code="invalid_parameter_combination", max_tokens=30, max_completion_tokens=10)
    assert checks.both_limits(openai_400, LONG).observed == HONOURED
    # which of two limits wins is documented nowhere: the larger one winning is unclear...
    larger = answer("1, 2, ...", finish="length", completion_tokens=30, max_tokens=30, max_completion_tokens=10)
    finding = checks.both_limits(larger, LONG)
    assert finding.observed == UNCLEAR and "the larger limit won" in finding.reason
    # ...but going beyond both is not
    beyond = answer("1, 2, ...", finish="stop", completion_tokens=45, max_tokens=30, max_completion_tokens=10)
    assert checks.both_limits(beyond, LONG).observed == IGNORED
    # a 400 that names only one parameter says it does not know it, not that the pair is refused
    unknown = refused(message="Unrecognized request argument supplied: max_completion_tokens",
                      max_tokens=30, max_completion_tokens=10)
    assert checks.both_limits(unknown, LONG).observed == REJECTED
    crash = refused(500, "Failed to execute chat", max_tokens=30, max_completion_tokens=10)
    assert checks.both_limits(crash, LONG).observed == REJECTED  # judged a server error, never clean


# stream_options

def chunk(choices=None, usage=None):
    event = {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m",
             "choices": choices if choices is not None else [{"index": 0, "delta": {"content": "1"}}]}
    if usage is not None:
        event["usage"] = usage
    return event


def stream(*events, done=True, after_done=0):
    return Exchange(request={"model": "m", "stream": True}, stream=True, status=200, events=list(events),
                    done_marker=done, after_done=after_done)


USAGE = {"prompt_tokens": 16, "completion_tokens": 23, "total_tokens": 39}


def test_usage_chunk_exactly_when_asked():
    plain = stream(chunk(), chunk())
    asked = stream(chunk(), chunk(), chunk([], USAGE))
    assert checks.usage_chunk_when_asked(asked, plain).observed == HONOURED
    # OpenAI's own form: every other chunk says usage: null
    with_nulls = stream(chunk(usage=None) | {"usage": None}, chunk([], USAGE))
    assert checks.usage_chunk_when_asked(with_nulls, plain).observed == HONOURED
    assert checks.usage_chunk_when_asked(plain, plain).observed == IGNORED
    always = checks.usage_chunk_when_asked(asked, asked)
    assert always.observed == IGNORED and "whether or not" in always.reason


def test_usage_chunk_in_the_wrong_shape_is_an_error():
    on_the_last_choice = stream(chunk(), chunk(usage=USAGE))
    assert checks.usage_chunk_when_asked(on_the_last_choice, stream(chunk())).observed == ERROR
    not_counts = stream(chunk(), chunk([], {"prompt_tokens": "16", "completion_tokens": 23, "total_tokens": 39}))
    assert checks.usage_chunk_when_asked(not_counts, stream(chunk())).observed == ERROR
    # a sum that does not add up is the response-structure row's difference, not this one's
    bad_sum = stream(chunk(), chunk([], {"prompt_tokens": 16, "completion_tokens": 23, "total_tokens": 40}))
    assert checks.usage_chunk_when_asked(bad_sum, stream(chunk())).observed == HONOURED
    in_every_chunk = stream(chunk(usage=USAGE), chunk([], USAGE))
    assert checks.usage_chunk_when_asked(in_every_chunk, stream(chunk())).observed == ERROR
    after_done = stream(chunk(), chunk([], USAGE), after_done=1)
    assert checks.usage_chunk_when_asked(after_done, stream(chunk())).observed == ERROR


# parallel_tool_calls

def calls(*names):
    return [{"id": f"tooluse_{'x' * 22}", "type": "function",
             "function": {"name": n, "arguments": json.dumps({"city": "Paris"})}} for n in names]


def tool_answer(*names, **request):
    finish = "tool_calls" if names else "stop"
    return answer("I will look that up.", finish, message={"tool_calls": calls(*names)} if names else None,
                  **request)


def test_parallel_tool_calls_false_limits_to_one():
    both = [tool_answer("get_weather", "get_time")] * 3
    one = tool_answer("get_weather", parallel_tool_calls=False)
    assert checks.parallel_calls_limited(one, [one, one], both).observed == HONOURED
    two = tool_answer("get_weather", "get_time", parallel_tool_calls=False)
    ignored = checks.parallel_calls_limited(one, [one, two], both)  # any answer with two calls
    assert ignored.observed == IGNORED and "get_weather, get_time" in ignored.reason


def test_parallel_tool_calls_with_a_model_that_varies_or_calls_one_tool_anyway_is_unclear():
    one = tool_answer("get_weather", parallel_tool_calls=False)
    # one control of three made a single call: the model's own choice, so one call proves nothing
    both = tool_answer("get_weather", "get_time")
    varying = [both, tool_answer("get_weather"), both]
    assert checks.parallel_calls_limited(one, [one, one], varying).observed == UNCLEAR
    # no call at all with the limit: nothing shows one call at a time
    both = [tool_answer("get_weather", "get_time")] * 3
    none = tool_answer(parallel_tool_calls=False)
    assert checks.parallel_calls_limited(none, [one, one], both).observed == UNCLEAR


# reasoning_effort

def billed(tokens, **request):
    return answer("391", usage={"prompt_tokens": 16, "completion_tokens": tokens, "total_tokens": 16 + tokens},
                  **request)


def test_reasoning_effort_shows_reasoning():
    plain = [answer("391")] * 3
    heroku = answer("391", message={"reasoning": {"thinking": "17 * 23 = 391"}}, reasoning_effort="low")
    assert checks.reasoning_effort_has_effect(heroku, plain).observed == HONOURED
    # other servers: reasoning_content, or only reasoning_tokens in usage
    other = answer("391", message={"reasoning_content": "17 * 23 = 391"}, reasoning_effort="low")
    assert checks.reasoning_effort_has_effect(other, plain).observed == HONOURED
    tokens_only = answer("391", usage={"prompt_tokens": 16, "completion_tokens": 90, "total_tokens": 106,
                                       "completion_tokens_details": {"reasoning_tokens": 88}}, reasoning_effort="low")
    assert checks.reasoning_effort_has_effect(tokens_only, plain).observed == HONOURED
    ignored = checks.reasoning_effort_has_effect(answer("391", reasoning_effort="low"), plain)
    assert ignored.observed == IGNORED and "no reasoning" in ignored.reason


def test_hidden_reasoning_is_seen_in_the_bill():
    # Heroku shows thinking only with include_reasoning, but bills it as completion tokens
    plain = [billed(3), billed(4), billed(3)]
    found = checks.reasoning_effort_has_effect(billed(412, reasoning_effort="low"), plain)
    assert found.observed == HONOURED and "hidden thinking" in found.reason
    no_usage = answer("391", reasoning_effort="low")
    del no_usage.body["usage"]
    assert checks.reasoning_effort_has_effect(no_usage, plain).observed == UNCLEAR


def test_a_small_but_real_rise_in_the_bill_is_never_called_ignored():
    # billed well above every control but under the old fixed 2x + 20: unclear, with both figures
    controls = [billed(30), billed(31), billed(30)]
    found = checks.reasoning_effort_has_effect(billed(40, reasoning_effort="low"), controls)
    assert found.observed == UNCLEAR and "completion_tokens 40 against 30-31 without it" in found.reason
    # inside the controls' own spread: no effect
    assert checks.reasoning_effort_has_effect(billed(31, reasoning_effort="low"), controls).observed == IGNORED
    # controls that vary widely themselves: a probe a little above them is not an effect
    wide = [billed(20), billed(60), billed(35)]
    assert checks.reasoning_effort_has_effect(billed(90, reasoning_effort="low"), wide).observed == UNCLEAR
    assert checks.reasoning_effort_has_effect(billed(150, reasoning_effort="low"), wide).observed == HONOURED


def test_reasoning_effort_on_a_model_that_always_reasons_is_unclear():
    thinks = [answer("391", message={"reasoning": {"thinking": "let me see"}})] * 3
    probe = answer("391", message={"reasoning": {"thinking": "quickly"}}, reasoning_effort="low")
    assert checks.reasoning_effort_has_effect(probe, thinks).observed == UNCLEAR
    # a zero reasoning_tokens count is no reasoning
    zero = answer("391", usage={"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2,
                                "completion_tokens_details": {"reasoning_tokens": 0}}, reasoning_effort="low")
    assert checks.reasoning_effort_has_effect(zero, [answer("391", completion_tokens=1)] * 3).observed == IGNORED


def reasons(tokens, **request):
    usage = {"prompt_tokens": 16, "completion_tokens": tokens + 3, "total_tokens": tokens + 19,
             "completion_tokens_details": {"reasoning_tokens": tokens}}
    return answer("391", usage=usage, **request)


def test_a_model_that_always_reasons_shows_the_effort_only_by_clearly_fewer_or_more_reasoning_tokens():
    always = [reasons(800), reasons(760), reasons(820)]
    assert checks.reasoning_effort_has_effect(reasons(120, reasoning_effort="low"), always).observed == HONOURED
    assert checks.reasoning_effort_has_effect(reasons(790, reasoning_effort="low"), always).observed == UNCLEAR
    near = checks.reasoning_effort_has_effect(reasons(700, reasoning_effort="low"), always)
    assert near.observed == UNCLEAR and "reasoning_tokens 700 against 760-820" in near.reason


# logprobs

def test_logprobs_listed_or_ignored():
    entries = [{"token": "1", "logprob": -0.01, "top_logprobs": []}, {"token": ",", "logprob": 0}]
    listed = answer("1,", choice={"logprobs": {"content": entries, "refusal": None}}, logprobs=True)
    assert checks.logprobs_listed(listed).observed == HONOURED
    assert checks.logprobs_listed(answer("1,", logprobs=True)).observed == IGNORED
    assert checks.logprobs_listed(answer("1,", choice={"logprobs": None}, logprobs=True)).observed == IGNORED
    empty = answer("1,", choice={"logprobs": {"content": []}}, logprobs=True)
    assert checks.logprobs_listed(empty).observed == IGNORED
    positive = answer("1", choice={"logprobs": {"content": [{"token": "1", "logprob": 0.5}]}}, logprobs=True)
    assert checks.logprobs_listed(positive).observed == ERROR


# modalities

def test_text_modality():
    assert checks.text_modality(answer("1, 2, 3", modalities=["text"])).observed == HONOURED
    assert checks.text_modality(answer("", modalities=["text"])).observed == ERROR
    unknown = refused(message="Unrecognized request argument supplied: modalities", modalities=["text"])
    assert checks.text_modality(unknown).observed == REJECTED


def test_audio_modality_refused_or_text_only():
    asked = {"modalities": ["text", "audio"], "audio": {"voice": "alloy", "format": "wav"}}
    assert checks.audio_modality_refused(refused(message="modalities: only text output", **asked)).observed == HONOURED
    assert checks.audio_modality_refused(refused(message="Unsupported parameter: audio", **asked)).observed == HONOURED
    # a 400 about something else (the model itself) is no answer about modalities
    unknown_model = refused(message="model 'gpt-x' is not supported", **asked)
    assert checks.audio_modality_refused(unknown_model).observed == REJECTED
    assert checks.audio_modality_refused(answer("1, 2, 3", **asked)).observed == HONOURED  # audio ignored: text only
    audio = answer(None, message={"audio": {"id": "a1", "data": "UklGRg==", "expires_at": 1, "transcript": "1"}},
                   **asked)
    assert checks.audio_modality_refused(audio).observed == IGNORED
    crash = refused(500, "Failed to execute chat", **asked)
    assert checks.audio_modality_refused(crash).observed == REJECTED  # judged a server error
    throttled = refused(429, "slow down", **asked)
    assert checks.audio_modality_refused(throttled).observed == REJECTED  # says nothing: inconclusive


def test_a_server_making_openais_choices_raises_no_alarm(tmp_path, monkeypatch):
    """End to end, in-process: OpenAI's own answers (the max_tokens pair refused, a whitespace stop
    refused, audio ignored, reasoning_content, usage: null chunks) agree; logprobs are listed, so
    only the page's second listing ("ignored") differs."""
    import shutil

    from conftest import ROOT
    from fake_servers import OpenAIChoices, serve

    from conformance.session import ConformanceRun, Options

    cases = tmp_path / "cases"
    cases.mkdir()
    for name in ("docs-tables.yaml", "targets.yaml", "devcenter.yaml", "requests.yaml"):
        shutil.copy(ROOT / "cases" / name, cases / name)
    url, stop = serve(OpenAIChoices)
    monkeypatch.setenv("OPENAI_API_KEY", "k-123456")
    # m1 reasons: declared, so that reasoning_effort is judged on it (undeclared, it is only observed)
    run = ConformanceRun.prepare(Options(mode="live", target="variant", base_url=url, models=["m1"], sdk="python",
                                         features="thinking=true", cases_dir=cases, results=tmp_path / "results.json",
                                         report=None, random_draws=0))
    try:
        run.connect()
        results = run.run_all()
    finally:
        run.close()
        stop()
    verdicts = {(r.row, r.case_id): r.verdict for r in results}
    # The page's two listings of logprobs are one finding, never a difference of the service.
    assert {key for key, v in verdicts.items() if v == "differs"} == set()
    logprobs = next(r for r in results if r.row == "devcenter.logprobs")
    assert logprobs.verdict == "inconclusive" and "the docs contradict themselves" in logprobs.reason
    assert verdicts[("devcenter.max_completion_tokens", "max_completion_tokens-with-max_tokens")] == "agrees"
    assert verdicts[("requests.stop-whitespace", "stop-whitespace")] == "agrees"
    assert verdicts[("devcenter.modalities", "modalities-audio")] == "agrees"
    assert {r.row for r in results if r.verdict == "agrees"} >= {
        "devcenter.max_completion_tokens", "devcenter.stream_options", "devcenter.parallel_tool_calls",
        "devcenter.reasoning_effort", "devcenter.modalities", "requests.developer-role",
        "requests.system-mid", "requests.system-many", "requests.content-parts", "requests.null-params"}
