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
