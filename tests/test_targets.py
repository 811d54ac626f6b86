"""Targets resolve from cases/targets.yaml (profiles) and the add-on's own config vars; a profile
says which claims apply, decided in one place (DocsTables.for_target); replay needs no URL."""
import dataclasses
import json
from pathlib import Path

import pytest

from conformance.docs import load_docs
from conformance.errors import ConformanceError
from conformance.findings import ACCEPTED, ERROR, HONOURED, IGNORED, REJECTED, Finding
from conformance.session import ConformanceRun, Options
from conformance.targets import resolve_target
from conformance.verdicts import INCONCLUSIVE, judge

ROOT = Path(__file__).resolve().parent.parent
TARGETS = ROOT / "cases" / "targets.yaml"
DOCS = load_docs(ROOT / "cases" / "docs-tables.yaml")


def resolve(name="heroku", env=None, **kw):
    return resolve_target(TARGETS, DOCS, name, environ=env or {}, **kw)


def test_heroku_reads_the_add_on_config_vars():
    t = resolve(env={"INFERENCE_URL": "https://us.inference.heroku.com", "INFERENCE_KEY": "inf-abc"})
    assert t.base_url == "https://us.inference.heroku.com/v1"
    assert t.api_key == "inf-abc"
    assert t.models == tuple(DOCS.model_ids)  # the docs' model table
    assert "inf-abc" not in repr(t)


def test_heroku_with_a_model_id_tests_that_model():
    t = resolve(env={"INFERENCE_URL": "https://x", "INFERENCE_KEY": "k", "INFERENCE_MODEL_ID": "claude-4-5-haiku"})
    assert t.models == ("claude-4-5-haiku",)


def test_an_aliased_attachment_uses_its_prefix():
    env = {"INFERENCE_4_URL": "https://eu.inference.heroku.com/", "INFERENCE_4_KEY": "inf-4"}
    t = resolve(env=env, env_prefix="INFERENCE_4")
    assert (t.base_url, t.api_key) == ("https://eu.inference.heroku.com/v1", "inf-4")


def test_heroku_without_url_is_one_clear_line():
    with pytest.raises(ConformanceError, match="target 'heroku' needs INFERENCE_URL set"):
        resolve(env={"INFERENCE_KEY": "k"})


def test_replay_needs_no_url():
    assert resolve(env={}, need_url=False).base_url is None


def test_any_server_by_url():
    t = resolve("llama", base_url="http://127.0.0.1:8080/v1", env={"OPENAI_API_KEY": "sk-x"}, models=["tiny"])
    assert (t.base_url, t.api_key, t.models) == ("http://127.0.0.1:8080/v1", "sk-x", ("tiny",))


def test_unknown_target_without_url():
    with pytest.raises(ConformanceError, match="unknown target 'nope'"):
        resolve("nope")


# --- profiles -------------------------------------------------------------------------------------

def test_llama_cpp_is_a_profile_with_its_own_model_and_features():
    t = resolve("llama-cpp", need_url=False)
    assert (t.models, t.own_models, t.api_key, t.base_url) == (("tiny",), ("tiny",), "llama-cpp-dummy-key", None)
    assert t.features == {"vision": False, "thinking": False} and t.claims == "heroku"
    assert t.start.command == ("python", "-m", "peer.llama_cpp", "serve", "--port", "{port}",
                               "--api-key-env", "LLAMA_CPP_API_KEY")
    assert dict(t.start.env) == {"LLAMA_CPP_API_KEY": "{key}"}  # started with the key, so a wrong one is refused
    assert (t.start.port, t.start.ready, t.base_path) == (None, "/health", "/v1")


def test_the_reference_server_is_a_profile_like_any_other():
    t = resolve("reference", need_url=False)
    assert t.start.command[:3] == ("python", "-m", "reference_server") and t.own_models == ()
    assert t.models == tuple(DOCS.model_ids) and t.profile.endswith("cases/targets.yaml")


def write_targets(tmp_path, body: str) -> Path:
    path = tmp_path / "targets.yaml"
    path.write_text("targets:\n" + body)
    return path


