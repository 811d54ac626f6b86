"""The Known limitations checks on hand-built exchanges: a server where the limitation no longer
holds, one that keeps it in an unusual but valid way, and answers that say nothing about it; and
the case option that sends a request to another path of the API."""
from pathlib import Path

import pytest

from conformance import checks
from conformance.cases import load_cases
from conformance.docs import load_docs
from conformance.errors import ConformanceError
from conformance.exchange import Exchange
from conformance.findings import HONOURED, IGNORED, REJECTED, UNCLEAR
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
    html = Exchange(request={}, status=200, body=None, sdk_error="response is not JSON: '<html>'")
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
