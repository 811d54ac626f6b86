"""The Advanced and Metadata checks, on hand-built exchanges: a server that breaks each claim, one
that honours it in an unusual but valid way, and a model too weak (or too unlucky) to tell."""
import json

from conformance import checks
from conformance.exchange import Exchange
from conformance.findings import ACCEPTED, ERROR, HONOURED, IGNORED, REJECTED, UNANSWERED, UNCLEAR
from conformance.verdicts import AGREES, DIFFERS, INCONCLUSIVE, judge

COUNT = "1, 2, 3, 4, 5, 6, 7, 8, 9, 10"
APPLES = "apple apple apple apple apple apple apple apple apple apple"


def answer(text=COUNT, finish="stop", choices=1, **request):
    choice = {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": finish}
    body = {"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "m",
            "choices": [{**choice, "index": i} for i in range(choices)],
            "usage": {"prompt_tokens": 3, "completion_tokens": 5, "total_tokens": 8}}
    return Exchange(request={"model": "m", **request}, status=200, body=body)


def refusal(status=400, message="no", **error):
    return Exchange(request={"model": "m", "allow_ignored_params": False, "seed": 1}, status=status,
                    body={"error": {"message": message, "type": "invalid_request_error", **error}})


def controls(*texts):
    return [answer(t) for t in texts]


# --- Ignored parameters: seed, n, penalties, logit_bias ---------------------------------------------

def test_a_penalty_that_changes_an_agreeing_answer_had_its_effect():
    found = checks.ignored_param_changes_nothing(answer("apple", presence_penalty=2.0), controls(*[APPLES] * 3),
                                                 "presence_penalty")
    assert found.observed == HONOURED and "presence_penalty=2.0" in found.reason
    assert judge("accepted-without-effect", found)[0] == DIFFERS


def test_a_penalty_refused_is_reported_as_a_rejection():
    refused = Exchange(request={"model": "m"}, status=400, body={"error": {"message": "penalties unsupported"}})
    found = checks.ignored_param_changes_nothing(refused, controls(*[APPLES] * 3), "frequency_penalty")
    assert found.observed == REJECTED and found.status == 400


def test_an_unchanged_answer_is_ignored_even_when_the_controls_spread():
    # whitespace is not a different answer
    same = checks.ignored_param_changes_nothing(answer(APPLES + "\n"), controls(*[APPLES] * 3), "presence_penalty")
    assert same.observed == IGNORED
    # a model that varies a little: the probe is one of the answers it gives anyway
    spread = controls(APPLES, "apple " * 8 + "apple", APPLES)
    assert checks.ignored_param_changes_nothing(answer("apple " * 8 + "apple"), spread,
                                                "presence_penalty").observed == IGNORED
    # case and punctuation, which a model varies even at temperature 0, are not an effect
    assert checks.ignored_param_changes_nothing(answer("Apple, apple, apple, apple, apple, apple, apple, apple, "
                                                       "apple, apple."), controls(*[APPLES] * 3),
                                                "frequency_penalty").observed == IGNORED


def test_a_penalty_with_nothing_to_act_on_shows_nothing():
    # a weak model that never repeats the word: a penalty could not have changed anything
    weak = controls(*["Hello! I am a small model."] * 3)
    found = checks.ignored_param_changes_nothing(answer("Hello! I am a small model."), weak, "frequency_penalty",
                                                 repeated="apple")
    assert found.observed == UNCLEAR and "nothing to act on" in found.reason


def test_a_presence_penalty_without_effect_is_weak_evidence():
    same = checks.ignored_param_changes_nothing(answer(APPLES), controls(*[APPLES] * 3), "presence_penalty",
                                                repeated="apple", weak_evidence=True)
    assert same.observed == ACCEPTED and judge("accepted-without-effect", same)[0] == INCONCLUSIVE
    changed = checks.ignored_param_changes_nothing(answer("apple"), controls(*[APPLES] * 3), "presence_penalty",
                                                   repeated="apple", weak_evidence=True)
    assert changed.observed == HONOURED  # an effect, when seen, still decides


def test_a_probe_within_the_controls_own_spread_is_no_effect_and_a_little_outside_is_unclear():
    # the controls differ by a word among themselves: a probe one word from the nearest is one of theirs
    spread = controls(APPLES, APPLES + " apple", APPLES)
    found = checks.ignored_param_changes_nothing(answer("apple " * 8 + "apple"), spread, "presence_penalty")
    assert found.observed == IGNORED and "no more than they differ among themselves" in found.reason
    # controls that share almost nothing: no effect could stand out of their spread
    wild = controls(APPLES, "apple apple", "apple")
    scattered = checks.ignored_param_changes_nothing(answer("apple apple apple"), wild, "presence_penalty")
    assert scattered.observed == UNCLEAR and "share too little" in scattered.reason
    # the controls agree, the probe lacks one word: small but real, unclear, never "ignored"
    small = checks.ignored_param_changes_nothing(answer("apple " * 8 + "apple"), controls(*[APPLES] * 3),
                                                 "presence_penalty")
    assert small.observed == UNCLEAR and "words apart 1 against 0" in small.reason
    # and far outside controls that vary a little: an effect
    varied = controls(APPLES, APPLES + " apple", APPLES)
    assert checks.ignored_param_changes_nothing(answer("apple"), varied, "presence_penalty").observed == HONOURED


def test_a_failed_control_or_a_probe_spent_on_reasoning_is_unclear():
    failed = [answer(APPLES), Exchange(request={"model": "m"}, status=503, body={}), answer(APPLES)]
    assert checks.ignored_param_changes_nothing(answer(APPLES), failed, "seed").observed == UNCLEAR
    empty = answer("", finish="length")
    assert checks.ignored_param_changes_nothing(empty, controls(*[APPLES] * 3), "seed").observed == UNCLEAR


def test_a_seed_that_makes_sampling_reproducible_had_its_effect():
    seeded = [answer("417", seed=1)] * 2
    found = checks.seed_changes_nothing(answer("417", seed=1), seeded, controls("52", "9913", "771"))
    assert found.observed == HONOURED and "none of 3 controls" in found.reason
    # or one that moves a fixed answer elsewhere
    moved = checks.seed_changes_nothing(answer("417", seed=1), seeded, controls("5", "5", "5"))
    assert moved.observed == HONOURED


def test_a_favourite_answer_repeated_with_a_seed_is_not_taken_for_its_effect():
    # a real model's mode: the seeded repeats are an answer the model gives unseeded too
    seeded = [answer("742,891", seed=1)] * 2
    found = checks.seed_changes_nothing(answer("742,891", seed=1), seeded, controls("742,891", "738,294", "742,891"))
    assert found.observed == UNCLEAR and "favourite" in found.reason


def test_seeded_answers_that_still_vary_show_the_seed_is_ignored():
    found = checks.seed_changes_nothing(answer("417", seed=1), [answer("12", seed=1), answer("417", seed=1)],
                                        controls("52", "9913", "771"))
    assert found.observed == IGNORED and "2 different answers" in found.reason


def test_a_model_that_never_samples_cannot_show_a_seed():
    found = checks.seed_changes_nothing(answer("42", seed=1), [answer("42", seed=1)] * 2, controls("42", "42", "42"))
    assert found.observed == UNCLEAR and "could not have shown" in found.reason


def test_n_two_choices_is_an_effect_one_is_ignored():
    two = checks.n_returns_one_choice(answer(choices=2, n=2))
    assert two.observed == HONOURED and judge("accepted-without-effect", two)[0] == DIFFERS
    assert checks.n_returns_one_choice(answer(n=2)).observed == IGNORED
    # Anthropic's own layer refuses n != 1: a rejection, which differs from "accepted, no effect"
    refused = Exchange(request={"model": "m", "n": 2}, status=400, body={"error": {"message": "n must be exactly 1"}})
    found = checks.n_returns_one_choice(refused)
    assert found.observed == REJECTED and judge("accepted-without-effect", found)[0] == DIFFERS


def test_a_forced_token_is_an_effect_of_logit_bias():
    bias = {"logit_bias": {"1000": 100}}
    forced = checks.logit_bias_changes_nothing(answer("ing" * 20, finish="length", **bias), controls(*[COUNT] * 3))
    assert forced.observed == HONOURED
    # an end token forced: the answer is empty, which also shows the effect
    ended = checks.logit_bias_changes_nothing(answer("", **bias), controls(*[COUNT] * 3))
    assert ended.observed == HONOURED


def test_an_unchanged_answer_under_a_forcing_bias_is_ignored():
    found = checks.logit_bias_changes_nothing(answer(COUNT, logit_bias={"1000": 100}), controls(*[COUNT] * 3))
    assert found.observed == IGNORED


def test_logit_bias_is_unclear_when_the_probe_could_not_have_shown_an_effect():
    # a control answer too short to tell a forced token from the model's own
    short = checks.logit_bias_changes_nothing(answer("OK", logit_bias={"1000": 100}), controls("OK", "OK", "OK"))
    assert short.observed == UNCLEAR
    # a bias too weak to force anything: "no effect" would be a guess
    weak = checks.logit_bias_changes_nothing(answer(COUNT, logit_bias={"1000": -5}), controls(*[COUNT] * 3))
    assert weak.observed == UNCLEAR
    spread = checks.logit_bias_changes_nothing(answer("1 2 3", logit_bias={"1000": 100}),
                                               controls(COUNT, "1 to 10", "1 - 10"))
    assert spread.observed == UNCLEAR


# --- refusals that must name the parameter ----------------------------------------------------------

def test_accepting_allow_ignored_params_false_breaks_the_claim():
    found = checks.refused_naming(answer(allow_ignored_params=False, seed=1), answer(), ["seed"])
    assert found.observed == IGNORED and judge("rejected", found)[0] == DIFFERS


def test_a_refusal_that_does_not_name_the_parameter_never_counts():
    # an unknown model: 'n' appears only inside other words
    unknown_model = refusal(message="model 'nova-lite' is not supported in this region")
    unrelated = checks.refused_naming(unknown_model, answer(), ["n"])
    assert unrelated.observed == REJECTED and unrelated.status == 400
    assert "names none of" in unrelated.reason
    assert judge("rejected", unrelated)[0] == DIFFERS


def test_a_refusal_naming_the_parameter_in_unusual_ways_is_honoured():
    assert checks.refused_naming(refusal(message="n must be exactly 1"), answer(), ["n"]).observed == HONOURED
    # named only in OpenAI's `param` field
    by_field = checks.refused_naming(refusal(message="Unsupported parameter", param="seed"), answer(), ["seed"])
    assert by_field.observed == HONOURED and judge("rejected", by_field)[0] == AGREES
    # a body that is not OpenAI's shape, and a 422
    flat = Exchange(request={"model": "m"}, status=422, body={"detail": [{"loc": ["body", "logit_bias"]}]})
    assert checks.refused_naming(flat, answer(), ["logit_bias"]).observed == HONOURED
    # several parameters, only the first problem reported
    first = checks.refused_naming(refusal(message="seed is not allowed"), answer(), ["seed", "n", "logit_bias"])
    assert first.observed == HONOURED and "not n, logit_bias" in first.reason


def test_refusals_about_load_or_the_server_are_not_read_as_the_promised_error():
    throttled = checks.refused_naming(refusal(status=429, message="slow down: seed"), answer(), ["seed"])
    assert throttled.observed == REJECTED and judge("rejected", throttled)[0] == INCONCLUSIVE
    crashed = checks.refused_naming(refusal(status=500, message="seed broke us"), answer(), ["seed"])
    assert crashed.observed == REJECTED and judge("rejected", crashed)[0] == DIFFERS
    silent = Exchange(request={"model": "m"}, transport_error="ReadTimeout")
    assert checks.refused_naming(silent, answer(), ["seed"]).observed == UNANSWERED


def test_a_refusal_that_the_request_without_the_parameter_gets_too_is_not_about_it():
    # e.g. a server that checks the parameters before the model, for a model it does not serve
    unknown_model = Exchange(request={"model": "m"}, status=400, body={"error": {"message": "model 'm' unknown"}})
    found = checks.refused_naming(refusal(message="ignored parameters are not allowed: seed"), unknown_model, ["seed"])
    assert found.observed == REJECTED and "refused too" in found.reason  # the runner's baseline then tells
    assert judge("rejected", found)[0] == DIFFERS  # ... and a model refused by the baseline is inconclusive
    # a control lost to throttling shows nothing either way
    throttled = Exchange(request={"model": "m"}, status=429, body={"error": {"message": "slow down"}})
    lost = checks.refused_naming(refusal(message="seed is not allowed"), throttled, ["seed"])
    assert lost.observed == UNCLEAR


def test_unknown_parameters_are_observed_not_judged_on_the_prose_row():
    accepted = checks.refused_naming(answer(conformance_unknown_param=5), answer(), ["conformance_unknown_param"])
    assert accepted.observed == IGNORED
    assert judge("observe-only", accepted)[0] == INCONCLUSIVE
    assert judge("rejected", accepted)[0] == DIFFERS  # the Dev Center reading: they should error


# --- response_format ------------------------------------------------------------------------------

SCHEMA = {"type": "object", "additionalProperties": False, "required": ["city", "population_millions", "tags"],
          "properties": {"city": {"type": "string"}, "population_millions": {"type": "number"},
                         "tags": {"type": "array", "items": {"type": "string"}}}}
SCHEMA_FORMAT = {"type": "json_schema", "json_schema": {"name": "city", "schema": SCHEMA}}


def schema_answer(text, finish="stop"):
    return answer(text, finish, response_format=SCHEMA_FORMAT)


def test_json_object_mode_answered_with_prose_or_a_list_is_a_part_that_does_not_work():
    # Under "Partial" a mode that does not work is no difference: the report shows which part fails.
    prose = checks.json_object_answer(answer("Paris is the capital of France."))
    assert prose.observed == IGNORED and "is not JSON" in prose.reason
    assert judge("partly-with-effect", prose)[0] == "inconclusive"
    listed = checks.json_object_answer(answer('["Paris", "France"]'))
    assert listed.observed == IGNORED and "not an object" in listed.reason
    fenced = checks.json_object_answer(answer('```json\n{"city": "Paris"}\n```'))
    assert fenced.observed == IGNORED and "code fence" in fenced.reason
    # a server error in this mode still differs
    crashed = Exchange(request={"model": "m", "response_format": {"type": "json_object"}}, status=500,
                       body={"error": {"message": "Failed to execute chat"}})
    assert judge("partly-with-effect", checks.json_object_answer(crashed))[0] == DIFFERS


def test_json_object_with_odd_whitespace_is_honoured():
    found = checks.json_object_answer(answer('\n  {\n "city" :"Paris",\n"country":"France"}  \n'))
    assert found.observed == HONOURED and "city" in found.reason


def test_a_truncated_or_refused_json_answer_is_not_blamed_on_the_mode():
    assert checks.json_object_answer(answer('{"city": "Par', finish="length")).observed == UNCLEAR
    refused = Exchange(request={"model": "m"}, status=400, body={"error": {"message": "response_format unsupported"}})
    found = checks.json_object_answer(refused)
    assert found.observed == REJECTED and judge("partly-with-effect", found)[0] == INCONCLUSIVE


def test_json_schema_mismatch_names_the_failing_path():
    wrong_type = '{"city": "Paris", "population_millions": "about two", "tags": []}'
    found = checks.json_schema_answer(schema_answer(wrong_type))
    assert found.observed == IGNORED and "$.population_millions" in found.reason
    missing = checks.json_schema_answer(schema_answer('{"city": "Paris", "tags": []}'))
    assert missing.observed == IGNORED and "population_millions" in missing.reason
    assert "is not JSON" in checks.json_schema_answer(schema_answer("Paris, 2.1 million")).reason
    assert "not an object" in checks.json_schema_answer(schema_answer("[1]")).reason


def test_json_schema_instance_in_another_key_order_is_honoured():
    text = json.dumps({"tags": ["capital"], "population_millions": 2, "city": "Paris"}, indent=2)
    assert checks.json_schema_answer(schema_answer(text)).observed == HONOURED


def test_a_truncated_json_schema_answer_is_unclear():
    assert checks.json_schema_answer(schema_answer('{"city": "Paris", "popul', finish="length")).observed == UNCLEAR
    # no schema in the request: the case, not the server, is at fault
    assert checks.json_schema_answer(answer("{}")).observed == UNCLEAR


# --- user and metadata ----------------------------------------------------------------------------

def test_an_identifier_that_steers_the_answer_or_is_refused_breaks_the_claim():
    steered = checks.identifier_changes_nothing(answer("I cannot help", user="u1"), controls(*[COUNT] * 3), "user")
    assert steered.observed == ERROR and judge("accepted-with-effect", steered)[0] == DIFFERS
    refused = Exchange(request={"model": "m", "user": "u1"}, status=400, body={"error": {"message": "user"}})
    found = checks.identifier_changes_nothing(refused, controls(*[COUNT] * 3), "user")
    assert found.observed == REJECTED and judge("accepted-with-effect", found)[0] == DIFFERS
    # metadata is Partial: a clean refusal of a shape is inconclusive, a 5xx is a difference
    assert judge("partly-with-effect", found)[0] == INCONCLUSIVE
    crashed = Exchange(request={"model": "m", "metadata": {"a": {"b": 1}}}, status=500, body={})
    found = checks.identifier_changes_nothing(crashed, controls(*[COUNT] * 3), "metadata")
    assert judge("partly-with-effect", found)[0] == DIFFERS


def test_an_identifier_with_the_same_answer_is_accepted():
    found = checks.identifier_changes_nothing(answer("1,2,3,4,5,6,7,8,9,10.", metadata={"k": "v"}),
                                              controls(COUNT, COUNT, COUNT), "metadata")
    assert found.observed == ACCEPTED and judge("partly-with-effect", found)[0] == AGREES


def test_an_identifier_against_disagreeing_controls_is_judged_by_their_spread():
    # controls that share too little to measure against: unclear
    found = checks.identifier_changes_nothing(answer("1 to 10", user="u1"),
                                              controls(COUNT, "1, 2, 3", "1-10"), "user")
    assert found.observed == UNCLEAR
    # as near the controls as they are to one another: accepted
    near = checks.identifier_changes_nothing(answer("1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11", user="u1"),
                                             controls(COUNT, COUNT + ", 11, 12", COUNT), "user")
    assert near.observed == ACCEPTED
    # one number short where every control agrees: unclear
    short = checks.identifier_changes_nothing(answer("1, 2, 3, 4, 5, 6, 7, 8, 9", user="u1"),
                                              controls(COUNT, COUNT, COUNT), "user")
    assert short.observed == UNCLEAR


def test_a_refusal_that_comes_with_or_without_the_flag_does_not_show_the_flag_works():
    # Claude upstream refuses n=2 whatever allow_ignored_params says: the flag was never shown to matter
    strict = refusal(message="n: must be exactly 1")
    same_without_flag = refusal(message="n: must be exactly 1")
    found = checks.refused_naming(strict, answer(), ["n"], without_flag=same_without_flag)
    assert found.observed == UNCLEAR and "the flag made no difference" in found.reason
    # answered without the flag: the flag is what refused it
    assert checks.refused_naming(strict, answer(), ["n"], without_flag=answer()).observed == HONOURED


def repeats(times):
    return " ".join(["apple"] * times)


def test_a_penalty_is_judged_by_the_repeats_against_the_controls_own_spread():
    def found(probe_times, control_times):
        return checks.ignored_param_changes_nothing(answer(repeats(probe_times), frequency_penalty=2.0),
                                                    controls(*map(repeats, control_times)), "frequency_penalty",
                                                    repeated="apple")
    # no effect: a count the controls give themselves
    assert found(9, (10, 9, 10)).observed == IGNORED
    # a clear effect, though the controls disagree among themselves
    clear = found(1, (10, 9, 10))
    assert clear.observed == HONOURED and "repeats of 'apple' 1 against 9-10 without it" in clear.reason
    # small but real: two fewer than every control is unclear, never "ignored"
    small = found(7, (10, 10, 10))
    assert small.observed == UNCLEAR and "7 against 10" in small.reason
