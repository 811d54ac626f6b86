"""How error probes travel: raw bytes through the SDK, a wrong key, and what of them a cassette keeps."""
import pytest
from fake_servers import RefusesEveryKey, RefusesNonJsonWith500
from senders import python_sender

from conformance.wire.cassettes import WRONG_KEY_MARK, NotRecorded
from conformance.wire.keys import WRONG_KEY
from conformance.wire.recording import RECORD, REPLAY, Recorder
from conformance.wire.replay import CassetteTransport

SECRET = "inf-0123456789abcdefSECRET"
REQUEST = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
RAW = '{"model": "m", "messages": [{"role": "user", "content": "Reply with'


def test_raw_bytes_reach_the_server_unchanged_and_a_500_is_not_retried(fake):
    RefusesNonJsonWith500.received.clear()
    client = python_sender(fake(RefusesNonJsonWith500), "k-123456", max_retries=2)
    exchange = client.send(REQUEST, {"raw_body": RAW})
    assert RefusesNonJsonWith500.received == [RAW.encode()]  # sent once, byte for byte
    assert (exchange.status, exchange.sdk.exception_class) == (500, "InternalServerError")
    assert exchange.body["error"]["message"] == "parse error"


def test_a_refused_key_is_never_recorded_but_the_suites_own_wrong_key_is(fake, tmp_path):
    url = fake(RefusesEveryKey)
    cassette = tmp_path / "c.yaml"
    recorder = Recorder(RECORD, tmp_path, "t", [SECRET])
    client = python_sender(url, SECRET)
    with recorder.cassette(cassette, {"case": "x"}):
        real = client.send(REQUEST)
        wrong = client.send(REQUEST, {"api_key": "wrong"})
    assert real.status == wrong.status == 401
    assert SECRET not in real.error_message  # the echoed key is scrubbed from what the suite keeps
    text = cassette.read_text()
    assert text.count("code: 401") == 1 and WRONG_KEY in text  # only the deliberate refusal
    assert f"{WRONG_KEY_MARK}:" in text  # marked, so that replay (which loads through the filters) keeps it
    assert SECRET not in text and "0123456789abcdef" not in text and "authorization" not in text.lower()

    replay = Recorder(REPLAY, tmp_path, "t", [])
    client = python_sender("http://127.0.0.1:9/v1", "replay-key", transport=CassetteTransport(replay))
    with replay.cassette(cassette, {"case": "x"}):
        replayed = client.send(REQUEST, {"api_key": "wrong"})
        assert (replayed.status, replayed.sdk.exception_class) == (401, "AuthenticationError")
        with pytest.raises(NotRecorded):
            client.send(REQUEST)  # the refusal of the real key was never stored


# -- a 429 that reaches a case: what it says about backing off ----------------------------------------

def test_a_429_is_judged_on_what_it_says_about_backing_off(fake):
    from fake_servers import AlwaysThrottles, ThrottlesHerokuStyle, ThrottlesSilently

    from conformance import checks
    from conformance.findings import HONOURED, IGNORED

    def throttled(server):
        return python_sender(fake(server), "k-123456", max_retries=0).send(REQUEST)

    told = throttled(AlwaysThrottles)
    assert (told.status, told.sdk.exception_class) == (429, "RateLimitError")
    assert checks.back_off_signals(told).observed == HONOURED
    heroku = checks.back_off_signals(throttled(ThrottlesHerokuStyle))  # a duration in a reset header: valid
    assert heroku.observed == HONOURED and "x-ratelimit-reset-tokens: 1m30s" in heroku.reason
    silent = checks.back_off_signals(throttled(ThrottlesSilently))
    assert silent.observed == IGNORED and "nothing to back off by" in silent.reason


def test_a_raw_body_names_the_model_under_test(tmp_path):
    from conftest import ROOT

    from conformance.cases import load_case_file
    from conformance.docs import load_docs
    from conformance.plan import plan_requests

    docs = load_docs(ROOT / "cases" / "docs-tables.yaml")
    cases = {c.id: c for c in load_case_file(ROOT / "cases" / "errors.yaml", docs)}
    refused = plan_requests(cases["error-missing-messages"], 'a"b')[1]
    assert refused.transport["raw_body"] == '{"model": "a\\"b"}'  # JSON-escaped: still valid JSON
    untouched = plan_requests(cases["error-malformed-body"], "tiny")[1]
    assert "claude-4-5-haiku" in untouched.transport["raw_body"]  # no placeholder, no change
