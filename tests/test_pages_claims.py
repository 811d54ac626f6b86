"""What Heroku's other pages claim: the ids its model cards give (pages.card-ids) and the model id the
compatibility page's setup reads from INFERENCE_MODEL_ID (pages.model-env), on hand-built exchanges
and in live runs against the reference server served as a heroku-like target (env vars on loopback)."""
import json
from pathlib import Path

import pytest
import yaml

from conformance import checks
from conformance.docs import load_docs
from conformance.exchange import Exchange
from conformance.findings import ERROR, HONOURED, IGNORED, REJECTED, UNCLEAR
from conformance.model_env import ModelEnv, before_sending
from conformance.reference import ReferenceServer
from conformance.session import ConformanceRun, Options
from conformance.verdicts import AGREES, DIFFERS, INCONCLUSIVE, judge

ROOT = Path(__file__).resolve().parent.parent
DOCS = load_docs(ROOT / "cases" / "docs-tables.yaml")
CHAT = {"choices": [{"index": 0, "message": {"role": "assistant", "content": "OK"}, "finish_reason": "stop"}]}
CARD_IDS = ("openai-gpt-oss-120b", "claude-sonnet", "claude-sonnet-4-6")
KEY = "heroku-like-key-7c1e9d"  # never to appear in any output


def answer(model, status=200, message="model not found"):
    return Exchange(request={"model": model}, status=status,
                    body=CHAT if status == 200 else {"error": {"message": message}})


def cards(statuses=(200, 200, 200), control=200, no_such_model=400):
    found = checks.card_ids_answered(answer("claude-4-5-haiku", control),
                                     *(answer(m, s) for m, s in zip(CARD_IDS, statuses, strict=True)),
                                     answer("conformance-no-such-model", no_such_model))
    claim = DOCS.claim_for("pages.card-ids", "claude-4-5-haiku")
    return found, judge(claim.promise, found)[0]


def test_the_card_ids_case_sends_every_id_the_cards_give_and_its_row_is_herokus_and_judged():
    case = next(c for c in yaml.safe_load((ROOT / "cases" / "pages.yaml").read_text())["cases"]
                if c["id"] == "card-ids")
    sent = [step["overrides"]["model"] for step in case["steps"] if step["name"] != "no_such_model"]
    assert sorted(sent) == sorted(i for card in DOCS.data["cards"] for i in card.get("ids", [])) == sorted(CARD_IDS)
    assert case["request"]["max_tokens"] <= 5  # cheap: one short answer per id
    claim = DOCS.claim_for("pages.card-ids", "claude-4-5-haiku")
    assert claim.tier == "heroku" and claim.promise == "accepted-with-effect"


def test_every_card_id_answered_agrees():
    found, verdict = cards()
    assert found.observed == HONOURED and verdict == AGREES
    assert "openai-gpt-oss-120b, claude-sonnet, claude-sonnet-4-6" in found.reason


@pytest.mark.parametrize("status", [400, 404])
def test_a_card_id_refused_as_an_unknown_model_differs_naming_it(status):
    found, verdict = cards((status, 200, 200))
    assert found.observed == REJECTED and verdict == DIFFERS
    assert found.reason.startswith("refused as an unknown model: openai-gpt-oss-120b (HTTP")
    assert "answered: claude-sonnet, claude-sonnet-4-6" in found.reason


def test_a_plan_that_lacks_the_model_cannot_tell_and_is_never_a_pass():
    found, verdict = cards((200, 403, 403))
    assert found.observed == UNCLEAR and verdict == INCONCLUSIVE
    assert "the key's plan lacks the model (403): claude-sonnet" in found.reason
    # an unknown id elsewhere still differs: a 403 beside it hides nothing
    assert cards((404, 403, 403))[1] == DIFFERS


def test_a_server_error_on_a_card_id_differs_and_a_refused_control_says_nothing():
    found, verdict = cards((500, 200, 200))
    assert found.observed == ERROR and verdict == DIFFERS
    found, verdict = cards((404, 404, 404), control=404)
    assert found.about_model and verdict == INCONCLUSIVE and "control request" in found.reason
    found, verdict = cards((404, 404, 404), control=401)
    assert found.observed == UNCLEAR and verdict == INCONCLUSIVE and "cannot be told apart" in found.reason


