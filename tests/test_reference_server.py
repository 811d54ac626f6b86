"""The reference server implements the documented behaviour that the cases do not probe yet:
Ignored parameters, allow_ignored_params, unknown parameters, Heroku's error body, models' limits."""
import openai
import pytest

COUNT = [{"role": "user", "content": "Count from 1 to 5"}]


@pytest.fixture
def client(reference_server):
    return openai.OpenAI(base_url=reference_server(), api_key="reference-key", max_retries=0)


def test_ignored_parameters_are_accepted_without_effect(client):
    plain = client.chat.completions.create(model="nova-lite", messages=COUNT)
    ignored = client.chat.completions.create(model="nova-lite", messages=COUNT, seed=7, n=3, presence_penalty=1.5,
                                             frequency_penalty=1.5, logit_bias={"16": -100})
    assert len(ignored.choices) == 1
    assert ignored.choices[0].message.content == plain.choices[0].message.content == "1, 2, 3, 4, 5"


def test_allow_ignored_params_false_turns_them_into_errors(client):
    with pytest.raises(openai.BadRequestError) as err:
        client.chat.completions.create(model="nova-lite", messages=COUNT, seed=7,
                                       extra_body={"allow_ignored_params": False})
    body = err.value.response.json()
    assert body == {"error": {"message": "ignored parameters are not allowed: seed",
                              "type": "invalid_request_error", "code": 400}}


def test_unknown_parameters_and_models_are_400s(client):
    with pytest.raises(openai.BadRequestError, match="Unrecognized request argument supplied: colour"):
        client.chat.completions.create(model="nova-lite", messages=COUNT, extra_body={"colour": "blue"})
    with pytest.raises(openai.BadRequestError, match="model 'gpt-4o' is not supported"):
        client.chat.completions.create(model="gpt-4o", messages=COUNT)


def test_limits_follow_the_model(client):
    client.chat.completions.create(model="claude-4-5-sonnet", messages=COUNT, max_tokens=8192)
    with pytest.raises(openai.BadRequestError, match="between 1 and 4096 for claude-4-5-haiku"):
        client.chat.completions.create(model="claude-4-5-haiku", messages=COUNT, max_tokens=8192)
    with pytest.raises(openai.BadRequestError, match="temperature must be between 0.0 and 1.0"):
        client.chat.completions.create(model="nova-lite", messages=COUNT, temperature=1.5)


def test_streams_end_with_done_and_carry_usage_when_asked(client):
    with client.chat.completions.with_streaming_response.create(
        model="nova-lite", messages=COUNT, stream=True, stream_options={"include_usage": True}
    ) as response:
        lines = [line for line in response.iter_lines() if line]
    assert lines[-1] == "data: [DONE]"
    assert '"usage"' in lines[-2]


def test_the_wrong_key_is_a_401_in_herokus_format(reference_server):
    client = openai.OpenAI(base_url=reference_server(), api_key="nope", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as err:
        client.chat.completions.create(model="nova-lite", messages=COUNT)
    assert err.value.response.json()["error"]["type"] == "authentication_error"


def test_it_only_listens_on_loopback():
    from reference_server.__main__ import main

    with pytest.raises(SystemExit):
        main(["--host", "0.0.0.0"])


def test_prompt_caching_is_on_by_default_off_by_header_and_expires_after_five_minutes():
    from senders import FakeClock
    from starlette.testclient import TestClient

    from reference_server.app import build_app
    from reference_server.caching import PromptCache

    clock = FakeClock()
    server = TestClient(build_app("k", cache=PromptCache(clock)), headers={"authorization": "Bearer k"})
    system = {"role": "system", "content": "Keep the house rule. " * 300}  # 1,500 tokens: above Sonnet's 1,024

    def cached(model="claude-4-5-sonnet", messages=(system,), **headers):
        body = {"model": model, "messages": [*messages, {"role": "user", "content": "Reply with OK."}]}
        usage = server.post("/v1/chat/completions", json=body, headers=headers).json()["usage"]
        return (usage.get("prompt_tokens_details") or {}).get("cached_tokens")

    off = {"X-Heroku-Prompt-Caching": "false"}
    assert cached(**off) == 0 and cached(**off) == 0  # never written, never read
    assert [cached(), cached()] == [0, 1500]
    assert cached(**off) == 0  # the cached prefix is there, but not for this request
    clock.now += 299
    assert cached() == 1500  # a use keeps it: 5 minutes from the last one
    clock.now += 301
    assert cached() == 0
    # under the model's minimum: no figure at all (Claude 4.5 Haiku's is 4,096); a short prompt neither
    assert cached("claude-4-5-haiku") is None and cached("claude-4-5-haiku") is None
    assert cached(messages=()) is None
    # the ignoring server: the header's request reads what the default one cached
    ignoring = TestClient(build_app("k", frozenset({"caching-header-ignored"}), cache=PromptCache(clock)),
                          headers={"authorization": "Bearer k"})
    body = {"model": "claude-4-sonnet", "messages": [system, {"role": "user", "content": "OK?"}]}
    ignoring.post("/v1/chat/completions", json=body)
    again = ignoring.post("/v1/chat/completions", json=body, headers=off).json()["usage"]
    assert again["prompt_tokens_details"] == {"cached_tokens": 1500}
