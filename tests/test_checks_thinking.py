"""The extended-thinking checks, on hand-built exchanges: a server that breaks each claim, one that
honours it in an unusual but valid way, and a model too weak (or too truncated) to show the effect."""
from conformance import checks
from conformance.exchange import Exchange
from conformance.findings import ACCEPTED, ERROR, HONOURED, IGNORED, REJECTED, UNCLEAR

QUESTION = [{"role": "user", "content": "What is 17 times 23? Reply with the number only."}]
THINKING = {"enabled": True, "budget_tokens": 1024, "include_reasoning": True}
REASONING = "Seventeen times twenty is 340, and seventeen times three is 51. So the product is 391."


def answer(text="391", finish="stop", message=None, usage=None, model="claude-4-5-sonnet", **request):
    body = {
        "id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text, **(message or {})},
                     "finish_reason": finish}],
        "usage": usage or {"prompt_tokens": 20, "completion_tokens": 3, "total_tokens": 23},
    }
    return Exchange(request={"model": model, "messages": QUESTION, "max_tokens": 2048, **request}, status=200,
                    body=body)


def thinking(include=True, budget=1024, **kwargs):
    return answer(extended_thinking={**THINKING, "include_reasoning": include, "budget_tokens": budget}, **kwargs)


def refused(status=400, message="no", model="claude-4-5-sonnet", **request):
    return Exchange(request={"model": model, "messages": QUESTION, **request}, status=status,
                    body={"error": {"message": message, "type": "invalid_request_error", "code": status}})


def streamed(pieces, reasoning_key="reasoning", **request):
    events = [{"choices": [{"index": 0, "delta": {reasoning_key: {"thinking": p} if reasoning_key == "reasoning"
                                                  else p}, "finish_reason": None}]} for p in pieces]
    events.append({"choices": [{"index": 0, "delta": {"content": "391"}, "finish_reason": "stop"}]})
    return Exchange(request={"model": "claude-4-5-sonnet", "messages": QUESTION, "stream": True, **request},
                    status=200, events=events, done_marker=True, stream=True)


PLAIN = answer()
HEROKU = thinking(message={"reasoning": {"thinking": REASONING}})


# thinking.enabled and the model table's thinking column

def test_thinking_shown_is_honoured_and_no_reasoning_is_ignored():
    assert checks.thinks_when_enabled(HEROKU, PLAIN).observed == HONOURED
    ignored = checks.thinks_when_enabled(thinking(), PLAIN)
    assert ignored.observed == IGNORED and "no reasoning" in ignored.reason


def test_other_spellings_of_reasoning_and_billed_hidden_thinking_count():
    for message in ({"reasoning_content": REASONING}, {"reasoning": REASONING}):
        assert checks.thinks_when_enabled(thinking(message=message), PLAIN).observed == HONOURED
    hidden = thinking(usage={"prompt_tokens": 20, "completion_tokens": 90, "total_tokens": 110,
                             "completion_tokens_details": {"reasoning_tokens": 87}})
    found = checks.thinks_when_enabled(hidden, PLAIN)
    assert found.observed == HONOURED and "reasoning_tokens=87" in found.reason


def test_a_refusal_is_rejected_and_truncated_or_always_reasoning_is_unclear():
    assert checks.thinks_when_enabled(refused(message="model does not support thinking"), PLAIN).observed == REJECTED
    spent = thinking(text="", finish="length")
    assert checks.thinks_when_enabled(spent, PLAIN).observed == UNCLEAR
    always = answer(message={"reasoning_content": REASONING})
    assert checks.thinks_when_enabled(HEROKU, always).observed == UNCLEAR


# limitations.thinking-models (on a model outside the list)

