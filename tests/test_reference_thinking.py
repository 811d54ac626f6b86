"""The reference server's extended thinking (reference_server/thinking.py), through its app in-process."""
import json

import pytest
from starlette.testclient import TestClient

from reference_server.app import build_app

QUESTION = [{"role": "user", "content": "What is 17 times 23? Reply with the number only."}]


@pytest.fixture(scope="module")
def http():
    return TestClient(build_app("k"), headers={"authorization": "Bearer k"})


def ask(http, model="claude-4-5-sonnet", path="/v1/chat/completions", **options):
    thinking = {"enabled": True, "budget_tokens": 1024, "include_reasoning": True, **options}
    return http.post(path, json={"model": model, "messages": QUESTION, "max_tokens": 2048,
                                 "extended_thinking": thinking})


def test_thinking_is_shown_only_with_include_reasoning_and_always_billed(http):
    shown = ask(http).json()
    assert shown["choices"][0]["message"]["reasoning"]["thinking"].startswith("The user asks")
    hidden = ask(http, include_reasoning=False).json()
    assert "reasoning" not in hidden["choices"][0]["message"]
    assert hidden["usage"]["completion_tokens_details"]["reasoning_tokens"] > 0
    assert hidden["usage"]["total_tokens"] == hidden["usage"]["prompt_tokens"] + hidden["usage"]["completion_tokens"]


def test_models_without_thinking_ignore_it(http):
    plain = ask(http, model="nova-lite").json()
    assert "reasoning" not in plain["choices"][0]["message"] and "completion_tokens_details" not in plain["usage"]
    everywhere = ask(http, model="nova-lite", path="/b/thinking-everywhere/v1/chat/completions").json()
    assert everywhere["choices"][0]["message"]["reasoning"]["thinking"]


@pytest.mark.parametrize("budget", [500, 2048])
def test_budget_below_the_minimum_or_not_below_max_tokens_is_a_400_naming_it(http, budget):
    refused = ask(http, budget_tokens=budget)
    assert refused.status_code == 400 and "budget_tokens" in refused.json()["error"]["message"]
    assert ask(http, budget_tokens=budget, path="/b/budget-tokens/v1/chat/completions").status_code == 500


def test_streamed_thinking_comes_as_reasoning_deltas_before_the_content(http):
    body = {"model": "claude-4-5-sonnet", "messages": QUESTION, "max_tokens": 2048, "stream": True,
            "extended_thinking": {"enabled": True, "budget_tokens": 1024, "include_reasoning": True}}
    text = http.post("/v1/chat/completions", json=body).text
    assert text.rstrip().endswith("data: [DONE]")
    deltas = [json.loads(line[6:])["choices"][0]["delta"] for line in text.splitlines()
              if line.startswith("data: {") and json.loads(line[6:])["choices"]]
    kinds = [next((k for k in ("reasoning", "content") if d.get(k)), None) for d in deltas]
    shown = [k for k in kinds if k]
    assert shown.index("content") == shown.count("reasoning") > 0  # every reasoning delta before the content
    assert "".join(d["reasoning"]["thinking"] for d in deltas if d.get("reasoning")).startswith("The user asks")
