"""The reference server's Heroku-like rate limit, and the rate-limit row decided from every 429 a run
meets. The server's clock is the test's: it moves only when the harness sleeps before a retry, so no
machine is too slow or too fast for these figures, and no test waits a real second."""
import socket
import threading

import pytest
import uvicorn
from conftest import ROOT
from senders import FakeClock
from starlette.testclient import TestClient

from conformance.session import ConformanceRun, Options
from reference_server.app import build_app
from reference_server.ratelimit import RateLimiter

KEY = "reference-key"
MODEL = "claude-4-5-haiku"
ROW = "prose.rate-limits"
ASK = {"model": MODEL, "messages": [{"role": "user", "content": "Reply with the word OK."}]}


# -- the server's limit --------------------------------------------------------------------------

def test_a_model_over_its_limit_is_told_when_to_try_again_over_a_sliding_minute():
    clock = FakeClock(0.0)
    limiter = RateLimiter(2, clock)
    assert limiter.admit(MODEL)[1]["x-ratelimit-remaining-requests"] == "1"
    clock.sleep(9)
    assert limiter.admit(MODEL)[0] and limiter.admit("nova-lite")[0]  # each model has its own window
    admitted, headers = limiter.admit(MODEL)
    assert not admitted and headers["retry-after"] == "51" and headers["x-ratelimit-reset-requests"] == "51s"
    assert headers["x-ratelimit-remaining-requests"] == "0" and headers["x-ratelimit-limit-requests"] == "2"
    assert {"x-ratelimit-limit-tokens", "x-ratelimit-remaining-tokens", "x-ratelimit-reset-tokens"} <= set(headers)
    clock.sleep(51)  # the first request has left the window
    assert limiter.admit(MODEL)[0]
    assert not limiter.admit(MODEL)[0]


def test_the_429_is_herokus_and_no_back_off_says_nothing_of_when():
    clock = FakeClock(0.0)
    client = TestClient(build_app(KEY, requests_per_minute=1, clock=clock))
    auth = {"authorization": f"Bearer {KEY}"}
    ordinary = client.post("/v1/chat/completions", json=ASK, headers=auth)
    assert ordinary.status_code == 200 and ordinary.headers["x-ratelimit-remaining-requests"] == "0"
    refused = client.post("/v1/chat/completions", json=ASK, headers=auth)
    assert refused.status_code == 429 and refused.json()["error"]["type"] == "rate_limit_error"
    assert refused.json()["error"]["code"] == 429 and refused.headers["retry-after"] == "60"
    assert refused.headers["x-ratelimit-reset-requests"] == "60s" and refused.headers["x-request-id"]
    silent = client.post("/b/no-back-off/v1/chat/completions", json=ASK, headers=auth)
    assert silent.status_code == 429 and "x-ratelimit-limit-requests" in silent.headers
    assert not {"retry-after", "x-ratelimit-reset-requests", "x-ratelimit-reset-tokens"} & set(silent.headers)


def test_a_request_naming_no_model_is_refused_as_such_never_throttled():
    # The suite's preflight sends an empty body from every worker: it must not spend a model's minute.
    client = TestClient(build_app(KEY, requests_per_minute=1, clock=FakeClock(0.0)))
    auth = {"authorization": f"Bearer {KEY}"}
    for _ in range(3):
        assert client.post("/v1/chat/completions", json={}, headers=auth).status_code == 400


def test_without_a_limit_nothing_is_throttled_and_answers_keep_their_headers():
    client = TestClient(build_app(KEY))
    for _ in range(5):
        answer = client.post("/v1/chat/completions", json=ASK, headers={"authorization": f"Bearer {KEY}"})
        assert answer.status_code == 200 and answer.headers["x-ratelimit-limit-requests"] == "150"


def test_the_command_line_option_limits_a_started_server(reference_server):
    import openai

    client = openai.OpenAI(base_url=reference_server(requests_per_minute=1), api_key=KEY, max_retries=0)
    client.chat.completions.create(**ASK)
    with pytest.raises(openai.RateLimitError) as err:
        client.chat.completions.create(**ASK)
    assert err.value.response.headers["x-ratelimit-reset-requests"].endswith("s")


def test_a_limit_below_one_is_a_usage_error():
    from reference_server.__main__ import main

    with pytest.raises(SystemExit):
        main(["--requests-per-minute", "0"])


# -- a run's every 429 decides the row -----------------------------------------------------------