def test_limitation_holds_when_ignored_or_refused_naming_thinking():
    model = "nova-lite"
    assert checks.thinking_unavailable(thinking(model=model), answer(model=model)).observed == HONOURED
    named = refused(message="extended thinking is not supported for this model", model=model)
    assert checks.thinking_unavailable(named, answer(model=model)).observed == HONOURED
    # another 4xx says nothing about the limitation
    other = refused(message="temperature must be 1", model=model)
    assert checks.thinking_unavailable(other, answer(model=model)).observed == REJECTED


def test_limitation_does_not_hold_when_the_model_reasons():
    model = "claude-4-5-haiku"
    found = checks.thinking_unavailable(thinking(model=model, message={"reasoning": {"thinking": REASONING}}),
                                        answer(model=model))
    assert found.observed == IGNORED and "claude-4-5-haiku" in found.reason
    spent = thinking(model=model, text="", finish="length")
    assert checks.thinking_unavailable(spent, answer(model=model)).observed == UNCLEAR


# thinking.include_reasoning

def test_reasoning_withheld_when_false_and_shown_when_true():
    assert checks.reasoning_only_when_included(thinking(include=False), HEROKU).observed == HONOURED
    shown = thinking(include=False, message={"reasoning": {"thinking": REASONING}})
    found = checks.reasoning_only_when_included(shown, HEROKU)
    assert found.observed == IGNORED and "include_reasoning=false" in found.reason


def test_reasoning_leaked_into_the_content_is_ignored_but_quoting_the_prompt_is_not():
    tags = thinking(include=False, text="<thinking>17 * 23</thinking> 391")
    assert checks.reasoning_only_when_included(tags, HEROKU).observed == IGNORED
    copied = thinking(include=False, text="Seventeen times twenty is 340, and seventeen times three is 51. 391")
    assert checks.reasoning_only_when_included(copied, HEROKU).observed == IGNORED
    quoting = thinking(message={"reasoning": {"thinking": "What is 17 times 23? Reply with the number only. 391."}})
    echo = thinking(include=False, text="You asked: What is 17 times 23? Reply with the number only. 391")
    assert checks.reasoning_only_when_included(echo, quoting).observed == HONOURED


def test_include_reasoning_true_showing_nothing_is_ignored_unless_the_limit_was_spent():
    found = checks.reasoning_only_when_included(thinking(include=False), thinking())
    assert found.observed == IGNORED and "include_reasoning=true" in found.reason
    spent = thinking(text="", finish="length")
    assert checks.reasoning_only_when_included(thinking(include=False), spent).observed == UNCLEAR


def test_streamed_reasoning_in_either_spelling():
    heroku = streamed(["Seventeen times", " twenty is 340."], extended_thinking=THINKING)
    other = streamed(["Seventeen times", " twenty is 340."], reasoning_key="reasoning_content",
                     extended_thinking=THINKING)
    hidden = streamed([], extended_thinking={**THINKING, "include_reasoning": False})
    for control in (heroku, other):
        assert checks.reasoning_only_when_included(hidden, control).observed == HONOURED
    assert checks.reasoning_only_when_included(heroku, heroku).observed == IGNORED


# thinking.budget_tokens

def test_budget_limits_refused_naming_it_or_accepted():
    probe = thinking(include=False)
    low = refused(message="extended_thinking.budget_tokens must be at least 1024")
    high = refused(message="`max_tokens` must be greater than `thinking.budget_tokens`")
    assert checks.budget_tokens_bounds(probe, low, high).observed == HONOURED
    # accepted (the server may raise or cap the budget): a fact, said in the reason
    accepted = checks.budget_tokens_bounds(probe, thinking(include=False, budget=500), high)
    assert accepted.observed == ACCEPTED and "budget_tokens=500 (max_tokens=2048) accepted" in accepted.reason