@pytest.mark.parametrize("status", [429, 503])
def test_a_throttled_or_down_control_is_not_obtained(status):
    from conformance.verdicts import obtained

    found, verdict = cards(control=status)
    assert verdict == INCONCLUSIVE and not obtained(found)


def test_a_server_that_answers_any_model_id_proves_nothing_by_answering_the_cards_ids():
    # llama-server answers every id with its loaded model: an answered card id is no evidence
    found, verdict = cards(no_such_model=200)
    assert found.observed == UNCLEAR and verdict == INCONCLUSIVE
    assert "answers any model id (even 'conformance-no-such-model')" in found.reason


# pages.model-env on hand-built exchanges

def listing(*entries):
    return Exchange(request={"model": "x"}, status=200, body=[
        {"model_id": m, "type": [kind], "regions": ["us-east-1"]} for m, kind in entries])


ENV = ModelEnv("INFERENCE_MODEL_ID", "claude-4-5-haiku")


def model_env(probe, listed):
    found = checks.model_env_id(probe, listed, model_env=ENV)
    return found, judge(DOCS.claim_for("pages.model-env", "claude-4-5-haiku").promise, found)[0]


def test_the_id_answered_and_listed_as_a_chat_model_agrees():
    found, verdict = model_env(answer("claude-4-5-haiku"), listing(("claude-4-5-haiku", "text-to-text")))
    assert (found.observed, verdict) == (HONOURED, AGREES) and "INFERENCE_MODEL_ID=claude-4-5-haiku" in found.reason


@pytest.mark.parametrize("entries, words", [((("nova-pro", "text-to-text"),), "does not list it"),
                                            ((("claude-4-5-haiku", "text-to-embedding"),), "not text-to-text")])
def test_the_id_not_listed_as_a_chat_model_differs(entries, words):
    found, verdict = model_env(answer("claude-4-5-haiku"), listing(*entries))
    assert (found.observed, verdict) == (IGNORED, DIFFERS) and words in found.reason


def test_the_id_refused_differs_and_a_plan_without_it_cannot_tell():
    found, verdict = model_env(answer("claude-4-5-haiku", 404), listing())
    assert verdict == DIFFERS and "INFERENCE_MODEL_ID=claude-4-5-haiku" in found.reason
    found, verdict = model_env(answer("claude-4-5-haiku", 403, "You do not have access to that model"), listing())
    assert (found.observed, verdict) == (UNCLEAR, INCONCLUSIVE) and "plan lacks" in found.reason


def test_what_can_be_said_before_sending():
    assert "not applicable to target 'reference'" in before_sending(None, "reference", "m").reason
    unset = before_sending(ModelEnv("INFERENCE_MODEL_ID", None), "heroku", "m")
    assert unset.observed == UNCLEAR and unset.reason == (
        "no INFERENCE_MODEL_ID: the standard plan sets none, so the page's setup (model=INFERENCE_MODEL_ID) can't "
        "be followed as written; pass the model id per request")
    assert before_sending(ENV, "heroku", "nova-pro").reason.endswith("decided on claude-4-5-haiku only")
    assert "record again" in before_sending(ModelEnv.from_manifest("INFERENCE_MODEL_ID", None), "heroku", "m").reason
    assert before_sending(ENV, "heroku", "claude-4-5-haiku") is None


# Live: the reference server as a heroku-like target, configured from env vars on loopback

@pytest.fixture(scope="module")
def heroku_like():
    with ReferenceServer(api_key=KEY) as server:
        yield server.url.removesuffix("/v1")


def run_heroku_like(monkeypatch, tmp_path, url, model_id, mode="live"):
    monkeypatch.setenv("INFERENCE_URL", url)
    monkeypatch.setenv("INFERENCE_KEY", KEY)
    if model_id is None:
        monkeypatch.delenv("INFERENCE_MODEL_ID", raising=False)
    else:
        monkeypatch.setenv("INFERENCE_MODEL_ID", model_id)
    options = Options(mode=mode, target="heroku", sdk="python", cases_dir=ROOT / "cases",
                      cassette_dir=tmp_path / "cassettes", results=tmp_path / "results.json", report=None)
    run = ConformanceRun.prepare(options)
    run.cases = [c for c in run.cases if c.id == "model-env"]
    try:
        run.connect()
        results = run.run_all()
        run.write_results()
    finally:
        run.close()
    assert KEY not in (tmp_path / "results.json").read_text()
    return {r.model: r for r in results if r.row == "pages.model-env"}


