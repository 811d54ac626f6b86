"""Probes that a real small-model server once fooled, each with a server that reproduces it."""
import yaml
from fake_servers import EchoesAnyModel, MangledStream, RejectsFineTemperatures, WeakModel

KEY = {"OPENAI_API_KEY": "k-123456"}


def only(run, row):
    (result,) = [r for r in run.results["results"] if r["row"] == row]
    return result


def test_a_weak_model_that_does_not_repeat_the_words_is_unclear_not_a_dropped_turn(suite, fake):
    url = fake(WeakModel)
    run = suite.run("--mode", "live", "--target", "weak", "--base-url", url, "--models=m", select="core.yaml::messages",
                    env=KEY)
    result = only(run, "core.messages")
    assert (result["observed"], result["verdict"]) == ("unclear", "inconclusive"), result
    assert "repeats none of the words" in result["reason"]


def test_a_server_that_answers_any_model_name_differs_on_core_model(suite, fake):
    url = fake(EchoesAnyModel)
    run = suite.run("--mode", "live", "--target", "echo", "--base-url", url, "--models=m", select="core.yaml::model",
                    env=KEY)
    result = only(run, "core.model")
    assert result["verdict"] == "differs", result
    assert "the unknown model id 'conformance-no-such-model' was answered" in result["reason"]


def test_a_stream_with_the_right_numbers_but_mangled_text_differs(suite, fake):
    url = fake(MangledStream)
    run = suite.run("--mode", "live", "--target", "mangled", "--base-url", url, "--models=m",
                    select="core.yaml::stream", env=KEY)
    result = only(run, "core.stream")
    assert result["verdict"] == "differs", result
    assert "which is the same in all 2 plain requests" in result["reason"]


def test_a_base_url_without_v1_is_one_line_before_any_case(suite, reference_server):
    url = reference_server().removesuffix("/v1")
    run = suite.run("--mode", "live", "--base-url", url, "--models=claude-4-5-haiku")
    assert run.code == 4 and "Traceback" not in run.output, run.output
    assert "answers HTTP 404 (" in run.output
    assert "no chat completions route there (does the base URL lack /v1?)" in run.output


def test_a_live_failure_on_a_random_draw_is_written_out_as_a_case_that_reproduces_it(suite, fake):
    url = fake(RejectsFineTemperatures)
    run = suite.run("--mode", "live", "--target", "fine", "--base-url", url, "--models=m", "--random-draws", "5",
                    select="core.yaml::temperature", env=KEY)
    assert run.code == 1, run.output
    (path,) = run.results["run"]["repro_cases"]
    assert "written out as a case that reproduces it" in run.output
    (case,) = yaml.safe_load((suite.root / path).read_text())["cases"]
    assert case["id"] == "temperature-repro" and case["models"] == ["m"] and case["explore"]["examples"]
    # Copied into the cases, it runs (and fails) on exactly those values, without random draws.
    (suite.cases / "repro.yaml").write_text((suite.root / path).read_text())
    again = suite.run("--mode", "live", "--target", "fine", "--base-url", url, "--models=m", "--random-draws", "0",
                      select="repro.yaml", env=KEY)
    differing = {r["params"]["temperature"] for r in again.results["results"] if r["verdict"] == "differs"}
    assert differing == set(case["explore"]["examples"])