def test_budget_limits_with_a_server_error_or_an_unnamed_refusal_differ():
    probe = thinking(include=False)
    crash = checks.budget_tokens_bounds(probe, refused(500, "Failed to execute chat"), refused(message="budget"))
    assert crash.observed == REJECTED and crash.status == 500  # judged an error: never a clean rejection
    vague = checks.budget_tokens_bounds(probe, refused(message="invalid request"), refused(message="budget"))
    assert vague.observed == REJECTED and "does not name budget_tokens" in vague.reason
    # throttled: nothing to conclude (the verdict rules make 429 inconclusive)
    assert checks.budget_tokens_bounds(probe, refused(429, "slow down"), refused(message="budget")).status == 429
    # the documented budget itself refused
    assert checks.budget_tokens_bounds(refused(message="budget"), refused(message="budget"),
                                       refused(message="budget")).observed == REJECTED


def test_a_stream_answered_as_one_body_is_unclear():
    unstreamed = Exchange(request={"model": "claude-4-5-sonnet", "stream": True}, status=200, stream=True,
                          body=HEROKU.body)
    assert checks.reasoning_only_when_included(unstreamed, unstreamed).observed == UNCLEAR


# thinking beside what Anthropic forbids with it (observed only: the page says nothing)

def test_thinking_with_an_upstream_constraint_is_shown_as_it_happens():
    check, hot = checks.thinking_with_upstream_constraint, "temperature 0.5"
    plain = answer(temperature=0.5)
    refusal = checks.thinking_with_upstream_constraint(
        refused(message="temperature may only be set to 1 when thinking is enabled", temperature=0.5), plain,
        constraint=hot)
    assert refusal.observed == REJECTED and "temperature may only be set to 1" in refusal.reason
    # Accepted, and the model thought (an unusual but valid server: it relaxes the constraint).
    assert check(thinking(message={"reasoning": {"thinking": REASONING}}, temperature=0.5), plain,
                 constraint=hot).observed == HONOURED
    # Accepted, with reasoning billed but not shown: still thought.
    billed = thinking(usage={"prompt_tokens": 20, "completion_tokens": 90, "total_tokens": 110,
                             "completion_tokens_details": {"reasoning_tokens": 80}}, temperature=0.5)
    assert check(billed, plain, constraint=hot).observed == HONOURED
    # Accepted, but thinking silently dropped.
    dropped = check(thinking(temperature=0.5), plain, constraint=hot)
    assert dropped.observed == IGNORED and "silently dropped" in dropped.reason
    # A server error is no refusal.
    assert check(refused(status=500, temperature=0.5), plain, constraint=hot).observed == ERROR


def test_thinking_with_a_constraint_refused_without_thinking_too_says_nothing():
    refusal = refused(message="tool_choice required is not supported", tool_choice="required")
    found = checks.thinking_with_upstream_constraint(refusal, refusal, constraint="tool_choice required")
    assert found.observed == UNCLEAR and "says nothing of thinking" in found.reason


def reasoning_billed(tokens, **kwargs):
    usage = {"prompt_tokens": 20, "completion_tokens": tokens + 3, "total_tokens": tokens + 23,
             "completion_tokens_details": {"reasoning_tokens": tokens}}
    return kwargs.pop("make", answer)(usage=usage, **kwargs)


def test_a_model_that_reasons_anyway_shows_the_option_only_by_clearly_more_reasoning():
    always = reasoning_billed(100)
    clear = checks.thinks_when_enabled(reasoning_billed(900, make=thinking), always)
    assert clear.observed == HONOURED and "reasoning_tokens 900 against 100 without it" in clear.reason
    # a little more reasoning than without the option: unclear, with both figures
    small = checks.thinks_when_enabled(reasoning_billed(120, make=thinking), always)
    assert small.observed == UNCLEAR and "reasoning_tokens 120 against 100" in small.reason
    # the same: unclear, never "ignored" (the model reasons whatever is asked)
    assert checks.thinks_when_enabled(reasoning_billed(100, make=thinking), always).observed == UNCLEAR
    # on a model outside the documented list, clearly more reasoning means the limitation does not hold
    outside = checks.thinking_unavailable(reasoning_billed(900, make=thinking, model="nova-lite"),
                                          reasoning_billed(100, model="nova-lite"))
    assert outside.observed == IGNORED
