"""The Advanced and Metadata cases against servers other than the reference server."""
import pytest
from fake_servers import ConformingParameters, NoisyParameters, WildParameters, serve
from test_breaks import OBSERVE_ONLY_ROWS, PARAMETER_ROWS, WEAK_EVIDENCE_ROWS

# These servers answer the parameter cases only: the thinking, logprobs, image-URL and tool_choice
# default and heroku_tool rows observed beside them are not sent.
OBSERVE_ONLY_ROWS = ({row for row in OBSERVE_ONLY_ROWS if not row.startswith("thinking.")}
                     - {"devcenter.logprobs", "images.unusable-url", "pages.tool-choice-default", "pages.heroku-tool"})


@pytest.fixture
def conforming_parameters():
    url, stop = serve(ConformingParameters)
    yield url
    stop()


@pytest.fixture
def noisy_parameters():
    url, stop = serve(NoisyParameters)
    yield url
    stop()


def test_a_server_that_names_parameters_differently_raises_no_alarm(suite, conforming_parameters):
    run = suite.run("--mode", "live", "--target", "params", "--base-url", conforming_parameters, "--models=m1",
                    "-k", "advanced or metadata", env={"OPENAI_API_KEY": "k-123456"})
    assert run.rows_with("differs") == set(), run.output
    # a deterministic model cannot show a seed's effect: inconclusive, never a guessed "no effect"
    assert run.verdicts()[("advanced.seed", "m1")] == {"inconclusive"}
    assert run.rows_with("agrees") == PARAMETER_ROWS - {"advanced.seed"}, run.output
    # a presence penalty without effect is weak evidence: inconclusive too
    assert run.rows_with("inconclusive") == OBSERVE_ONLY_ROWS | WEAK_EVIDENCE_ROWS | {"advanced.seed"}


@pytest.fixture
def wild_parameters():
    url, stop = serve(WildParameters)
    yield url
    stop()


def test_a_model_that_varies_a_little_shows_no_effect_within_its_own_spread(suite, noisy_parameters):
    # every answer differs from the others by one tag ("take 12345"): a probe that differs as much is
    # no effect, and an effect (a forced token, a broken copy) would have stood far outside it
    run = suite.run("--mode", "live", "--target", "noisy", "--base-url", noisy_parameters, "--models=m1",
                    "-k", "advanced or metadata", env={"OPENAI_API_KEY": "k-123456"})
    assert run.rows_with("differs") == set(), run.output
    assert run.rows_with("inconclusive") == {"advanced.presence_penalty"} | OBSERVE_ONLY_ROWS, run.output
    # varying answers under one seed are what "the seed is ignored" looks like
    assert run.verdicts()[("advanced.seed", "m1")] == {"agrees"}


def test_a_model_that_never_repeats_itself_gets_no_verdict_on_effects(suite, wild_parameters):
    run = suite.run("--mode", "live", "--target", "wild", "--base-url", wild_parameters, "--models=m1",
                    "-k", "advanced or metadata", env={"OPENAI_API_KEY": "k-123456"})
    assert run.rows_with("differs") == set(), run.output
    # nothing to act on for a penalty, nothing in common among the controls for the others
    compared = {"advanced.presence_penalty", "advanced.frequency_penalty", "devcenter.frequency_penalty",
                "advanced.logit_bias"} | {r for r in PARAMETER_ROWS if r.startswith("metadata.")}
    assert run.rows_with("inconclusive") == compared | OBSERVE_ONLY_ROWS, run.output
    # varying answers under one seed are what "the seed is ignored" looks like
    assert run.verdicts()[("advanced.seed", "m1")] == {"agrees"}


SCHEMAS = [
    {"type": "object", "required": ["a", "b"], "additionalProperties": False,
     "properties": {"a": {"type": "string", "minLength": 12}, "b": {"type": "integer", "minimum": 3},
                    "c": {"type": "array", "items": {"type": "boolean"}, "minItems": 2},
                    "d": {"enum": ["x", "y"]}, "e": {"type": ["null", "number"]},
                    "f": {"type": "object", "properties": {"g": {"anyOf": [{"type": "string"}, {"type": "null"}]}}}}},
    {"type": "object", "properties": {}},
]


@pytest.mark.parametrize("schema", SCHEMAS)
def test_the_reference_model_answers_json_schema_with_an_instance_and_its_break_with_a_violation(schema):
    import jsonschema

    from reference_server.parameters import instance, violating

    jsonschema.validate(instance(schema), schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(violating(instance(schema)), schema)