@pytest.mark.parametrize("body, problem", [
    ("  x: {models: [m]}\n", "target 'x': names no url, url_env or start: there is no way to reach it"),
    ("  x: {url: 'http://127.0.0.1:1', models: [m], features: {audio: true}}\n",
     "target 'x': unknown feature(s) audio: features are the docs' model-table columns (sdk, thinking, vision)"),
    ("  x: {url: 'http://127.0.0.1:1', models: docs, features: {vision: true}}\n",
     "target 'x': features describe the profile's own models"),
    ("  x: {start: {command: [srv, --port, '8080']}, models: [m]}\n",
     "target 'x': start never says {port} (in command or env)"),
    ("  x: {url: 'http://127.0.0.1:1', claims: judged}\n", "targets.x.claims: 'judged' is not one of"),
    ("  x: {start: {ready: /health}}\n", "targets.x.start: 'command' is a required property"),
    ("  x: {url: 'http://127.0.0.1:1', colour: blue}\n", "targets.x: unknown key(s) ('colour' was unexpected)"),
    ("  x: {url: 'http://127.0.0.1:1', models: [m], known_differences: {advanced.colour: why}}\n",
     "target 'x': known_differences names no docs claim: advanced.colour"),
])
def test_a_bad_profile_is_one_line_naming_file_target_and_problem(tmp_path, body, problem):
    path = write_targets(tmp_path, body)
    with pytest.raises(ConformanceError) as err:
        resolve_target(path, DOCS, "x", environ={})
    assert str(err.value).startswith(f"{path}: ") and problem in str(err.value) and "\n" not in str(err.value)


# --- which claims apply: decided in docs.for_target ------------------------------------------------

def test_features_are_the_model_table_of_a_profiles_own_models():
    docs = DOCS.for_target("heroku", ("tiny",), {"vision": False, "thinking": True})
    vision, thinking, sdk = (docs.claim_for(f"models.{{model}}.{c}", "tiny") for c in ("vision", "thinking", "sdk"))
    assert (vision.id, vision.level, vision.promise) == ("models.tiny.vision", "✗", "not-supported")
    assert (thinking.level, thinking.promise) == ("✓", "works-on-this-model")
    assert sdk.level == "✓"  # "all models work with the OpenAI SDK": the general sentence
    assert docs.model_row("tiny") == "tiny"  # the profile documents it: a refused model is a finding
    # Without a profile (or --features) saying so, an unlisted model's vision is not known: observed.
    assert DOCS.claim_for("models.{model}.vision", "tiny").level == "feature unknown"


def test_a_profiles_own_models_get_each_rows_general_level_never_herokus_per_model_one():
    row = "devcenter.parallel_tool_calls"  # Full, but Ignored on nova-pro at Heroku
    assert DOCS.claim_for(row, "nova-pro").level == "Ignored"
    assert DOCS.for_target("heroku", ("nova-pro",), {}).claim_for(row, "nova-pro").level == "Full"
    # The same model id in Heroku's own table keeps Heroku's model row unless the profile lists it.
    assert DOCS.for_target("heroku").claim_for("models.{model}.vision", "claude-3-5-haiku").level == "✗"
    assert DOCS.for_target("heroku", ("claude-3-5-haiku",), {"vision": True}).claim_for(
        "models.{model}.vision", "claude-3-5-haiku").level == "✓"
    # and a profile's features speak for its own model even where Heroku's pages disagree (a model card)
    assert DOCS.for_target("heroku", ("claude-4-5-haiku",), {"vision": False}).claim_for(
        "models.{model}.vision", "claude-4-5-haiku").level == "✗"


def test_observe_only_judges_nothing_and_shows_every_observation():
    docs = DOCS.for_target("observe-only")
    for row, model in (("core.max_tokens", "nova-pro"), ("models.{model}.vision", "claude-4-5-haiku"),
                       ("advanced.seed/strict", "nova-lite")):
        claim = docs.claim_for(row, model)
        assert claim.level == "observed only"
        for observed in (HONOURED, ACCEPTED, IGNORED, REJECTED, ERROR):
            for documented in (True, False):
                verdict, reason = judge(claim.promise, Finding(observed, "what was seen", 400), documented)
                assert verdict == INCONCLUSIVE and reason.startswith("what was seen")
        assert "Heroku's docs are not held against it" in judge(claim.promise, Finding(HONOURED, "x"))[1]


