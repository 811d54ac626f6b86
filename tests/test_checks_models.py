"""The model table against the service's list of models (GET /available-models), on hand-built
exchanges: a list without the model, a list in another valid shape, and servers with no list."""
import dataclasses
from pathlib import Path

import yaml

from conformance import checks
from conformance.docs import load_docs
from conformance.exchange import Exchange
from conformance.findings import HONOURED, REJECTED, UNANSWERED, UNCLEAR
from conformance.verdicts import AGREES, DIFFERS, INCONCLUSIVE, judge

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTED = ["claude-4-5-sonnet", "claude-4-5-haiku", "nova-pro"]
CHAT = {"choices": [{"index": 0, "message": {"role": "assistant", "content": "OK"}, "finish_reason": "stop"}]}


def probe(model="claude-4-5-haiku", status=200):
    body = CHAT if status == 200 else {"error": {"message": f"unknown model {model}"}}
    return Exchange(request={"model": model}, status=status, body=body)


def listed(body, model="claude-4-5-haiku", status=200):
    return Exchange(request={"model": model}, status=status, body=body)


def heroku(*ids, kind="text-to-text"):
    return [{"model_id": m, "type": [kind], "regions": ["us-east-1"]} for m in ids]


def found_and_verdict(listing, model="claude-4-5-haiku", chat=None):
    found = checks.model_listed(chat or probe(model), listing, documented=DOCUMENTED)
    return found, judge("works-on-this-model", found, row_is_about_the_model=True)[0]


def test_a_documented_model_missing_from_the_list_that_answers_is_shown_not_judged():
    """The row is the OpenAI SDK's, which never reads the list: a gap there is no difference on it."""
    found, verdict = found_and_verdict(listed(heroku("claude-4-5-sonnet", "nova-pro", "claude-opus-4-5")))
    assert found.observed == UNCLEAR and verdict == INCONCLUSIVE
    assert "not among the 3 chat models" in found.reason and "it answers chat completions" in found.reason
    assert "not in the docs' table: claude-opus-4-5" in found.reason
    assert "documented but not listed: claude-4-5-haiku" in found.reason
    # listed, but only as an embedding model
    embed, verdict = found_and_verdict(listed(heroku("claude-4-5-haiku", kind="text-to-embedding")))
    assert embed.observed == UNCLEAR and "text-to-embedding" in embed.reason and verdict == INCONCLUSIVE


def test_the_model_listed_agrees_with_its_regions_and_other_types_set_aside():
    listing = heroku(*DOCUMENTED) + heroku("cohere-embed-multilingual", kind="text-to-embedding")
    listing[1]["regions"] = ["us-east-1", "eu-central-1"]
    found, verdict = found_and_verdict(listed(listing))
    assert found.observed == HONOURED and verdict == AGREES
    assert "in us-east-1, eu-central-1" in found.reason and "not in the docs' table: none" in found.reason


def test_openais_list_shape_is_read_too():
    body = {"object": "list", "data": [{"id": "claude-4-5-haiku", "object": "model"}, {"id": "nova-pro"}]}
    found, verdict = found_and_verdict(listed(body))
    assert found.observed == HONOURED and verdict == AGREES
    assert "documented but not listed: claude-4-5-sonnet" in found.reason


def test_a_server_without_the_endpoint_says_nothing():
    for status in (404, 405, 401, 500):
        found, verdict = found_and_verdict(listed({"error": {"message": "Not Found"}}, status=status))
        assert found.observed == UNCLEAR and verdict == INCONCLUSIVE, status
    page = Exchange(request={"model": "m"}, status=200, body=None, not_json="<html>")
    assert found_and_verdict(page)[0].observed == UNCLEAR
    assert found_and_verdict(listed({"models": "all of them"}))[0].observed == UNCLEAR
    throttled, verdict = found_and_verdict(listed({"error": {"message": "slow"}}, status=429))
    assert throttled.observed == REJECTED and verdict == INCONCLUSIVE
    silent = Exchange(request={"model": "m"}, transport_error="ConnectTimeout")
    assert found_and_verdict(silent)[0].observed == UNANSWERED


def test_a_refused_model_missing_from_the_list_differs_only_if_the_docs_list_it():
    found = checks.model_listed(probe(status=404), listed(heroku("claude-4-5-sonnet")), documented=DOCUMENTED)
    assert found.observed == REJECTED and found.status == 404 and "chat completions refuse it" in found.reason
    # the runner's baseline request is refused too: the model itself is refused
    refused_model = dataclasses.replace(found, about_model=True)
    assert judge("works-on-this-model", refused_model, row_is_about_the_model=True)[0] == DIFFERS
    assert judge("works-on-this-model", refused_model, row_is_about_the_model=True,
                 model_is_documented=False)[0] == INCONCLUSIVE


def test_the_case_lists_exactly_the_docs_model_table():
    case = next(c for c in yaml.safe_load((ROOT / "cases" / "models.yaml").read_text())["cases"]
                if c["id"] == "available-models")
    assert case["expect"]["documented"] == load_docs(ROOT / "cases" / "docs-tables.yaml").model_ids
    assert case["steps"][0]["transport"] == {"path": "../available-models", "method": "GET"}


def test_the_reference_server_lists_every_documented_model_and_the_switch_drops_one():
    from reference_server.listing import listing
    from reference_server.models import MODELS, UNLISTED

    chat = {e["model_id"] for e in listing(frozenset()) if "text-to-text" in e["type"]}
    assert chat == set(MODELS) - UNLISTED == set(MODELS) - {"claude-sonnet-4-6"}  # served for its card's ids only
    dropped = {e["model_id"] for e in listing(frozenset({"available-models"}))}
    assert set(MODELS) - UNLISTED - dropped == {"claude-4-5-haiku"}