@pytest.fixture
def limited(monkeypatch):
    """limited(requests_per_minute) -> (base URL, the server's clock): the reference server in this
    process, on loopback, its limiter on a fake clock the run's retries move."""
    monkeypatch.setenv("OPENAI_API_KEY", KEY)  # the ad-hoc target's key
    servers = []

    def start(requests_per_minute: int | None) -> tuple[str, FakeClock]:
        clock = FakeClock(0.0)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        app = build_app(KEY, requests_per_minute=requests_per_minute, clock=clock)
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        servers.append((server, thread, sock))
        return f"http://127.0.0.1:{sock.getsockname()[1]}", clock

    yield start
    for server, thread, sock in servers:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def run(base_url: str, clock: FakeClock, tmp_path, mode: str = "live") -> dict:
    """A run of an ordinary case and the rate-limit case (in that order) on one model; its results by row."""
    options = Options(mode=mode, target="limited", base_url=None if mode == "replay" else base_url,
                      models=[MODEL], sdk="python", cases_dir=ROOT / "cases", cassette_dir=tmp_path / "cassettes",
                      results=tmp_path / "results.json", report=None, random_draws=0)
    conformance = ConformanceRun.prepare(options)
    try:
        conformance.cases = [c for name in ("max_tokens", "rate-limit-headers") for c in conformance.cases
                             if c.id == name]
        conformance.connect()
        for sender in conformance.runner.senders.values():
            sender.sleep = clock.sleep  # the server's time moves only as the harness waits
        results = conformance.run_all()
    finally:
        conformance.close()
    return {r.row: r for r in results}


def test_every_429_of_the_run_saying_when_bears_the_row_out_counted(limited, tmp_path):
    url, clock = limited(1)
    rows = run(f"{url}/v1", clock, tmp_path)
    row, seen = rows[ROW], rows[ROW].evidence["throttled_in_run"]
    assert row.observed == "honoured" and row.verdict == "inconclusive"  # a draft page's claim: observed only
    # max_tokens' second request and the rate-limit case's one each waited out two 429s (30 s, MAX_WAIT,
    # then the 30 s left of the minute); every one said when to try again
    assert (seen["count"], seen["retried"], clock.slept) == (4, 4, [30.0] * 4)
    assert f"each of the 4 429(s) met in this run on {MODEL} through openai-python said when to try again" in row.reason
    assert seen["tests"] == [f"cases/core.yaml::max_tokens[{MODEL}]", f"cases/errors.yaml::rate-limit-headers[{MODEL}]"]
    assert rows["core.max_tokens"].verdict == "agrees"  # the ordinary case got its answers after waiting
    assert seen["example"]["headers"]["retry-after"] == "60" and seen["example"]["waited_s"] == 30.0
    assert seen["example"]["request_id"].startswith("req-")


def test_a_429_with_nothing_to_back_off_by_is_ignored_naming_the_count(limited, tmp_path):
    url, clock = limited(2)
    row = run(f"{url}/b/no-back-off/v1", clock, tmp_path)[ROW]
    # max_tokens' two requests fit the limit; the rate-limit case's request met a 429 at each of its three
    # attempts (the harness's own short back-off does not reach the end of the minute)
    assert row.observed == "ignored" and row.evidence["throttled_in_run"]["retried"] == 2
    assert (f"3 of the 3 429(s) met in this run on {MODEL} through openai-python came with nothing to back off by"
            in row.reason)
    assert "rate-limit headers x-ratelimit-limit-requests: 2, x-ratelimit-limit-tokens: 800000, " \
           "x-ratelimit-remaining-requests: 0, x-ratelimit-remaining-tokens: 800000;" in row.reason


def test_no_429_met_anywhere_is_unclear_with_the_headers_ordinary_answers_carried(limited, tmp_path):
    url, clock = limited(None)
    row = run(f"{url}/v1", clock, tmp_path)[ROW]
    assert row.observed == "unclear" and row.verdict == "inconclusive"
    assert f"no 429 was met anywhere in this run on {MODEL}" in row.reason
    assert "x-ratelimit-limit-requests: 150" in row.reason and row.evidence["throttled_in_run"]["count"] == 0


def test_a_recording_keeps_its_429s_and_replay_judges_the_row_as_the_recording_run_did(limited, tmp_path):
    url, clock = limited(1)
    recorded = run(f"{url}/v1", clock, tmp_path, mode="record")
    assert "code: 429" in (tmp_path / "cassettes" / "limited" / "core" / "max_tokens" / f"{MODEL}.yaml").read_text()
    slept = len(clock.slept)
    replayed = run("", clock, tmp_path, mode="replay")
    assert len(clock.slept) == slept  # replay meets the 429s again and waits for none of them
    for row in (ROW, "core.max_tokens"):
        assert (replayed[row].observed, replayed[row].verdict) == (recorded[row].observed, recorded[row].verdict)
    assert replayed[ROW].observed == "honoured" and replayed[ROW].reason == recorded[ROW].reason
    counted = [rows[ROW].evidence["throttled_in_run"] for rows in (recorded, replayed)]
    assert [c["count"] for c in counted] == [4, 4] and counted[0]["tests"] == counted[1]["tests"]
    assert counted[1]["example"]["waited_s"] == 0.0  # what replay waited: nothing


# -- the decision across results -------------------------------------------------------------------