# --- runs -----------------------------------------------------------------------------------------

def options(tmp_path, **kw) -> Options:
    return Options(sdk="python", cases_dir=ROOT / "cases", cassette_dir=ROOT / "cassettes",
                   results=tmp_path / "results.json", report=None, **kw)


def run_some(run: ConformanceRun, ids=("model", "stop", "sdk-response"), models=("claude-4-5-haiku",)) -> dict:
    run.cases = [c for c in run.cases if c.id in ids]
    run.target = dataclasses.replace(run.target, models=tuple(models))
    run.connect()
    try:
        return {(r.row, r.model, r.verdict) for r in run.run_all()}
    finally:
        run.close()


def test_the_reference_profile_gives_what_its_shipped_cassettes_recorded(tmp_path):
    live = run_some(ConformanceRun.prepare(options(tmp_path, mode="live")))  # started from its profile
    replayed = run_some(ConformanceRun.prepare(options(tmp_path)))
    assert live == replayed and {v for _, _, v in live} == {"agrees"}
    assert len(live) == 3


def test_observe_only_replay_of_the_reference(tmp_path):
    cases = tmp_path / "cases"
    cases.mkdir()
    for name in ("docs-tables.yaml", "core.yaml", "models.yaml"):
        (cases / name).write_text((ROOT / "cases" / name).read_text())
    (cases / "targets.yaml").write_text(TARGETS.read_text().replace(
        "    key: reference-key\n", "    key: reference-key\n    claims: observe-only\n"))
    run = ConformanceRun.prepare(dataclasses.replace(options(tmp_path), cases_dir=cases))
    found = run_some(run)
    assert {v for _, _, v in found} == {"inconclusive"} and len(found) == 3
    assert run.run_metadata()["claims"] == "observe-only"


def test_replaying_a_profiled_target_needs_no_url(tmp_path):
    run = ConformanceRun.prepare(options(tmp_path, target="llama-cpp"))
    assert run.target.base_url is None and run.target.models == ("tiny",)
    meta = run.run_metadata()
    assert (meta["target"], meta["claims"], meta["features"], meta["own_models"]) == (
        "llama-cpp", "heroku", {"vision": False, "thinking": False}, ["tiny"])
    # The run judges by the profile: its features are tiny's model table.
    assert run.docs.claim_for("models.{model}.vision", "tiny").level == "✗"
    assert run.docs.claim_for("models.{model}.thinking", "tiny").promise == "not-supported"


def test_an_ad_hoc_target_recorded_once_replays_with_no_url_or_models(tmp_path, reference_server, monkeypatch):
    url = reference_server()
    recording = options(tmp_path, mode="record", target="my-server", base_url=url, api_key_env="MY_KEY",
                        models=["claude-4-5-haiku"])
    recording.cassette_dir = tmp_path / "cassettes"
    monkeypatch.setenv("MY_KEY", "reference-key")
    recorded = run_some(ConformanceRun.prepare(recording))
    manifest = json.loads((tmp_path / "cassettes" / "my-server" / "target.json").read_text())
    cassette = next((tmp_path / "cassettes" / "my-server").rglob("*.yaml")).read_text()
    assert "host: 127.0.0.1" in cassette  # where it was recorded from, for the report's labels
    assert manifest["models"] == ["claude-4-5-haiku"] and "reference-key" not in str(manifest)
    replay = ConformanceRun.prepare(dataclasses.replace(recording, mode="replay", base_url=None, models=None,
                                                        api_key_env=None))
    assert replay.target.models == ("claude-4-5-haiku",)
    assert run_some(replay) == recorded and {v for _, _, v in recorded} == {"agrees"}


