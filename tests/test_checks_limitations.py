"""The Known limitations checks on hand-built exchanges: a server where the limitation no longer
holds, one that keeps it in an unusual but valid way, and answers that say nothing about it; and
the case option that sends a request to another path of the API."""
import json
from pathlib import Path

import pytest

from conformance import checks
from conformance.cases import load_cases
from conformance.docs import load_docs
from conformance.errors import ConformanceError
from conformance.exchange import Exchange
from conformance.findings import ACCEPTED, HONOURED, IGNORED, REJECTED, UNCLEAR
from conformance.verdicts import AGREES, DIFFERS, INCONCLUSIVE, judge

ROOT = Path(__file__).resolve().parent.parent
CHAT = {"choices": [{"index": 0, "message": {"role": "assistant", "content": "OK"}, "finish_reason": "stop"}]}


def ok(body=None, request=None):
    return Exchange(request=request or {}, status=200, body=CHAT if body is None else body)


def refused(status=404, body=None, request=None):
    return Exchange(request=request or {}, status=status, body=body if body is not None else {"error": {
        "message": "Not Found"}})


def verdict(found):
    return judge("limitation-holds", found)[0]


# --- batch-api ---------------------------------------------------------------------------------------

def test_a_served_batch_api_differs():
    batch = {"id": "batch_1", "object": "batch", "status": "validating"}
    found = checks.batch_api_absent(ok(), refused(), ok(batch))
    assert found.observed == IGNORED and "POST /v1/batches" in found.reason and verdict(found) == DIFFERS
    listing = checks.batch_api_absent(ok(), ok({"object": "list", "data": [], "has_more": False}), refused(400))
    assert listing.observed == IGNORED and verdict(listing) == DIFFERS


@pytest.mark.parametrize("listed, created", [
    (refused(404), refused(404)),
    (refused(405, {"detail": "Method Not Allowed"}), refused(501, {"message": "not implemented"})),  # not OpenAI's body
    (refused(404, {"error": "Not Found"}), refused(400, {"error": {"message": "unknown route"}})),
])
def test_a_path_that_is_not_served_holds_the_limitation(listed, created):
    found = checks.batch_api_absent(ok(), listed, created)
    assert found.observed == HONOURED and verdict(found) == AGREES, found.reason


def test_answers_that_say_nothing_about_batches_are_not_judged():
    # the base URL serves no chat completions either: a 404 for batches is no evidence
    base_url = checks.batch_api_absent(refused(404), refused(404), refused(404))
    assert base_url.observed == REJECTED and verdict(base_url) == INCONCLUSIVE
    # a catch-all page with status 200
    html = Exchange(request={}, status=200, body=None, not_json="<html>")
    assert checks.batch_api_absent(ok(), html, refused(404)).observed == UNCLEAR
    # throttled, or the key refused on that path
    for status in (429, 401, 403):
        found = checks.batch_api_absent(ok(), refused(status), refused(404))
        assert found.observed == REJECTED and verdict(found) == INCONCLUSIVE
    crash = checks.batch_api_absent(ok(), refused(500, {"error": {"message": "boom"}}), refused(404))
    assert verdict(crash) == DIFFERS  # a server error is never a clean "not served"


# --- tool-content --------------------------------------------------------------------------------------

CALL = {"id": "tooluse_1", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}


def conversation(**content):
    assistant = {"role": "assistant", "tool_calls": [CALL], **content}
    return {"model": "m", "messages": [{"role": "user", "content": "q"}, assistant,
                                       {"role": "tool", "tool_call_id": "tooluse_1", "content": "Sunny"},
                                       {"role": "user", "content": "OK?"}]}


def steps(empty, null, absent):
    return dict(empty=empty(conversation(content="")), null=null(conversation(content=None)),
                absent=absent(conversation()))


def bad_request(request):
    return refused(400, {"error": {"message": "content is required", "type": "invalid_request_error", "code": 400}},
                   request)


def fastapi_422(request):
    return refused(422, {"detail": [{"loc": ["body", "messages", 1, "content"], "msg": "field required"}]}, request)


def answered(request):
    return ok(request=request)


def test_empty_content_accepted_means_the_limitation_no_longer_holds():
    found = checks.tool_calls_need_content(ok(), **steps(bad_request, answered, bad_request))
    assert found.observed == IGNORED and "content null was answered" in found.reason and verdict(found) == DIFFERS


def test_every_form_refused_holds_the_limitation_whatever_the_error_body():
    found = checks.tool_calls_need_content(ok(), **steps(bad_request, fastapi_422, bad_request))
    assert found.observed == HONOURED and verdict(found) == AGREES
    assert '"": HTTP 400' in found.reason and "null: HTTP 422" in found.reason and "absent: HTTP 400" in found.reason