def result(case_id: str, row: str, evidence: dict, verdict: str = "inconclusive", params: dict | None = None):
    from conformance.results import Result

    return Result(target="t", mode="live", model=MODEL, case_id=case_id, test_id=f"cases/x.yaml::{case_id}[{MODEL}]",
                  row=row, table=row.split(".")[0], documented="Stated", observed="unclear", verdict=verdict,
                  reason="", params=params or {}, evidence=evidence, sdk={"name": "openai-python"})


def test_a_probe_that_speaks_to_several_rows_counts_its_429s_once_and_each_explored_value_its_own():
    from conformance.throttled_rows import decide_back_off_rows

    met = {"requests": [{"throttled": [{"status": 429, "headers": {"retry-after": "1"}, "waited_s": 1.0}]}]}
    results = [result("stop", "core.stop", met), result("stop", "requests.stop-whitespace", met),
               result("temperature", "core.temperature", met, params={"temperature": 0.5}),
               result("temperature", "core.temperature", met, params={"temperature": 1.0}),
               result("rate-limit-headers", ROW, {"rate_limit_headers": {}})]
    decided = decide_back_off_rows(results, lambda r: "accepted-with-effect")
    assert decided == [results[-1]] and results[-1].evidence["throttled_in_run"]["count"] == 3
    assert (results[-1].observed, results[-1].verdict) == ("honoured", "agrees")  # as a judged row would
    assert results[0].observed == "unclear"  # the other rows are left alone


def test_each_client_counts_the_429s_it_met_itself():
    """A replay sends one recording through every client, and each meets the same recorded 429s: a
    client's result counts its own, never another client's as more 429s from the server."""
    from dataclasses import replace

    from conformance.throttled_rows import decide_back_off_rows

    met = {"requests": [{"throttled": [{"status": 429, "headers": {"retry-after": "1"}, "waited_s": 0.0}] * 2}]}
    probe = result("stop", "core.stop", met)
    row = result("rate-limit-headers", ROW, {"rate_limit_headers": {}})
    clients = ("openai-python", "openai-node", "ai-sdk")
    results = [replace(r, sdk={"name": name}, evidence=dict(r.evidence)) for name in clients for r in (probe, row)]
    decided = decide_back_off_rows(results, lambda r: "accepted-with-effect")
    assert [r.evidence["throttled_in_run"]["count"] for r in decided] == [2, 2, 2]
    assert [r.reason.split(" said")[0].rsplit(" ", 1)[1] for r in decided] == list(clients)


def test_a_back_off_row_not_recorded_stays_so_and_a_judged_one_that_differs_fails_the_run():
    from conformance.throttled_rows import decide_back_off_rows

    silent = {"requests": [{"throttled": [{"status": 429, "headers": {}}]}]}
    missing = result("rate-limit-headers", ROW, {}, verdict="not recorded")
    judged = result("rate-limit-headers", ROW, {"rate_limit_headers": {}}, params={"n": 1})
    decide_back_off_rows([result("stop", "core.stop", silent), missing, judged], lambda r: "accepted-with-effect")
    assert missing.verdict == "not recorded"
    assert (judged.observed, judged.verdict, judged.expected) == ("ignored", "differs", False)


def test_a_refused_rate_limit_probe_keeps_its_finding_unless_the_run_met_429s():
    from conformance.throttled_rows import decide_back_off_rows

    refused = result("rate-limit-headers", ROW, {"rate_limit_headers": {}})
    refused.observed, refused.reason = "rejected", "the plain request was not answered (HTTP 404)"
    decide_back_off_rows([refused], lambda r: "accepted-with-effect")
    assert (refused.observed, refused.reason) == ("rejected", "the plain request was not answered (HTTP 404)")
    met = {"requests": [{"throttled": [{"status": 429, "headers": {"x-ratelimit-reset-tokens": "2s"}}]}]}
    decide_back_off_rows([result("stop", "core.stop", met), refused], lambda r: "accepted-with-effect")
    assert refused.observed == "honoured" and "each of the 1 429(s)" in refused.reason


def test_a_killed_runs_shards_rebuild_the_row_from_every_429_it_met(tmp_path):
    import json

    from conformance.docs import load_docs
    from conformance.results.rebuild import rebuild_from_run
    from conformance.results.shards import ShardWriter

    docs = load_docs(ROOT / "cases" / "docs-tables.yaml")
    (tmp_path / "run.json").write_text(json.dumps({"run": {"target": "t", "mode": "live"}, "docs": docs.data}))
    silent = {"requests": [{"throttled": [{"status": 429, "headers": {}, "waited_s": 0.7}]}]}
    ShardWriter(tmp_path, "gw0").append([result("stop", "core.stop", silent)])
    ShardWriter(tmp_path, "gw1").append([result("rate-limit-headers", ROW, {"rate_limit_headers": {}})])
    (row,) = [r for r in rebuild_from_run(tmp_path)["results"] if r["row"] == ROW]
    assert row["observed"] == "ignored" and row["verdict"] == "inconclusive"  # a draft page's: observed only
    assert row["reason"].endswith("this claim is not from a page Heroku published: observed, not judged")
