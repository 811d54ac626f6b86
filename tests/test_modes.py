"""The three modes, run as a user runs them: replay (default), live, record."""
import json

import pytest
import yaml

ONE_CASE = "core.yaml::model"
HAIKU = "--models=claude-4-5-haiku"


def test_replay_of_shipped_cassettes_works_with_the_network_blocked(recorded_suite):
    # The canary for vcrpy interception: if it stopped patching the SDK's transport, requests would
    # hit the blocked network and every case would come out "not recorded".
    run = recorded_suite.run()
    assert run.code == 0, run.output
    verdicts = run.results["totals"]["verdicts"]
    assert verdicts["not recorded"] == 0
    assert {r["row"] for r in run.results["results"] if r["verdict"] == "differs"} == set()
    assert verdicts["agrees"] > 0
    assert run.results["run"]["mode"] == "replay"
    # every answer came from a cassette (pages.model-env sends nothing on a target without INFERENCE_MODEL_ID)
    assert all(r["evidence"]["provenance"]["target"] == "reference" for r in run.results["results"]
               if r["row"] != "pages.model-env")
    assert all(not r["evidence"]["requests"] for r in run.results["results"] if r["row"] == "pages.model-env")


def test_replay_without_a_cassette_says_not_recorded_with_the_command(suite):
    run = suite.run(HAIKU, select=ONE_CASE)
    assert run.code == 0, run.output  # skipped, not crashed
    (result,) = run.results["results"]
    assert result["verdict"] == "not recorded"
    assert result["reason"].endswith("record it with: python3 -m nox -s record -- --target reference "
                                     "--models claude-4-5-haiku 'cases/core.yaml::model[claude-4-5-haiku]'")
    assert "Traceback" not in run.output


def test_replay_of_a_changed_request_is_not_recorded_not_an_old_answer(recorded_suite):
    case_file = recorded_suite.cases / "core.yaml"
    text = case_file.read_text().replace("model: conformance-no-such-model}", "model: conformance-no-such-model-2}")
    case_file.write_text(text)
    run = recorded_suite.run(HAIKU, select=ONE_CASE)
    (result,) = run.results["results"]
    assert result["verdict"] == "not recorded", result


def test_live_writes_no_cassette(suite, reference_server):
    url = reference_server()
    run = suite.run("--mode", "live", "--base-url", url, HAIKU, select=ONE_CASE)
    assert run.code == 0, run.output
    assert run.results["results"][0]["verdict"] == "agrees"
    assert not suite.cassettes.exists()


def test_record_then_replay_gives_identical_results(suite):
    # No --base-url: the record run starts the reference server itself and stops it afterwards.
    recorded = suite.run("--mode", "record", HAIKU)
    assert recorded.code == 0, recorded.output
    cassette = suite.cassettes / "reference" / "core" / "model" / "claude-4-5-haiku.yaml"
    provenance = yaml.safe_load(cassette.read_text())["metadata"]["provenance"]
    assert provenance["target"] == "reference" and provenance["model"] == "claude-4-5-haiku"
    assert provenance["case"] == "model" and provenance["suite_version"] and provenance["recorded_at"]

    replayed = suite.run(HAIKU)
    assert replayed.code == 0, replayed.output

    def key(r):
        return (r["test_id"], json.dumps(r["params"], sort_keys=True), r["row"])

    def outcome(r):
        return (r["verdict"], r["observed"], r["reason"], r["tokens"])

    first = {key(r): outcome(r) for r in recorded.results["results"]}
    second = {key(r): outcome(r) for r in replayed.results["results"]}
    assert first == second


def test_live_without_a_key_stops_at_once_with_one_line(suite):
    run = suite.run("--mode", "live", "--target", "heroku",
                    env={"INFERENCE_URL": "http://127.0.0.1:9"})
    assert run.code != 0
    assert "conformance: target 'heroku' has no API key: set INFERENCE_KEY" in run.output
    assert "Traceback" not in run.output
    assert run.results is None  # nothing was run, nothing half-written


def test_live_against_an_unreachable_server_stops_at_once(suite):
    run = suite.run("--mode", "live", "--target", "heroku",
                    env={"INFERENCE_URL": "http://127.0.0.1:9", "INFERENCE_KEY": "inf-test"})
    assert run.code != 0
    assert "conformance: target 'heroku' is unreachable at http://127.0.0.1:9/v1" in run.output
    assert "Traceback" not in run.output


