"""Faults found in review: each must end as a true verdict on the right row, or a clean line."""
import pytest
import yaml
from conftest import ROOT
from fake_servers import ConformingVariantWithErrors, CutsStreams, RefusesMaxTokens

HAIKU = "--models=claude-4-5-haiku"


def test_a_stream_cut_mid_way_is_a_stream_difference_not_a_traceback(suite, fake):
    url = fake(CutsStreams)
    run = suite.run("--mode", "live", "--target", "cuts", "--base-url", url, "--models=m", select="core.yaml::stream",
                    env={"OPENAI_API_KEY": "k-123456"})
    (result,) = run.results["results"]
    assert (result["row"], result["verdict"]) == ("core.stream", "differs"), result
    assert "the connection broke after 2 chunk(s)" in result["reason"]
    assert "Traceback" not in run.output


def test_a_refused_parameter_is_not_blamed_on_the_model(suite, fake):
    # The baseline request carries no max_tokens, so it is answered: the parameter was refused.
    url = fake(RefusesMaxTokens)
    run = suite.run("--mode", "live", "--target", "o-series", "--base-url", url, "--models=m",
                    select="core.yaml::max_tokens", env={"OPENAI_API_KEY": "k-123456"})
    (result,) = run.results["results"]
    assert (result["row"], result["verdict"]) == ("core.max_tokens", "differs"), result
    assert [r["role"] for r in result["evidence"]["requests"]] == ["probe", "control", "baseline"]


def test_recording_with_a_refused_key_keeps_the_good_cassettes(recorded_suite, reference_server):
    url = reference_server(api_key="the-right-key")
    cassette = recorded_suite.cassettes / "reference" / "core" / "model" / "claude-4-5-haiku.yaml"
    before = cassette.read_text()
    run = recorded_suite.run("--mode", "record", "--base-url", url, "--api-key-env", "MY_KEY", HAIKU,
                             select="core.yaml::model", env={"MY_KEY": "the-wrong-key"})
    assert run.code != 0 and "refused the API key" in run.output
    assert cassette.read_text() == before
    assert recorded_suite.run(HAIKU, select="core.yaml::model").code == 0


def test_recording_a_new_cassette_stamps_provenance_and_no_401(suite, reference_server):
    url = reference_server()
    suite.run("--mode", "record", "--base-url", url, HAIKU, select="core.yaml::model")
    data = yaml.safe_load((suite.cassettes / "reference/core/model/claude-4-5-haiku.yaml").read_text())
    # the probe, then the unknown model id refused: never a 401
    assert [i["response"]["status"]["code"] for i in data["interactions"]] == [200, 400]
    assert data["metadata"]["provenance"]["model"] == "claude-4-5-haiku"


@pytest.mark.parametrize("args, message", [
    (["--models", ","], "conformance: --models names no model"),
    (["--random-draws", "-3"], "conformance: --random-draws must be 0 or more"),
    (["--mode", "live", "--target", "adhoc", "--base-url", "http://127.0.0.1:9/v1"],
     "conformance: target 'adhoc' is not in targets.yaml: name the models to test with --models"),
])
def test_bad_options_are_one_line(suite, args, message):
    run = suite.run(*args)
    assert run.code == 4 and f"ERROR: {message}" in run.output and "Traceback" not in run.output


def test_conformance_options_without_the_cases_say_so(tmp_path):
    import subprocess
    import sys

    (tmp_path / "test_x.py").write_text("def test_x():\n    pass\n")
    proc = subprocess.run([sys.executable, "-m", "pytest", str(tmp_path), "--mode", "live"], capture_output=True,
                          text=True, cwd=tmp_path)
    assert proc.returncode == 4
    assert "conformance: --mode given, but no case files are collected" in proc.stderr


def test_model_ids_with_slashes_make_flat_cassette_names(suite, reference_server):
    from conformance.wire.cassettes import cassette_path

    path = cassette_path(suite.cassettes, "vllm", "core", "stop", "meta-llama/Llama-3-8B")
    assert path.name == "meta-llama_Llama-3-8B.yaml" and path.parent.name == "stop"
    assert cassette_path(suite.cassettes, "t", "core", "stop", "../../etc").name == "_.._etc.yaml"