def test_live_set_to_a_served_chat_model_agrees(heroku_like, monkeypatch, tmp_path):
    found = run_heroku_like(monkeypatch, tmp_path, heroku_like, "claude-4-5-haiku")
    assert list(found) == ["claude-4-5-haiku"]
    assert found["claude-4-5-haiku"].verdict == AGREES, found["claude-4-5-haiku"].reason


def test_live_set_to_an_unknown_id_differs_naming_it(heroku_like, monkeypatch, tmp_path):
    found = run_heroku_like(monkeypatch, tmp_path, heroku_like, "claude-9-opus")
    result = found["claude-9-opus"]
    assert result.verdict == DIFFERS and "INFERENCE_MODEL_ID=claude-9-opus" in result.reason
    assert len(result.evidence["requests"]) == 2  # the refusal is the finding: no baseline repeats it


def test_live_unset_is_unclear_on_every_model_and_sends_nothing(heroku_like, monkeypatch, tmp_path):
    found = run_heroku_like(monkeypatch, tmp_path, heroku_like, None)
    assert set(found) == set(DOCS.model_ids)
    for result in found.values():
        assert result.verdict == INCONCLUSIVE and result.reason.startswith("no INFERENCE_MODEL_ID: the standard plan")
        assert result.evidence["requests"] == []


def test_a_recording_keeps_what_the_variable_held_and_its_replay_decides_the_same(heroku_like, monkeypatch,
                                                                                   tmp_path):
    recorded = run_heroku_like(monkeypatch, tmp_path, heroku_like, "claude-4-5-haiku", mode="record")
    assert recorded["claude-4-5-haiku"].verdict == AGREES
    path = tmp_path / "cassettes" / "heroku" / "target.json"
    manifest = json.loads(path.read_text())
    assert manifest["model_env"] == {"variable": "INFERENCE_MODEL_ID", "model": "claude-4-5-haiku"}
    replayed = run_heroku_like(monkeypatch, tmp_path, "http://127.0.0.1:9", "claude-4-5-haiku", mode="replay")
    assert replayed["claude-4-5-haiku"].verdict == AGREES
    # cassettes recorded before the manifest kept it: not known, never a pass
    path.write_text(json.dumps({k: v for k, v in manifest.items() if k != "model_env"}))
    replayed = run_heroku_like(monkeypatch, tmp_path, "http://127.0.0.1:9", "claude-4-5-haiku", mode="replay")
    result = replayed["claude-4-5-haiku"]
    assert result.verdict == INCONCLUSIVE and "record again" in result.reason


def test_a_later_recording_for_another_model_keeps_what_the_variable_held_for_the_first(heroku_like, monkeypatch,
                                                                                          tmp_path):
    """Two attachments recorded into the same cassettes, one after the other: replay decides each
    model on what the variable held when that model was recorded."""
    run_heroku_like(monkeypatch, tmp_path, heroku_like, "claude-4-5-haiku", mode="record")
    run_heroku_like(monkeypatch, tmp_path, heroku_like, "claude-4-5-sonnet", mode="record")
    manifest = json.loads((tmp_path / "cassettes" / "heroku" / "target.json").read_text())
    assert set(manifest["model_env_by_model"]) == {"claude-4-5-haiku", "claude-4-5-sonnet"}
    replayed = run_heroku_like(monkeypatch, tmp_path, "http://127.0.0.1:9", "claude-4-5-sonnet", mode="replay")
    assert replayed["claude-4-5-sonnet"].verdict == AGREES
    both = run_heroku_like(monkeypatch, tmp_path, "http://127.0.0.1:9", None, mode="replay")
    assert {m: r.verdict for m, r in both.items() if m in ("claude-4-5-haiku", "claude-4-5-sonnet")} == {
        "claude-4-5-haiku": AGREES, "claude-4-5-sonnet": AGREES}