def test_a_conversation_refused_even_with_content_says_nothing():
    found = checks.tool_calls_need_content(bad_request(conversation(content="x")),
                                           **steps(bad_request, bad_request, bad_request))
    assert found.observed == REJECTED and "says nothing" in found.reason and verdict(found) == INCONCLUSIVE


def test_a_server_error_or_throttling_is_not_a_clean_refusal():
    def crash(request):
        return refused(500, {"error": {"message": "Failed to execute chat"}}, request)

    def throttled(request):
        return refused(429, {"error": {"message": "slow down"}}, request)
    assert verdict(checks.tool_calls_need_content(ok(), **steps(bad_request, crash, bad_request))) == DIFFERS
    assert verdict(checks.tool_calls_need_content(ok(), **steps(throttled, bad_request, bad_request))) == INCONCLUSIVE


# --- another path of the API, as a case option ----------------------------------------------------------------

BATCH_CASE = """\
cases:
  - id: sample
    rows: [limitations.batch-api]
    title: a sample
    request:
      messages: [{role: user, content: hi}]
    steps:
      - {name: listed, transport: {path: /batches, method: GET}}
      - {name: created, transport: TRANSPORT}
    check: batch_api_absent
"""


def test_a_step_may_send_to_another_path_and_a_bad_path_is_one_line(tmp_path):
    docs = load_docs(ROOT / "cases" / "docs-tables.yaml")
    (tmp_path / "a.yaml").write_text(BATCH_CASE.replace("TRANSPORT", "{path: /batches}"))
    case = load_cases(tmp_path, docs)[0]
    assert [s.transport for s in case.steps] == [{"path": "/batches", "method": "GET"}, {"path": "/batches"}]
    for bad in ("{method: GET}", "{path: batches}", "{path: /batches, method: DELETE}"):
        (tmp_path / "a.yaml").write_text(BATCH_CASE.replace("TRANSPORT", bad))
        with pytest.raises(ConformanceError) as err:
            load_cases(tmp_path, docs)
        assert str(err.value).startswith(f"{tmp_path / 'a.yaml'}: case 'sample': ") and "\n" not in str(err.value)



def test_requests_to_another_path_cost_no_tokens_in_the_plan():
    from conformance.plan import plan_requests, token_ceiling

    case = next(c for c in load_cases(ROOT / "cases", load_docs(ROOT / "cases" / "docs-tables.yaml"))
                if c.id == "batch-api")
    planned = plan_requests(case, "claude-4-5-haiku")
    assert [p.role for p in planned] == ["probe", "listed", "created"]
    assert [token_ceiling(p) > 0 for p in planned] == [True, False, False]
    assert "model" not in planned[2].body and planned[2].body["endpoint"] == "/v1/chat/completions"


# --- ignored-params: seed, n and the penalties, each judged as its Advanced row is ----------------------

APPLES = "apple apple apple apple apple apple apple apple apple apple"