def test_credentials_in_the_base_url_are_not_kept(suite, reference_server):
    url = reference_server()
    leaky = url.replace("http://", "http://user:pw-secret@")
    run = suite.run("--mode", "live", "--base-url", leaky, HAIKU, select="core.yaml::model")
    assert run.results["run"]["base_url"] == url
    assert "secret" not in suite.results.read_text()
    assert "secret" not in (suite.root / "reports" / "index.html").read_text()
    assert "secret" not in run.output


def test_a_query_string_base_url_is_refused_in_one_line_without_its_credentials(suite, reference_server):
    # The SDK appends its paths after a query string, so no request could reach the route.
    url = reference_server()
    run = suite.run("--mode", "live", "--base-url", url + "?api-key=q-secret", HAIKU, select="core.yaml::model")
    assert run.code == 4 and "no chat completions route there" in run.output and "Traceback" not in run.output
    assert "secret" not in run.output


def test_a_conforming_server_that_chooses_differently_raises_no_alarm(suite, fake):
    url = fake(ConformingVariantWithErrors)
    # The variant is built for the Core and model tables, the response structure and the errors:
    # later tables' cases find what it leaves out.
    for path in suite.cases.glob("*.yaml"):
        if path.name not in ("core.yaml", "models.yaml", "response.yaml", "errors.yaml", "docs-tables.yaml",
                             "targets.yaml"):
            path.unlink()
    run = suite.run("--mode", "live", "--target", "variant", "--base-url", url, "--models=m1,m2",
                    "--random-draws", "5", env={"OPENAI_API_KEY": "k-123456"})
    assert run.code == 0, run.output
    assert run.rows_with("differs") == set()
    assert {"core.model", "core.messages", "core.max_tokens", "core.temperature", "core.top_p", "core.stream",
            "core.stop", "models.m1.sdk"} <= run.rows_with("agrees")
    assert {f"prose.response-structure/{v}" for v in ("sdk-types", "openai-schema", "usage", "one-choice")} | {
        f"prose.errors/{v}" for v in ("out-of-range", "malformed-body", "wrong-key", "unknown-model")
    } <= run.rows_with("agrees")


def test_a_run_where_every_request_is_throttled_fails_and_says_how_many(suite, fake):
    from fake_servers import AlwaysThrottles

    url = fake(AlwaysThrottles)
    run = suite.run("--mode", "live", "--target", "busy", "--base-url", url, "--models=m", select="core.yaml::stop",
                    env={"OPENAI_API_KEY": "k-123456"})
    assert run.code == 1, run.output
    assert "incomplete: 1 result(s) could not be obtained" in run.output
    (result,) = run.results["results"]
    assert result["verdict"] == "inconclusive" and result["obtained"] is False
    assert run.results["run"]["unobtained"] == 1


def test_inconclusive_because_the_docs_promise_nothing_stays_green(suite, reference_server):
    # Sonnet accepts max_tokens up to 8192 where the docs say 4096: accepted outside the range.
    url = reference_server()
    run = suite.run("--mode", "live", "--base-url", url, "--models=claude-4-5-sonnet",
                    select="core.yaml::max_tokens-range")
    assert run.code == 0, run.output
    assert any(r["verdict"] == "inconclusive" for r in run.results["results"])
    assert all(r["obtained"] for r in run.results["results"])


def test_a_server_that_never_answers_costs_seconds_not_a_day(suite, fake):
    import time

    from fake_servers import NeverAnswers

    url = fake(NeverAnswers)
    started = time.monotonic()
    run = suite.run("--mode", "live", "--target", "mute", "--base-url", url, "--models=m1,m2", "--request-timeout",
                    "1", select="core.yaml", env={"OPENAI_API_KEY": "k-123456"})
    elapsed = time.monotonic() - started
    assert run.code == 1, run.output
    assert elapsed < 30, elapsed  # three timeouts, then nothing more is sent to a server that is gone
    assert "could not be obtained" in run.output
    reasons = {r["reason"] for r in run.results["results"]}
    assert any("the server gave no answer to the last 3 requests" in reason for reason in reasons)


def test_throttled_requests_are_retried_as_the_server_asks(suite, fake):
    from fake_servers import ThrottlesEveryOtherRequest

    url = fake(ThrottlesEveryOtherRequest)
    run = suite.run("--mode", "live", "--target", "busy", "--base-url", url, "--models=m", select="core.yaml::stop",
                    env={"OPENAI_API_KEY": "k-123456"})
    assert run.code == 0, run.output
    (result,) = run.results["results"]
    assert result["verdict"] == "agrees" and result["obtained"]