def test_an_unknown_target_lists_profiles_and_recorded_targets(tmp_path):
    (tmp_path / "c" / "old-server" / "core" / "stop").mkdir(parents=True)
    (tmp_path / "c" / "old-server" / "core" / "stop" / "m.yaml").write_text("version: 1\n")
    with pytest.raises(ConformanceError, match=r"unknown target 'nope' \(known in .*targets.yaml: heroku, reference, "
                                               r"llama-cpp; recorded: old-server\); to test another server pass "
                                               r"--base-url URL"):
        resolve("nope", need_url=False, cassette_dir=tmp_path / "c")


def test_an_older_recording_without_its_manifest_replays_with_models(tmp_path):
    (tmp_path / "c" / "old-server" / "core" / "stop").mkdir(parents=True)
    (tmp_path / "c" / "old-server" / "core" / "stop" / "m.yaml").write_text("version: 1\n")
    with pytest.raises(ConformanceError, match=r"target 'old-server' has cassettes but no .*old-server/target.json: "
                                               r"name the models to replay with --models a,b"):
        resolve("old-server", need_url=False, cassette_dir=tmp_path / "c")
    t = resolve("old-server", need_url=False, cassette_dir=tmp_path / "c", models=["m"])
    # an ad-hoc target's models the docs' table lacks are its own (their features unknown)
    assert (t.models, t.base_url, t.claims, t.own_models) == (("m",), None, "heroku", ("m",))


# --- known differences: a peer's checked differences are expected failures ---------------------------

def test_a_rows_level_by_model_column_reaches_a_profiles_own_models():
    row = "devcenter.reasoning_effort"  # Full, and unstated for a model without extended thinking
    without = DOCS.for_target("heroku", ("tiny",), {"thinking": False})
    with_thinking = DOCS.for_target("heroku", ("tiny",), {"thinking": True})
    assert without.claim_for(row, "tiny").level == "Unstated"
    assert with_thinking.claim_for(row, "tiny").level == "Full"
    # nothing said: whether it can reason is not known, so the row is observed, not held at Full
    assert DOCS.for_target("heroku", ("tiny",), {}).claim_for(row, "tiny").level == "feature unknown"
    # Heroku's own models: the same answers as their explicit model_levels.
    for model in DOCS.model_ids:
        marks = DOCS.model_marks(model)
        expected = "Unstated" if marks.get("thinking") == "✗" else "Full"
        assert DOCS.claim_for(row, model).level == expected, model


def test_known_differences_mark_exactly_their_claims_and_cases(tmp_path):
    run = ConformanceRun.prepare(options(tmp_path, target="llama-cpp"))
    cases = {c.id: c for c in run.cases}
    n = run.known_difference(cases["n"], "tiny")
    assert n.claims == {"advanced.n", "devcenter.n"} and "n: 2 is refused" in n.why
    assert run.known_difference(cases["n-strict"], "tiny") is None  # advanced.n/strict is not advanced.n
    named = run.known_difference(cases["tool_choice-named"], "tiny")
    assert named.claims is None and named.covers("advanced.tool_choice")  # the whole case
    assert run.known_difference(cases["tool_choice-required"], "tiny") is None  # same row, another case
    assert run.known_difference(cases["vision-colour"], "tiny").claims == {"models.tiny.vision"}


def _result(row, verdict="differs"):
    from conformance.results import Result

    fields = {f.name: None for f in dataclasses.fields(Result)}
    return Result(**{**fields, "row": row, "verdict": verdict, "evidence": {}, "reason": "r", "documented": "Full",
                     "obtained": True, "params": {}})


