"""The prompt-caching check, on hand-built exchanges: a server that honours the header, one that
honours it in an unusual but valid way, one that ignores it, one that refuses it, one that caches
nothing at all, and one whose usage reports no cache figure."""
from conformance import checks
from conformance.exchange import Exchange
from conformance.findings import HONOURED, IGNORED, REJECTED, UNCLEAR

PROMPT = 2400


def answer(**usage_extra):
    """An answer whose usage carries these extra fields (a cache figure, or none)."""
    body = {"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "claude-4-5-sonnet",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "OK"}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": PROMPT, "completion_tokens": 1, "total_tokens": PROMPT + 1, **usage_extra}}
    return Exchange(request={"model": "claude-4-5-sonnet", "messages": []}, status=200, body=body)


def openai_style(cached):
    return answer(prompt_tokens_details={"cached_tokens": cached})


def judged(probe, again, *uncached):
    return checks.prompt_caching_header(probe, again, list(uncached))


def test_caching_on_reads_the_repeat_and_the_header_turns_it_off():
    finding = judged(openai_style(0), openai_style(2390), openai_style(0), openai_style(0))
    assert finding.observed == HONOURED
    assert "the repeat reports 2390 read from the cache" in finding.reason


def test_a_header_request_that_leaves_the_figure_out_shows_nothing_cached():
    """A server that reports the figure only when something was cached: its absence is none."""
    assert judged(openai_style(0), openai_style(2390), answer(), answer()).observed == HONOURED


def test_anthropic_style_figures_with_a_write_on_the_first_call_agree():
    """Unusual but valid: the first call reports what it wrote to the cache, the repeat what it read."""
    first = answer(cache_creation_input_tokens=2390, cache_read_input_tokens=0)
    repeat = answer(cache_creation_input_tokens=0, cache_read_input_tokens=2390)
    off = answer(cache_creation_input_tokens=0, cache_read_input_tokens=0)
    finding = judged(first, repeat, off, off)
    assert finding.observed == HONOURED
    assert "(the first: 0 read from the cache, 2390 written to it)" in finding.reason


def test_cached_tokens_with_the_header_false_show_it_ignored():
    finding = judged(openai_style(0), openai_style(2390), openai_style(2390), openai_style(2390))
    assert finding.observed == IGNORED
    assert "usage still reports cached tokens (2390 read from the cache; 2390 read from the cache)" in finding.reason
    # writing the cache with the header false is caching too
    written = judged(openai_style(0), openai_style(2390), answer(cache_creation_input_tokens=2390), openai_style(0))
    assert written.observed == IGNORED and "2390 written to it" in written.reason


def test_a_refusal_or_server_error_of_the_header_requests_differs():
    refused = Exchange(request={}, status=400, body={"error": {"message": "unknown header", "type": "x", "code": 400}})
    finding = judged(openai_style(0), openai_style(2390), refused, refused)
    assert finding.observed == REJECTED and finding.status == 400 and "X-Heroku-Prompt-Caching" in finding.reason
    crashed = Exchange(request={}, status=500, body={"error": {"message": "boom", "type": "x", "code": 500}})
    assert judged(openai_style(0), openai_style(2390), openai_style(0), crashed).status == 500


def test_usage_without_any_cache_figure_is_unclear_never_a_pass():
    finding = judged(answer(), answer(), answer(), answer())
    assert finding.observed == UNCLEAR
    assert finding.reason == "usage reports no cached tokens: the header's effect can't be seen"


def test_a_server_that_caches_nothing_at_all_leaves_the_header_unseen():
    finding = judged(openai_style(0), openai_style(0), openai_style(0), openai_style(0))
    assert finding.observed == UNCLEAR
    assert f"the repeat reports 0 read from the cache of a {PROMPT}-token prompt: nothing was seen cached" \
        in finding.reason


def test_a_refusal_without_the_header_is_not_held_against_it():
    """A prompt too long for the server's context: refused before the header is ever sent."""
    too_long = Exchange(request={}, status=400, body={"error": {"message": "exceeds the context", "type": "x",
                                                                "code": 400}})
    finding = judged(too_long, too_long, too_long, too_long)
    assert finding.observed == UNCLEAR and "without the header" in finding.reason


def test_a_header_request_whose_answer_reports_no_usage_is_no_pass():
    no_usage = openai_style(0)
    no_usage.body = {k: v for k, v in no_usage.body.items() if k != "usage"}
    finding = judged(openai_style(0), openai_style(2390), openai_style(0), no_usage)
    assert finding.observed == UNCLEAR
    assert "request 2 with X-Heroku-Prompt-Caching: false reports no usage" in finding.reason


def test_a_throttled_or_unanswered_request_without_the_header_is_not_an_observation():
    from conformance.findings import Finding
    from conformance.verdicts import obtained

    throttled = Exchange(request={"model": "claude-4-5-sonnet"}, status=429, body={"error": {"message": "slow down"}})
    silent = Exchange(request={"model": "claude-4-5-sonnet"}, transport_error="timed out")
    for ex in (throttled, silent):
        finding = judged(openai_style(0), ex, openai_style(0), openai_style(0))
        assert isinstance(finding, Finding) and not obtained(finding), finding