def test_a_deadline_ends_the_run_with_what_was_not_sent_marked(suite, fake):
    from fake_servers import Slow

    url = fake(Slow)
    run = suite.run("--mode", "live", "--target", "slow", "--base-url", url, "--models=m1,m2", "--deadline", "1",
                    select="core.yaml", env={"OPENAI_API_KEY": "k-123456"})
    assert run.code == 1, run.output
    late = [r for r in run.results["results"] if "deadline had passed" in r["reason"]]
    assert late and all(not r["obtained"] for r in late)


def test_a_cut_stream_is_one_outcome_in_every_mode_and_never_replaces_a_good_cassette(recorded_suite, fake):
    url = fake(CutsStreams)
    cassette = recorded_suite.cassettes / "reference" / "core" / "stream" / "claude-4-5-haiku.yaml"
    before = cassette.read_text()
    verdicts = {}
    for mode in ("live", "record"):
        run = recorded_suite.run("--mode", mode, "--base-url", url, HAIKU, select="core.yaml::stream")
        (result,) = run.results["results"]
        verdicts[mode] = result["verdict"]
        assert "the connection broke" in result["reason"], result["reason"]
    assert verdicts == {"live": "differs", "record": "differs"}
    assert cassette.read_text() == before


def test_a_run_that_could_cost_more_than_its_budget_is_refused_before_any_request(suite, reference_server):
    url = reference_server()
    run = suite.run("--mode", "live", "--base-url", url, HAIKU, "--budget", "500")
    assert run.code == 4, run.output
    assert "conformance plan:" in run.output and "over --budget 500" in run.output
    assert run.results["results"] == [] and run.results["run"]["status"] == "refused (over budget)"


def test_a_run_that_reaches_its_budget_sends_nothing_more_and_fails(suite, fake):
    from fake_servers import BillsHeavily

    url = fake(BillsHeavily)
    run = suite.run("--mode", "live", "--target", "heavy", "--base-url", url, "--models=m", "--budget", "20000",
                    select="core.yaml::stop", env={"OPENAI_API_KEY": "k-123456"})
    # model (2 requests) leaves it under budget, messages (4) takes it over, and stop is not sent
    run2 = suite.run("--mode", "live", "--target", "heavy", "--base-url", url, "--models=m", "--budget", "15000",
                     "-k", "model or messages or stop", select="core.yaml", env={"OPENAI_API_KEY": "k-123456"})
    assert run.code == 0, run.output  # one probe and its control: 10,010 tokens
    assert run2.code == 1, run2.output
    late = [r for r in run2.results["results"] if "its budget is 15000" in r["reason"]]
    assert [r["case_id"] for r in late] == ["stop"]
    assert late and not any(r["obtained"] for r in late)


def test_requests_to_one_model_are_paced_under_the_rate_limit(reference_server):
    from senders import FakeClock, python_sender

    from conformance.wire.sender import Pacer

    clock = FakeClock()  # the pacer's time: only its own waits move it, so the figures are exact
    client = python_sender(reference_server(), "reference-key", pacer=Pacer(600, clock=clock))  # one per 0.1 s
    client.sleep = clock.sleep
    for model in ["claude-4-5-haiku"] * 5 + ["nova-lite"]:
        assert client.send({"model": model, "messages": [{"role": "user", "content": "Say OK"}]}).ok
    # four waits of 0.1 s between the five requests to one model; the other model is not held up
    assert clock.slept == pytest.approx([0.1] * 4) and client.paced == pytest.approx(0.4) and client.sent == 6


def test_a_long_live_run_reports_its_progress(suite, reference_server, monkeypatch):
    url = reference_server()
    # PROGRESS_EVERY is 30 s; a run this short shows a line only when the interval is tiny
    run = suite.run("--mode", "live", "--base-url", url, HAIKU, "-p", "progress_now", select="core.yaml",
                    env={"PYTHONPATH": str(__import__("pathlib").Path(__file__).parent)})
    assert run.code == 0, run.output
    assert "progress: " in run.output and " requests, " in run.output and "tokens" in run.output