def test_a_known_difference_passes_only_while_it_is_exactly_what_differs():
    from conformance.expectations import FAILED, PASSED, SKIPPED, XFAILED, KnownDifference, decide, unexpected

    known = KnownDifference("known difference of x (advanced.n: refused)", frozenset({"advanced.n"}))
    results = [_result("advanced.n")]
    outcome = decide(results, known)
    assert outcome.status == XFAILED and not unexpected(results)  # expected, and written down as such
    assert results[0].known == known.why
    results = [_result("advanced.n"), _result("devcenter.n")]
    outcome = decide(results, known)
    assert outcome.status == FAILED and "devcenter.n" in outcome.message  # another row differing fails the test
    assert [r.row for r in unexpected(results)] == ["devcenter.n"]
    results = [_result("advanced.n", "agrees")]
    outcome = decide(results, known)
    assert outcome.status == FAILED and "a known difference is gone, nothing differs now" in outcome.message
    assert unexpected(results) == results  # a gone difference fails the run, in the data too
    both = KnownDifference("w", frozenset({"advanced.n", "devcenter.n"}))
    results = [_result("advanced.n"), _result("devcenter.n", "agrees")]
    outcome = decide(results, both)
    assert outcome.status == FAILED and "devcenter.n no longer differs" in outcome.message
    assert [r.row for r in unexpected(results)] == ["devcenter.n"]
    # Not recorded: nothing to compare (the test is skipped with the recording command).
    assert decide([_result("advanced.n", "not recorded")], known).status == SKIPPED
    # A case marked xfail (the docs contradict themselves) is not strict: nothing differing passes.
    loose = KnownDifference("marked xfail", None, strict=False)
    assert decide([_result("devcenter.logprobs", "agrees")], loose).status == PASSED


def test_without_a_known_difference_a_difference_or_nothing_obtained_fails_the_run():
    from conformance.expectations import FAILED, decide, unexpected

    results = [_result("core.stop"), _result("core.stream", "agrees")]
    assert decide(results, None).status == FAILED
    assert [r.row for r in unexpected(results)] == ["core.stop"]
    silent = _result("core.stop", "inconclusive")
    silent.obtained = False
    found = decide([silent], None)
    assert found.status == FAILED and "could not be obtained" in found.message and unexpected([silent]) == [silent]
    broken = _result("core.stop", "inconclusive")
    broken.evidence = {"harness_error": "KeyError: x"}
    assert decide([broken], None).status == FAILED and unexpected([broken]) == [broken]


def test_a_known_difference_naming_no_case_is_one_line(tmp_path):
    cases = tmp_path / "cases"
    cases.mkdir()
    for name in ("docs-tables.yaml", "core.yaml"):
        (cases / name).write_text((ROOT / "cases" / name).read_text())
    (cases / "targets.yaml").write_text(TARGETS.read_text().replace(
        "    known_differences:\n", "    known_differences:\n      no-such-case: why\n"))
    with pytest.raises(ConformanceError) as err:
        ConformanceRun.prepare(dataclasses.replace(options(tmp_path, target="llama-cpp"), cases_dir=cases))
    assert "target 'llama-cpp': known_differences names no case or docs claim: no-such-case" in str(err.value)
    assert "\n" not in str(err.value)


def test_a_case_for_some_of_herokus_models_runs_on_a_profiles_own_model_where_its_rows_apply(tmp_path):
    run = ConformanceRun.prepare(options(tmp_path, target="llama-cpp"))
    cases = {c.id: c for c in run.cases}
    # tiny has no extended thinking: the limitation about such models and its model-table cell apply ...
    assert run.runs(cases["thinking-limited-to-some-models"], "tiny")
    assert run.runs(cases["thinking-on-other-models"], "tiny")
    # ... the thinking options do not.
    assert not run.runs(cases["thinking-enabled"], "tiny") and not run.runs(cases["thinking-budget-tokens"], "tiny")
    heroku = ConformanceRun.prepare(options(tmp_path))
    assert not heroku.runs(cases["thinking-limited-to-some-models"], "claude-4-5-sonnet")  # its models: list
    # a prompt sized for one Heroku model's minimum (`own_models: false`) stays with that model
    assert not run.runs(cases["prompt-caching-header-long"], "tiny")
    assert run.runs(cases["prompt-caching-header"], "tiny")
    assert heroku.runs(cases["prompt-caching-header-long"], "claude-4-5-haiku")
    assert not heroku.runs(cases["prompt-caching-header"], "claude-4-5-haiku")
