"""error_contract and `expect_error:`: each error shown honoured, broken, unusual but valid, and unclear."""
from pathlib import Path

import pytest
from conftest import ROOT

from conformance import checks
from conformance.cases import load_cases
from conformance.docs import load_docs
from conformance.errors import ConformanceError
from conformance.exchange import ClientView, Exchange
from conformance.findings import ACCEPTED, ERROR, HONOURED, IGNORED, REJECTED, UNANSWERED, UNCLEAR
from conformance.runner import Runner
from conformance.verdicts import AGREES, DIFFERS, INCONCLUSIVE, judge
from conformance.wire.recording import LIVE, Recorder

DOCS = load_docs(ROOT / "cases" / "docs-tables.yaml")
STANDARD_ERROR = "rejected"  # the promise of the level "Standard error"
BAD_REQUEST = {"status": [400], "error_type": ["invalid_request_error"], "sdk_exception": ["BadRequestError"]}
SDK_CLASS = {400: "BadRequestError", 401: "AuthenticationError", 403: "PermissionDeniedError", 404: "NotFoundError",
             422: "UnprocessableEntityError", 429: "RateLimitError", 500: "InternalServerError"}


def answered(model="claude-4-5-haiku") -> Exchange:
    body = {"id": "c", "object": "chat.completion", "created": 1, "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "OK"}, "finish_reason": "stop"}]}
    return Exchange(request={"model": model}, status=200, body=body)


def refused(status=400, body=None, sdk_exception=...) -> Exchange:
    if body is None:
        body = {"error": {"message": "temperature must be between 0 and 1", "type": "invalid_request_error",
                          "code": status}}
    exception = SDK_CLASS.get(status) if sdk_exception is ... else sdk_exception
    raised = ClientView("openai-python", "test", outcome="raised" if exception else "returned",
                        exception={"class": exception, "status": status} if exception else None)
    return Exchange(request={"model": "claude-4-5-haiku"}, status=status, body=body, sdk=raised)


def verdict(finding) -> str:
    return judge(STANDARD_ERROR, finding)[0]


def test_the_documented_error_is_honoured_with_code_and_exception_as_evidence():
    finding = checks.error_contract(answered(), refused(), **BAD_REQUEST)
    assert finding.observed == HONOURED and verdict(finding) == AGREES
    assert "BadRequestError" in finding.reason and "error.code=400 (integer)" in finding.reason


def test_a_string_code_and_openais_own_wording_are_no_alarm():
    body = {"error": {"message": "Incorrect API key provided", "type": "invalid_request_error",
                      "param": None, "code": "invalid_api_key"}}
    finding = checks.error_contract(answered(), refused(401, body), status=[401],
                                    error_type=["authentication_error", "invalid_request_error"],
                                    sdk_exception=["AuthenticationError"])
    assert finding.observed == HONOURED and "error.code='invalid_api_key' (string)" in finding.reason
    null_code = refused(body={"error": {"message": "bad JSON", "type": "invalid_request_error", "code": None}})
    assert checks.error_contract(answered(), null_code, **BAD_REQUEST).observed == HONOURED


def test_a_flat_error_body_differs_and_says_so():
    finding = checks.error_contract(answered(), refused(400, {"error": "Internal Server Error"}), **BAD_REQUEST)
    assert finding.observed == ERROR and verdict(finding) == DIFFERS
    assert "`error` is a str ('Internal Server Error')" in finding.reason


def test_a_500_differs_as_a_server_error():
    flat = refused(500, {"error": "Internal Server Error"})
    finding = checks.error_contract(answered(), flat, **BAD_REQUEST)
    result, reason = judge(STANDARD_ERROR, finding)
    assert result == DIFFERS and "HTTP 500, not 400" in reason and "server error" in reason


def test_the_wrong_status_type_or_exception_differs_naming_what_was_wrong():
    wrong_status = checks.error_contract(answered(), refused(422), **BAD_REQUEST)
    assert wrong_status.observed == ERROR and "HTTP 422, not 400" in wrong_status.reason
    body = {"error": {"message": "m", "type": "server_error", "code": 400}}
    wrong_type = checks.error_contract(answered(), refused(400, body), **BAD_REQUEST)
    assert wrong_type.observed == ERROR and "error.type is 'server_error'" in wrong_type.reason
    no_exception = checks.error_contract(answered(), refused(sdk_exception=None), **BAD_REQUEST)
    assert "openai-python raised no exception, not BadRequestError" in no_exception.reason
    missing_code = refused(body={"error": {"message": "m", "type": "invalid_request_error"}})
    assert "error.code missing" in checks.error_contract(answered(), missing_code, **BAD_REQUEST).reason


def test_answering_the_faulty_request_differs_and_names_the_model_that_answered():
    finding = checks.error_contract(answered(), answered("claude-4-5-sonnet"), status=[404, 400])
    assert finding.observed == ACCEPTED and verdict(finding) == DIFFERS
    assert "by model 'claude-4-5-sonnet'" in finding.reason


def test_throttling_or_no_access_is_inconclusive():
    for status in (403, 429, 503):
        finding = checks.error_contract(answered(), refused(status), **BAD_REQUEST)
        assert finding.observed == REJECTED and verdict(finding) == INCONCLUSIVE, status


def test_a_refused_probe_makes_the_error_say_nothing():
    # The faulty request's error is no evidence about the fault when the request without it fails too.
    minimal = refused(404)
    minimal.request = {"model": "gpt-nonexistent", "messages": [{"role": "user", "content": "hi"}]}
    finding = checks.error_contract(minimal, refused(), **BAD_REQUEST)
    assert finding.about_model and verdict(finding) == INCONCLUSIVE
    assert "refused the model itself" in judge(STANDARD_ERROR, finding)[1]
    with_parameters = refused(400)
    with_parameters.request = {**minimal.request, "max_tokens": 10}  # perhaps max_tokens was refused
    finding = checks.error_contract(with_parameters, refused(), **BAD_REQUEST)
    assert finding.observed == UNCLEAR and verdict(finding) == INCONCLUSIVE
    silent = Exchange(request={}, transport_error="ReadTimeout")
    assert checks.error_contract(answered(), silent, **BAD_REQUEST).observed == UNANSWERED


# -- the runner sends no baseline after an expected error (it would blame an unknown model) ------------

class StubClient:
    """Answers like a server: the unknown model id gets `unknown`, every other request a completion."""

    sdk = {"name": "stub", "version": "0"}

    def __init__(self, unknown: Exchange):
        self.unknown, self.sent = unknown, []

    def send(self, body: dict, transport: dict | None = None, refusal_expected: bool = False,
             before_last_retry=None) -> Exchange:
        self.sent.append(body)
        return answered(body["model"]) if body["model"].startswith("claude") else self.unknown


def run_unknown_model_case(tmp_path, unknown: Exchange):
    (case,) = [c for c in load_cases(ROOT / "cases", DOCS) if c.id == "error-unknown-model"]
    client = StubClient(unknown)
    runner = Runner(client=client, recorder=Recorder(LIVE, tmp_path, "stub", []), docs=DOCS, target="stub",
                    mode=LIVE, cassette_root=tmp_path, record_command="record")
    (result,) = runner.run(case, "claude-4-5-haiku", "cases/errors.yaml::error-unknown-model[claude-4-5-haiku]")
    return result, client.sent


@pytest.mark.parametrize("status, expected", [(404, AGREES), (400, AGREES), (422, DIFFERS)])
def test_an_unknown_model_gets_its_verdict_without_a_baseline(tmp_path, status, expected):
    body = {"error": {"message": "The model does not exist", "type": "invalid_request_error", "code": status}}
    result, sent = run_unknown_model_case(tmp_path, refused(status, body))
    assert result.verdict == expected, result.reason
    assert [r["role"] for r in result.evidence["requests"]] == ["probe", "refused"]
    assert len(sent) == 2 and "a minimal request" not in result.reason


def test_an_unknown_model_answered_by_a_default_model_differs(tmp_path):
    result, _ = run_unknown_model_case(tmp_path, answered("claude-4-5-sonnet"))
    assert result.verdict == DIFFERS and "claude-4-5-sonnet" in result.reason


# -- expect_error: in a case file ---------------------------------------------------------------------

CASE = """
cases:
  - id: sample
    rows: [prose.errors/out-of-range]
    title: a sample
    request: {messages: [{role: user, content: hi}]}
    steps: [{name: refused, overrides: {temperature: 5}}]
"""


def load_one(tmp_path: Path, text: str):
    (tmp_path / "a.yaml").write_text(text)
    return load_cases(tmp_path, DOCS)


def test_expect_error_stands_for_error_contract_with_lists(tmp_path):
    (case,) = load_one(tmp_path, CASE + "    expect_error: {status: 400, type: invalid_request_error, "
                                        "sdk_exception: BadRequestError}\n")
    assert case.check == "error_contract"
    assert case.expect == BAD_REQUEST


@pytest.mark.parametrize("extra, message", [
    ("", "case 'sample': needs `check:` (or `expect_error:` for a request that must be refused)"),
    ("    check: model_echoed\n    expect_error: {status: 400}\n",
     "case 'sample': `expect_error:` stands for the check error_contract and its arguments: remove `check:`"),
    ("    expect_error: {status: 200}\n", "case 'sample': expect_error.status: 200 is less than the minimum of 400"),
    ("    expect_error: {status: 400, sdk_exception: bad_request}\n",
     "case 'sample': expect_error.sdk_exception: 'bad_request' does not match"),
    ("    expect_error: {type: x}\n", "case 'sample': expect_error: 'status' is a required property"),
])
def test_a_bad_expect_error_is_one_line(tmp_path, extra, message):
    with pytest.raises(ConformanceError) as err:
        load_one(tmp_path, CASE + extra)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_expect_error_needs_the_refused_step(tmp_path):
    with pytest.raises(ConformanceError, match="add a step named 'refused' under `steps:`"):
        load_one(tmp_path, CASE.replace("    steps: [{name: refused, overrides: {temperature: 5}}]\n", "")
                 + "    expect_error: {status: 400}\n")


# -- no server internals in an error; every error of the gathering case in OpenAI's shape ----------------

TRACEBACK = 'bad JSON\nTraceback (most recent call last):\n  File "/app/server.py", line 3, in answer'


def test_a_traceback_or_server_path_in_an_error_differs_and_quotes_it():
    body = {"error": {"message": TRACEBACK, "type": "invalid_request_error", "code": 400}}
    finding = checks.error_contract(answered(), refused(400, body), **BAD_REQUEST)
    assert finding.observed == ERROR and verdict(finding) == DIFFERS
    assert "a Python traceback ('Traceback (most recent call last)')" in finding.reason
    path = {"error": {"message": "cannot open /usr/lib/node_modules/x/index.js", "type": "invalid_request_error",
                      "code": 400}}
    assert "a server file path" in checks.error_contract(answered(), refused(400, path), **BAD_REQUEST).reason


def test_a_librarys_error_name_or_a_url_is_no_leak():
    for message in ("[json.exception.parse_error.101] parse error at line 1, column 71",
                    "Invalid URL (POST /v1/chat/nope); see https://example.com/app/docs"):
        body = {"error": {"message": message, "type": "invalid_request_error", "code": 400}}
        assert checks.error_contract(answered(), refused(400, body), **BAD_REQUEST).observed == HONOURED, message


def gathered(streamed_body=None, streamed_status=400, wrong_key_status=401):
    steps = {"wrong_key": refused(wrong_key_status), "malformed": refused(400), "unknown_model": refused(404),
             "streamed_invalid": refused(streamed_status, streamed_body)}
    steps["streamed_invalid"].request = {"model": "claude-4-5-haiku", "stream": True, "temperature": "hot"}
    return steps


def test_every_error_answer_in_openais_shape_agrees():
    finding = checks.error_bodies(answered(), **gathered())
    assert finding.observed == HONOURED and judge("accepted-with-effect", finding)[0] == AGREES
    assert "HTTP 401, HTTP 400, HTTP 404, HTTP 400" in finding.reason


def test_a_flat_500_to_a_streamed_request_differs_naming_the_request():
    finding = checks.error_bodies(answered(), **gathered({"error": "Internal Server Error"}, 500))
    assert finding.observed == ERROR and judge("accepted-with-effect", finding)[0] == DIFFERS
    assert finding.reason.startswith("a streamed request with temperature 'hot' got HTTP 500: `error` is a str")


def test_an_unusual_but_valid_error_set_and_answered_requests_raise_no_alarm():
    steps = gathered()
    steps["wrong_key"] = answered()  # a server with no keys: nothing to judge there, not a difference here
    steps["unknown_model"].body = {"error": {"message": "no such model", "type": "invalid_request_error",
                                             "param": "model", "code": "model_not_found"}}
    finding = checks.error_bodies(answered(), **steps)
    assert finding.observed == HONOURED and "1 faulty request(s) were answered" in finding.reason


def test_no_error_to_judge_is_inconclusive():
    everything = {name: answered() for name in ("wrong_key", "malformed", "unknown_model", "streamed_invalid")}
    everything["streamed_invalid"].request = {"temperature": "hot"}
    finding = checks.error_bodies(answered(), **everything)
    assert finding.observed == UNCLEAR and "no error body to judge" in finding.reason
    assert checks.error_bodies(refused(403), **gathered()).observed == UNCLEAR  # the model itself refused


# -- a request id on every answer -------------------------------------------------------------------------

def with_headers(ex: Exchange, headers: dict, exposed: str | None = None) -> Exchange:
    ex.headers = headers
    if exposed:
        ex.sdk = ex.sdk or ClientView("openai-python", "test")
        ex.sdk.request_id = exposed
    return ex


def test_a_request_id_on_every_answer_agrees_and_says_whether_the_sdk_exposes_it():
    finding = checks.request_ids(with_headers(answered(), {"x-request-id": "req-1"}, "req-1"),
                                 with_headers(answered(), {"x-request-id": "req-2"}),
                                 with_headers(refused(), {"x-request-id": "req-3"}))
    assert finding.observed == HONOURED and judge("accepted-with-effect", finding)[0] == AGREES
    assert "x-request-id" in finding.reason and "exposes it on 1 of 3" in finding.reason


def test_anthropics_or_awss_request_id_header_is_valid_though_the_sdk_shows_none():
    finding = checks.request_ids(with_headers(answered(), {"request-id": "req_011"}),
                                 with_headers(answered(), {"x-amzn-requestid": "6f1c"}),
                                 with_headers(refused(), {"request-id": "req_012"}))
    assert finding.observed == HONOURED and "request-id or x-amzn-requestid" in finding.reason
    assert "exposes none of them" in finding.reason


def test_an_error_without_a_request_id_differs():
    finding = checks.request_ids(with_headers(answered(), {"x-request-id": "r"}),
                                 with_headers(answered(), {"x-request-id": "r"}), with_headers(refused(), {}))
    assert finding.observed == IGNORED and judge("accepted-with-effect", finding)[0] == DIFFERS
    assert finding.reason.startswith("the error answer (HTTP 400) carries no request id header")
    silent = Exchange(request={}, transport_error="ReadTimeout")
    assert checks.request_ids(answered(), silent, refused()).observed == UNANSWERED


def test_no_429_met_is_inconclusive_and_shows_the_rate_limit_headers():
    finding = checks.back_off_signals(with_headers(answered(), {"x-ratelimit-remaining-requests": "149"}))
    assert finding.observed == UNCLEAR and "no 429 was met by this case" in finding.reason
    assert "x-ratelimit-remaining-requests: 149" in finding.reason
    assert finding.evidence == {"rate_limit_headers": {"x-ratelimit-remaining-requests": "149"}}


def waited_out(*headers: dict) -> list[dict]:
    """429s as the sender keeps those it waited out."""
    return [{"status": 429, "headers": h, "waited_s": 1.0} for h in headers]


def test_the_429s_a_case_waited_out_are_judged_though_its_answer_came():
    told = answered()
    told.throttled = waited_out({"retry-after": "2"}, {"x-ratelimit-reset-requests": "51s"})
    finding = checks.back_off_signals(told)
    assert finding.observed == HONOURED and "each of the 2 429(s) met by this case" in finding.reason
    assert "retry-after: 2" in finding.reason


def test_one_429_with_nothing_to_back_off_by_is_ignored_naming_the_count_and_its_headers():
    mixed = answered()
    mixed.throttled = waited_out({"retry-after": "2"}, {"x-ratelimit-limit-requests": "2"})
    finding = checks.back_off_signals(mixed)
    assert finding.observed == IGNORED and finding.reason.startswith("1 of the 2 429(s) met by this case")
    assert "x-ratelimit-limit-requests: 2" in finding.reason


def test_a_reset_header_the_harness_cannot_read_is_nothing_to_back_off_by():
    vague = answered()
    vague.throttled = waited_out({"x-ratelimit-reset-requests": "soon"})
    assert checks.back_off_signals(vague).observed == IGNORED
    readable = answered()
    readable.throttled = waited_out({"x-ratelimit-reset-tokens": "1m30s"})
    assert checks.back_off_signals(readable).observed == HONOURED
    # the tokens' window resetting now, when the requests ran out, says nothing of when to try again
    nothing_spent = answered()
    nothing_spent.throttled = waited_out({"x-ratelimit-reset-tokens": "0s", "x-ratelimit-limit-requests": "2"})
    assert checks.back_off_signals(nothing_spent).observed == IGNORED


def test_a_429_that_outlasted_every_retry_counts_with_those_waited_out():
    last = with_headers(refused(429), {})
    last.throttled = waited_out({"retry-after": "1"}, {"retry-after": "1"})
    finding = checks.back_off_signals(last)
    assert finding.observed == IGNORED and finding.reason.startswith("1 of the 3 429(s)")