def said(text, choices=1, **request):
    choice = {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
    body = {"choices": [{**choice, "index": i} for i in range(choices)]}
    return Exchange(request={"model": "m", **request}, status=200, body=body)


def parameter_steps(seeded=("417", "88", "9051"), controls=("12", "774", "305"), n_choices=1, frequency=APPLES,
                    presence=APPLES, penalty_controls=(APPLES,) * 3):
    """The ignored-params case's exchanges: a sampling model, every parameter ignored, by default."""
    first, *rest = seeded
    return dict(probe=said(first, seed=12345), seeded=[said(t, seed=12345) for t in rest],
                seed_control=[said(t) for t in controls], n=said("1, 2, 3, 4, 5", choices=n_choices, n=2),
                frequency=said(frequency, frequency_penalty=2.0), presence=said(presence, presence_penalty=2.0),
                penalty_control=[said(t) for t in penalty_controls], repeated="apple")


def test_a_parameter_with_its_effect_means_the_limitation_is_out_of_date():
    found = checks.ignored_params_limitation(**parameter_steps(n_choices=2))
    assert found.observed == IGNORED and "n=2 returned 2 choices" in found.reason and verdict(found) == DIFFERS
    # a seed that makes sampling reproducible, and a frequency penalty that breaks the repeats
    seeded = checks.ignored_params_limitation(**parameter_steps(seeded=("417",) * 3, frequency="apple"))
    assert seeded.observed == IGNORED and "seed" in seeded.reason and "frequency_penalty" in seeded.reason
    assert verdict(seeded) == DIFFERS


def test_parameters_accepted_without_effect_hold_the_limitation():
    found = checks.ignored_params_limitation(**parameter_steps())
    assert found.observed == HONOURED and verdict(found) == AGREES
    assert "no effect: seed, n, penalties" in found.reason
    # every part's finding is in the reason, the presence penalty's weak one too
    assert all(f"{name}:" in found.reason for name in ("seed", "n", "frequency_penalty", "presence_penalty"))


def test_a_model_that_does_not_sample_leaves_the_limitation_unclear_even_when_n_shows():
    # deterministic: every answer '42', with and without a seed; n and the penalties show, the seed cannot
    found = checks.ignored_params_limitation(**parameter_steps(seeded=("42",) * 3, controls=("42",) * 3))
    assert found.observed == UNCLEAR and verdict(found) == INCONCLUSIVE
    assert "(seed)" in found.reason and "does not sample" in found.reason and "n=2 returned exactly one" in found.reason


def test_one_parameter_refused_leaves_the_limitation_unshown():
    steps = parameter_steps()
    steps["n"] = Exchange(request={"model": "m", "n": 2}, status=400,
                          body={"error": {"message": "n: must be exactly 1", "type": "invalid_request_error"}})
    found = checks.ignored_params_limitation(**steps)
    assert found.observed == REJECTED and "refused, not ignored: n" in found.reason and verdict(found) == INCONCLUSIVE
    assert "seed:" in found.reason and "frequency_penalty:" in found.reason


def test_a_weak_model_does_not_agree_on_n_alone():
    # deterministic, and it does not repeat the word a penalty would act on: seed and the penalties
    # are unclear (not evidence either way); n=2 answered with one choice alone is not the claim
    weak = parameter_steps(seeded=("42",) * 3, controls=("42",) * 3, frequency="apple", presence="apple",
                           penalty_controls=("apple",) * 3)
    found = checks.ignored_params_limitation(**weak)
    assert found.observed == UNCLEAR and verdict(found) == INCONCLUSIVE
    assert "(seed, penalties)" in found.reason
    assert all(f"{name}:" in found.reason for name in ("seed", "n", "frequency_penalty", "presence_penalty"))
    # and with n refused too: a rejection, which says nothing (the runner's baseline tells a refused model)
    refused_n = Exchange(request={"model": "m", "n": 2}, status=400, body={"error": {"message": "n must be 1"}})
    nothing = checks.ignored_params_limitation(**{**weak, "n": refused_n})
    assert nothing.observed == REJECTED and nothing.status == 400 and verdict(nothing) == INCONCLUSIVE


def test_a_presence_penalty_with_its_effect_still_breaks_the_limitation():
    found = checks.ignored_params_limitation(**parameter_steps(presence="apple"))
    assert found.observed == IGNORED and "penalties" in found.reason and verdict(found) == DIFFERS


def test_throttling_or_no_answer_says_nothing():
    throttled = Exchange(request={"n": 2}, status=429, body={"error": {"message": "slow down"}})
    found = checks.ignored_params_limitation(**{**parameter_steps(), "n": throttled})
    assert found.observed == REJECTED and found.status == 429 and verdict(found) == INCONCLUSIVE
    silent = Exchange(request={"n": 2}, transport_error="ReadTimeout")
    assert verdict(checks.ignored_params_limitation(**{**parameter_steps(), "n": silent})) == INCONCLUSIVE


def test_a_server_error_on_any_parameter_differs():
    steps = parameter_steps()
    steps["presence"] = Exchange(request={"model": "m"}, status=500, body={"error": {"message": "boom"}})
    found = checks.ignored_params_limitation(**steps)
    assert judge("limitation-holds", found)[0] == DIFFERS and "presence_penalty" in found.reason


# --- response-format: a ladder of json_schema features ------------------------------------------------------

FEATURES = ("enum", "nested", "array", "any_of", "ref", "pattern", "strict")
SCHEMAS = {
    "probe": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    "enum": {"type": "object", "properties": {"continent": {"enum": ["Europe", "Asia"]}}, "required": ["continent"]},
    "nested": {"type": "object", "properties": {"city": {"type": "object", "properties": {"name": {"type": "string"}},
                                                         "required": ["name"]}}, "required": ["city"]},
    "array": {"type": "object", "properties": {"languages": {"type": "array", "minItems": 2, "maxItems": 3}},
              "required": ["languages"]},
    "any_of": {"type": "object", "properties": {"p": {"anyOf": [{"type": "number"}, {"type": "null"}]}},
               "required": ["p"]},
    "ref": {"type": "object", "$defs": {"place": {"type": "object", "required": ["name"]}},
            "properties": {"city": {"$ref": "#/$defs/place"}}, "required": ["city"]},
    "pattern": {"type": "object", "properties": {"airport": {"type": "string", "pattern": "^[A-Z]{3}$"}},
                "required": ["airport"]},
    "strict": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"],
               "additionalProperties": False},
}
VALID = {"probe": {"city": "Paris"}, "enum": {"continent": "Europe"}, "nested": {"city": {"name": "Paris"}},
         "array": {"languages": ["French", "English"]}, "any_of": {"p": 2.1}, "ref": {"city": {"name": "Paris"}},
         "pattern": {"airport": "CDG"}, "strict": {"city": "Paris"}}


