"""Models beyond the docs' table: a live run of the docs' models asks the service's list and gives
every chat model it names beyond the table the model table's cases, and no other."""
from conformance.beyond import runs_beyond_the_table


def test_a_live_run_adds_the_listed_chat_models_beyond_the_table_with_the_model_table_cases_only(
        suite, reference_server):
    url = reference_server()
    run = suite.run("--mode", "live", "--base-url", url, "-k", "sdk-response or vision-colour or stop")
    assert run.code == 0, run.output
    results = run.results["results"]
    beyond = {"claude-3-haiku", "gpt-oss-120b"}  # listed by the reference server, not in the table
    assert set(run.results["run"]["beyond_the_table"]) == beyond
    rows = {(r["model"], r["row"]): r for r in results if r["model"] in beyond}
    # the SDK column is judged against the page's "all models ... work with the OpenAI SDK"
    assert rows[("gpt-oss-120b", "models.gpt-oss-120b.sdk")]["verdict"] == "agrees"
    # vision is observed: no table declares it for these models
    vision = rows[("claude-3-haiku", "models.claude-3-haiku.vision")]
    assert vision["verdict"] == "inconclusive" and vision["documented"] == "feature unknown"
    assert "each image's colour is named" in vision["reason"]
    # and nothing but the model table's cases ran on them
    assert {row for _, row in rows if not row.startswith("models.")} == set()
    assert any(r["row"] == "core.stop" for r in results)  # the documented models got the rest


def test_a_run_narrowed_to_models_never_asks_for_more(suite, reference_server):
    url = reference_server()
    run = suite.run("--mode", "live", "--base-url", url, "--models=claude-4-5-haiku", "-k", "sdk-response")
    assert run.results["run"]["beyond_the_table"] == []
    assert {r["model"] for r in run.results["results"]} == {"claude-4-5-haiku"}


def test_only_the_model_tables_cases_run_beyond_it():
    assert runs_beyond_the_table(["models.{model}.sdk"])
    assert not runs_beyond_the_table(["models.{model}.sdk", "core.model"])
    assert not runs_beyond_the_table(["core.stop"]) and not runs_beyond_the_table([])
