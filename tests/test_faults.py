"""Faults found in review: each must end as a true verdict on the right row, or a clean line."""
import pytest
import yaml
from fake_servers import ConformingVariant, CutsStreams, RefusesMaxTokens, serve

HAIKU = "--models=claude-4-5-haiku"


@pytest.fixture
def fake():
    stops = []

    def start(handler):
        url, stop = serve(handler)
        stops.append(stop)
        return url

    yield start
    for stop in stops:
        stop()


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
    assert [i["response"]["status"]["code"] for i in data["interactions"]] == [200]
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
    from conformance.recording import cassette_path

    path = cassette_path(suite.cassettes, "vllm", "core", "stop", "meta-llama/Llama-3-8B")
    assert path.name == "meta-llama_Llama-3-8B.yaml" and path.parent.name == "stop"
    assert cassette_path(suite.cassettes, "t", "core", "stop", "../../etc").name == "_.._etc.yaml"


def test_credentials_in_the_base_url_are_not_kept(suite, reference_server):
    url = reference_server()
    leaky = url.replace("http://", "http://user:pw-secret@") + "?api-key=q-secret"
    run = suite.run("--mode", "live", "--base-url", leaky, HAIKU, select="core.yaml::model")
    assert run.results["run"]["base_url"] == url
    assert "secret" not in suite.results.read_text()
    assert "secret" not in (suite.root / "reports" / "index.html").read_text()


def test_a_conforming_server_that_chooses_differently_raises_no_alarm(suite, fake):
    url = fake(ConformingVariant)
    # -k: the claims this server implements (ConformingParameters covers the parameter tables)
    run = suite.run("--mode", "live", "--target", "variant", "--base-url", url, "--models=m1,m2",
                    "--random-draws", "5", "-k", "core or models", env={"OPENAI_API_KEY": "k-123456"})
    assert run.code == 0, run.output
    assert run.rows_with("differs") == set()
    assert {"core.model", "core.messages", "core.max_tokens", "core.temperature", "core.top_p", "core.stream",
            "core.stop", "models.m1.sdk"} <= run.rows_with("agrees")