def structured(step, value=None, status=200, finish="stop"):
    request = {"model": "m", "response_format": {"type": "json_schema",
                                                 "json_schema": {"name": "paris", "schema": SCHEMAS[step]}}}
    if status != 200:
        return Exchange(request=request, status=status, body={"error": {"message": "unsupported schema"}})
    text = value if isinstance(value, str) else json.dumps(VALID[step] if value is None else value)
    body = {"choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": finish}]}
    return Exchange(request=request, status=200, body=body)


def ladder(**replaced):
    steps = {step: structured(step) for step in ("probe", *FEATURES)}
    return checks.schema_features_limited(**{**steps, **replaced})


def test_every_feature_answered_validly_neither_shows_nor_refutes_the_limitation():
    """The prompts ask for nothing the schemas forbid: a capable model on a server that enforces
    nothing answers them all validly, so that is no evidence the docs are out of date."""
    found = ladder()
    assert found.observed == ACCEPTED and "neither seen nor refuted" in found.reason
    assert verdict(found) == INCONCLUSIVE


def test_a_refused_or_unfollowed_feature_holds_the_limitation_and_each_outcome_is_named():
    found = ladder(ref=structured("ref", status=400), pattern=structured("pattern", {"airport": "Charles de Gaulle"}))
    assert found.observed == HONOURED and verdict(found) == AGREES
    assert "ref, pattern not supported" in found.reason and "enum: accepted and valid" in found.reason
    assert "ref: refused" in found.reason and "pattern: accepted but invalid" in found.reason
    assert "$.airport" in found.reason  # where the answer fails its schema
    # a strict schema answered with an extra key is not followed either
    extra = ladder(strict=structured("strict", {"city": "Paris", "country": "France"}))
    assert extra.observed == HONOURED and "strict: accepted but invalid" in extra.reason


def test_an_unusual_but_valid_answer_is_not_a_failure():
    # any_of's other branch, the array at its maxItems, JSON with its keys in another order and spacing
    found = ladder(any_of=structured("any_of", {"p": None}), array=structured("array", {"languages": ["a", "b", "c"]}),
                   nested=structured("nested", '{ "city" : { "name" : "Paris" } }'))
    assert found.observed == ACCEPTED, found.reason


def test_a_model_too_weak_to_follow_even_the_plain_object_is_unclear():
    found = ladder(probe=structured("probe", "Paris is the capital of France."),
                   ref=structured("ref", status=400))
    assert found.observed == UNCLEAR and "plain object" in found.reason and verdict(found) == INCONCLUSIVE
    cut = ladder(pattern=structured("pattern", '{"airport": "CD', finish="length"))
    assert cut.observed == UNCLEAR and verdict(cut) == INCONCLUSIVE  # no failure, and one feature undecided


def test_a_server_error_differs_and_a_refused_plain_schema_says_nothing():
    crash = ladder(ref=structured("ref", status=500))
    assert verdict(crash) == DIFFERS and crash.reason.startswith("ref:")
    plain = ladder(probe=structured("probe", status=400))
    assert plain.observed == REJECTED and verdict(plain) == INCONCLUSIVE
    throttled = ladder(enum=structured("enum", status=429))
    assert verdict(throttled) == INCONCLUSIVE


def test_the_reference_server_refuses_ref_and_follows_patterns_only_when_switched():
    from reference_server.schemas import matching, prepared, validate_schema
    from reference_server.validation import RequestError

    with pytest.raises(RequestError):
        validate_schema(SCHEMAS["ref"], frozenset())
    validate_schema(SCHEMAS["ref"], frozenset({"response-format-schemas"}))
    assert prepared(SCHEMAS["pattern"], frozenset()) == SCHEMAS["pattern"]
    switched = prepared(SCHEMAS["ref"], frozenset({"response-format-schemas"}))
    assert switched["properties"]["city"] == {"type": "object", "required": ["name"]}
    for pattern, sample in (("^[A-Z]{3}$", "AAA"), (r"^\d{2,4}-x?$", "00-"), ("ab+c*", "ab")):
        assert matching(pattern) == sample