def test_the_plan_counts_only_the_models_under_test(suite, reference_server):
    # A case for no model under test (thinking on haiku) is collected as one empty test by pytest,
    # and the unknown model id of core.yaml::model is a request, not a model: neither is counted.
    url = reference_server()
    run = suite.run("--mode", "live", "--base-url", url, HAIKU, "-k", "model or thinking")
    assert run.code == 0, run.output
    assert " requests to 1 model(s), at most " in run.output, run.output


def test_a_server_error_to_the_malformed_body_is_the_observation_not_an_outage(suite, fake):
    from fake_servers import FaultsGet503

    FaultsGet503.faulty = 0
    url = fake(FaultsGet503)
    run = suite.run("--mode", "live", "--target", "gw", "--base-url", url, "--models=m",
                    select="errors.yaml::error-malformed-body", env={"OPENAI_API_KEY": "k-123456"})
    (result,) = run.results["results"]
    assert (result["verdict"], result["obtained"]) == ("differs", True), result
    assert "a server error, not a clean rejection" in result["reason"] and "upstream down" not in run.output
    assert FaultsGet503.faulty == 1  # sent once: a server error to a faulty request is its answer
    assert "waited" not in run.output


def test_a_throttled_malformed_body_probe_is_waited_out_and_judged(suite, fake):
    from fake_servers import ThrottlesTheFirstFault

    ThrottlesTheFirstFault.faulty = 0
    url = fake(ThrottlesTheFirstFault)
    run = suite.run("--mode", "live", "--target", "busy", "--base-url", url, "--models=m",
                    select="errors.yaml::error-malformed-body", env={"OPENAI_API_KEY": "k-123456"})
    (result,) = run.results["results"]
    assert (result["verdict"], result["obtained"]) == ("agrees", True), result
    assert ThrottlesTheFirstFault.faulty == 2


def test_a_server_out_of_quota_on_every_model_gets_no_more_requests_and_the_run_fails(suite, fake):
    from fake_servers import CountsThrottles

    from conformance.wire.sender import THROTTLED_LIMIT

    CountsThrottles.count = 0
    url = fake(CountsThrottles)
    run = suite.run("--mode", "live", "--target", "busy", "--base-url", url, "--models=m1,m2",
                    select="core.yaml", env={"OPENAI_API_KEY": "k-123456"})
    assert run.code == 1, run.output
    assert "stopped sending: every model answered HTTP 429" in run.output, run.output
    # 3 attempts each: the route check, THROTTLED_LIMIT requests per model and at most as many to the
    # unknown model id between them, and the rest of the longest test under way while another model
    # still had to reach its limit; not the 130-odd requests core.yaml plans for two models
    from conformance.cases import load_cases
    from conformance.docs import load_docs
    from conformance.plan import plan_requests

    docs = load_docs(ROOT / "cases" / "docs-tables.yaml")
    longest = max(len(plan_requests(c, "m1")) for c in load_cases(ROOT / "cases", docs) if c.file.name == "core.yaml")
    assert CountsThrottles.count <= 3 * (1 + 2 * THROTTLED_LIMIT * 2 + longest), CountsThrottles.count
    assert CountsThrottles.count < 3 * 60  # far fewer than the plan
    reasons = [r["reason"] for r in run.results["results"]]
    assert any("not sent: every model answered HTTP 429" in reason for reason in reasons)


def test_a_server_error_that_outlasts_every_retry_is_recorded_and_replays_to_the_same_verdict(suite, fake):
    """A 5xx to an ordinary request is retried (it may pass); one that every retry gets is the
    server's answer: recorded, so replay judges what the live run judged instead of 'not recorded'."""
    from fake_servers import ImagesGet500

    ImagesGet500.images = 0
    url = fake(ImagesGet500)
    args = ("--target", "noimg", "--models=m", "--features", "vision=false")
    recorded = suite.run("--mode", "record", "--base-url", url, *args, select="vision.yaml::vision-colour",
                         env={"OPENAI_API_KEY": "k-123456"})
    (live,) = recorded.results["results"]
    assert ImagesGet500.images == 6  # each of the two images, retried twice
    replayed = suite.run(*args, select="vision.yaml::vision-colour")
    (again,) = replayed.results["results"]
    assert (again["verdict"], again["status"]) == (live["verdict"], live["status"]) == ("differs", 500), again
    assert "not recorded" not in again["reason"]