def test_a_wrong_key_stops_the_run_with_one_line(suite, reference_server):
    url = reference_server(api_key="the-right-key")
    run = suite.run("--mode", "live", "--base-url", url, "--api-key-env", "MY_KEY", HAIKU,
                    env={"MY_KEY": "the-wrong-key"})
    assert run.code != 0
    assert "refused the API key (HTTP 401: Incorrect API key provided: <scrubbed>)" in run.output
    assert "the-wrong-key" not in run.output  # the server echoed it; the suite must not
    assert "Traceback" not in run.output


def test_a_model_the_server_does_not_serve_raises_no_false_alarm(suite, reference_server):
    url = reference_server()
    run = suite.run("--mode", "live", "--base-url", url, "--models=gpt-nonexistent", "--random-draws", "0")
    assert run.code == 0, run.output
    verdicts = {r["verdict"] for r in run.results["results"]}
    assert verdicts == {"inconclusive"}
    assert all("refused the model itself" in r["reason"] or "outside the documented range" in r["reason"]
               or r["row"] == "pages.model-env" and r["reason"].startswith("not applicable")  # nothing sent
               for r in run.results["results"])


def test_an_unreadable_cassette_is_not_recorded_with_one_line(recorded_suite):
    cassette = recorded_suite.cassettes / "reference" / "core" / "model" / "claude-4-5-haiku.yaml"
    cassette.write_text("interactions: [\n")
    run = recorded_suite.run(HAIKU, select=ONE_CASE)
    assert run.code == 0, run.output
    (result,) = run.results["results"]
    assert result["verdict"] == "not recorded" and "is not a readable cassette" in result["reason"]
    assert "Traceback" not in run.output


def test_a_malformed_base_url_is_one_line(suite):
    run = suite.run("--mode", "live", "--base-url", "not-a-url", HAIKU)
    assert run.code != 0
    assert "conformance: target 'reference' is unreachable at not-a-url" in run.output
    assert "Traceback" not in run.output


def test_replay_blocks_the_network_so_a_miss_can_never_go_live(recorded_suite, reference_server):
    # A conftest beside the cases tries a real connection from inside a replayed test.
    url = reference_server()
    port = int(url.rsplit(":", 1)[1].split("/")[0])
    probe_file = recorded_suite.root / "probe.txt"
    (recorded_suite.cases / "conftest.py").write_text(
        "import socket, pytest\n"
        "@pytest.fixture(autouse=True)\n"
        "def try_network():\n"
        "    try:\n"
        f"        socket.create_connection(('127.0.0.1', {port}), timeout=2).close()\n"
        "        outcome = 'connected'\n"
        "    except Exception as err:\n"
        "        outcome = f'blocked: {err}'\n"
        f"    open({str(probe_file)!r}, 'w').write(outcome)\n"
        "    yield\n"
    )
    run = recorded_suite.run(HAIKU, select=ONE_CASE)
    assert run.code == 0, run.output
    assert probe_file.read_text().startswith("blocked"), probe_file.read_text()
    # and the same connection from a live run goes through
    live = recorded_suite.run("--mode", "live", "--base-url", url, HAIKU, select=ONE_CASE)
    assert live.code == 0 and probe_file.read_text() == "connected"


def test_replay_answers_from_the_cassette_in_order_and_misses_are_not_recorded(tmp_path, reference_server):
    from senders import python_sender

    from conformance.wire.cassettes import NotRecorded
    from conformance.wire.recording import RECORD, REPLAY, Recorder
    from conformance.wire.replay import CassetteTransport

    request = {"model": "claude-4-5-haiku", "messages": [{"role": "user", "content": "Count from 1 to 3"}]}
    cassette = tmp_path / "c.yaml"
    recording = Recorder(RECORD, tmp_path, "t", ["reference-key"])
    live = python_sender(reference_server(), "reference-key")
    with recording.cassette(cassette, {"case": "x"}):
        first = live.send(request)
        streamed = live.send({**request, "stream": True})
    replay = Recorder(REPLAY, tmp_path, "t", [])
    client = python_sender("http://127.0.0.1:9/v1", "k", transport=CassetteTransport(replay))
    with replay.cassette(cassette, {"case": "x"}):
        again = client.send(request)
        again_streamed = client.send({**request, "stream": True})
        assert (again.status, again.body) == (first.status, first.body)
        assert again_streamed.events == streamed.events and again_streamed.done_marker
        with pytest.raises(NotRecorded):  # each answer plays once, and another body has none
            client.send(request)
        with pytest.raises(NotRecorded):
            client.send({**request, "max_tokens": 5})
    assert replay.replayed_provenance["case"] == "x"
