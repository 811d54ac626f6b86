"""Error handling: a request that must be refused gets the documented status, error body and SDK exception.

Cases declare the error as data (`expect_error:` in a case file, like test262's `negative:`); it stands
for the check `error_contract` below. The case's probe is the same request without the fault: it must
be answered, or the error says nothing about the fault.
"""
import dataclasses
import json
import re

from ..exchange import Exchange, clip
from ..findings import ACCEPTED, ERROR, HONOURED, IGNORED, REJECTED, UNANSWERED, UNCLEAR, Finding
from ..verdicts import NOT_ABOUT_THE_CLAIM
from ..wire.sender import duration_seconds, throttled_notes
from .registry import check

# A request with nothing else to refuse: when it is refused, the model itself is.
MINIMAL_REQUEST = {"model", "messages"}
# The documented error body: {"error": {"message": "...", "type": "...", "code": ...}}.
ERROR_FIELDS = ("message", "type", "code")


def error_body_problem(body) -> str | None:
    """What is wrong with an error body, judged against the documented shape, or None."""
    if not isinstance(body, dict) or "error" not in body:
        return f"the body is not {{\"error\": {{...}}}} (got {clip(str(body), 60)})"
    error = body["error"]
    if not isinstance(error, dict):
        return f"`error` is a {type(error).__name__} ({clip(str(error), 60)}), not an object with message, type, code"
    missing = [name for name in ERROR_FIELDS if name not in error]
    if missing:
        return f"error.{', error.'.join(missing)} missing"
    for name in ("message", "type"):
        if not isinstance(error[name], str) or not error[name].strip():
            return f"error.{name} is {error[name]!r}, not a non-empty string"
    code = error["code"]
    if code is not None and (isinstance(code, bool) or not isinstance(code, (int, str))):
        return f"error.code is {code!r}, neither an integer nor a string"
    return None


# What an error body must not show its user: the server's own internals. A traceback (Python, Java,
# JavaScript) or a path on the server's disk; a library's error name ("json.exception.parse_error") is not one.
INTERNALS = (
    ("a Python traceback", re.compile(r"Traceback \(most recent call last\)|File \"[^\"]+\.py\", line \d+")),
    ("a Java stack trace", re.compile(r"\bat [\w$.]+\([\w$]+\.java:\d+\)|Exception in thread ")),
    ("a JavaScript stack trace", re.compile(r"\bat .*\(?(/|file://)[^\s()]+\.[cm]?[jt]s:\d+:\d+\)?")),
    ("a server file path", re.compile(r"(?<![\w./-])/(app|usr/lib|usr/local/lib|home|srv|opt|var/task|var/lib|"
                                      r"workspace|node_modules)/[\w./-]+")),
)


def leak_problem(ex: Exchange) -> str | None:
    """Which server internal an error answer's body shows (traceback, file path), quoting it, or None."""
    text = ex.not_json if ex.body is None else json.dumps(ex.body, ensure_ascii=False).replace("\\n", "\n")
    for what, pattern in INTERNALS:
        if found := pattern.search(text or ""):
            return f"the error shows {what} ({clip(found.group(0), 60)})"
    return None


def error_evidence(ex: Exchange) -> str:
    """`HTTP 400 BadRequestError, error.type='invalid_request_error', error.code=400 (integer)`."""
    parts = [f"HTTP {ex.status} {_raised(ex) or '(no SDK exception)'}"]
    error = ex.body.get("error") if isinstance(ex.body, dict) else None
    if isinstance(error, dict):
        code = error.get("code")
        kind = "integer" if isinstance(code, int) else "string" if isinstance(code, str) else "null"
        parts.append(f"error.type={error.get('type')!r}, error.code={code!r} ({kind})")
    return ", ".join(parts)


def _raised(ex: Exchange) -> str | None:
    return ex.sdk.exception_class if ex.sdk is not None else None


def _exception_problem(ex: Exchange, classes: list) -> str | None:
    """What the client raised, against the openai SDKs' class for the status; a client with one class
    for every status (the AI SDK) must raise it carrying the status."""
    view = ex.sdk
    if view is None or view.sent_by != "sdk":
        return None  # sent around the client: there is nothing it raised
    if view.status_classes:
        raised = view.exception_class
        return None if raised in classes else f"{view.client} raised {raised or 'no exception'}, not {_one_of(classes)}"
    status = (view.exception or {}).get("status")
    if view.outcome != "raised":
        return f"{view.client} raised no exception"
    return None if status == ex.status else f"{view.client} raised {view.exception_class} with status {status!r}, " \
                                            f"not {ex.status}"


def _one_of(values: list) -> str:
    return " or ".join(str(v) for v in values)


def _contract_problems(ex: Exchange, status: list, error_type: list | None, sdk_exception: list | None) -> list[str]:
    problems = []
    if ex.status not in status:
        problems.append(f"HTTP {ex.status}, not {_one_of(status)}")
    if ex.body is None and ex.not_json is not None:
        problems.append(f"the error body is not JSON ({clip(ex.not_json, 60)})")
    elif shape := error_body_problem(ex.body):
        problems.append(shape)
    elif error_type and ex.body["error"]["type"] not in error_type:
        problems.append(f"error.type is {ex.body['error']['type']!r}, not {_one_of(error_type)}")
    if leak := leak_problem(ex):
        problems.append(leak)
    if sdk_exception and (problem := _exception_problem(ex, sdk_exception)):
        problems.append(problem)
    return problems


@check
def error_contract(probe: Exchange, refused: Exchange, status: list, error_type: list | None = None,
                   sdk_exception: list | None = None) -> Finding:
    """The `refused` request gets the documented error: status, body {"error": {message, type, code}},
    and the client's exception class (the openai SDKs' class for the status; a client with one class for
    every status must carry it); the probe (the same request without the fault) is answered.

    Never REJECTED for the faulty request's 4xx, so the runner sends no baseline: for an unknown model id
    the baseline would be refused too and wrongly blame the model. When the probe itself is refused, the
    error says nothing; a minimal probe (model and messages only) refused means the model is.

    Sample: "refused, but `error` is a str ('request body is not valid JSON'), not an object with message,
    type, code (HTTP 400 BadRequestError)"
    """
    if probe.transport_error or not probe.ok:
        why = f"the same request without the fault was not answered either ({probe.summary()})"
        if probe.status in (400, 404, 422) and set(probe.request) <= MINIMAL_REQUEST:
            return Finding(REJECTED, why, probe.status, about_model=True)  # nothing but the model to refuse
        return Finding(UNCLEAR, f"{why}: the error says nothing about the fault")
    if refused.transport_error:
        return Finding(UNANSWERED, f"the faulty request got no answer: {refused.transport_error}")
    if refused.ok:
        model = refused.body.get("model") if isinstance(refused.body, dict) else None
        answered_by = f" by model {model!r}" if model else ""
        return Finding(ACCEPTED, f"the faulty request was answered{answered_by} (HTTP {refused.status}) instead of "
                                 f"refused with HTTP {_one_of(status)}", refused.status)
    evidence = error_evidence(refused)
    if refused.status in NOT_ABOUT_THE_CLAIM:  # throttled, no access, upstream down: judged inconclusive
        return Finding(REJECTED, f"refused with {evidence}: {refused.error_message!r}", refused.status)
    problems = _contract_problems(refused, status, error_type, sdk_exception)
    if problems:
        # A 5xx is REJECTED so the verdict says "a server error, not a clean rejection"; a wrong 4xx is
        # ERROR: not the documented error (REJECTED would send a baseline, see above).
        observed = REJECTED if refused.status >= 500 else ERROR
        return Finding(observed, f"refused, but {'; '.join(problems)} ({evidence})", refused.status)
    return Finding(HONOURED, f"refused as documented: {evidence}, message {clip(refused.error_message, 60)}",
                   refused.status)


def plain_request_refused(probe: Exchange) -> Finding:
    """The finding when a case's plain request (model and messages only) was not answered: a 4xx refuses
    the model itself, which speaks to no row but the model's; anything else leaves nothing to judge."""
    why = f"the plain request was not answered ({probe.summary()})"
    if probe.status in (400, 404, 422) and set(probe.request) <= MINIMAL_REQUEST:
        return Finding(REJECTED, why, probe.status, about_model=True)
    return Finding(UNCLEAR, f"{why}: nothing to judge")


def body_problem(ex: Exchange) -> str | None:
    """What keeps an error answer's body from being OpenAI's error body, or it from keeping the server's
    internals to itself; None when both hold."""
    if ex.body is None and ex.not_json is not None:
        return f"the error body is not JSON ({clip(ex.not_json, 60)})"
    return error_body_problem(ex.body) or leak_problem(ex)


@check
def error_bodies(probe: Exchange, wrong_key: Exchange, malformed: Exchange, unknown_model: Exchange,
                 streamed_invalid: Exchange) -> Finding:
    """Every error answer the case meets, whatever its status (a wrong key, a body that is not JSON, an
    unknown model, an invalid value in a streamed request), has OpenAI's error body and no server
    internals in it. Whether each should be refused, and how, is other rows' business: an answered
    request is only not an error to judge; none refused leaves nothing to judge.

    Never REJECTED: a 5xx or a 429 carries a body like any other error, and the body is the claim.

    Sample: "a streamed request with temperature 'hot' got HTTP 500: `error` is a str ('Internal Server
    Error'), not an object with message, type, code"
    """
    if probe.transport_error or not probe.ok:
        return plain_request_refused(probe)  # the errors may be the model's, not each request's
    asked = {"a wrong key": wrong_key, "a body that is not JSON": malformed, "an unknown model id": unknown_model,
             f"a streamed request with temperature {streamed_invalid.request.get('temperature')!r}": streamed_invalid}
    errors = {what: ex for what, ex in asked.items() if not ex.transport_error and not ex.ok and ex.status}
    if not errors:
        return Finding(UNCLEAR, "none of the faulty requests got an error answer: no error body to judge")
    for what, ex in errors.items():
        if problem := body_problem(ex):
            return Finding(ERROR, f"{what} got HTTP {ex.status}: {problem}")
    seen = ", ".join(f"HTTP {ex.status}" for ex in errors.values())
    unjudged = len(asked) - len(errors)
    return Finding(HONOURED, f"every error answer ({seen}) is OpenAI's error body with no server internals"
                             + (f"; {unjudged} faulty request(s) were answered, not refused (other rows' business)"
                                if unjudged else ""))


THROTTLED = 429
BACK_OFF_HEADERS = ("retry-after", "x-ratelimit-reset-requests", "x-ratelimit-reset-tokens")
BACK_OFF_EVIDENCE = "rate_limit_headers"  # the evidence key of back_off_signals' results


def _rate_limit_headers(ex: Exchange) -> dict:
    return {k: v for k, v in ex.headers.items() if k.startswith("x-ratelimit-") or k == "retry-after"}


def back_off_given(headers: dict) -> dict:
    """What of a 429's headers says when to try again: a Retry-After, or a reset header the harness can
    read as a duration (`51s`, `1m30s`, `2`), as the sender backs off by them. A reset of 0 (the tokens'
    window, when requests ran out) says nothing of when."""
    return {k: v for k, v in headers.items() if k in BACK_OFF_HEADERS and str(v).strip()
            and (k == "retry-after" or (duration_seconds(str(v)) or 0) > 0)}


def _shown(headers: dict) -> str:
    return ", ".join(f"{k}: {v}" for k, v in sorted(headers.items())) or "none"


def back_off_finding(notes: list[dict], scope: str) -> Finding:
    """The finding on the 429s met (`notes` as the sender keeps them, a `test_id` where known), `scope`
    naming where they were met: any with nothing to back off by is IGNORED (the count and the first
    one's headers named); all saying when to try again is HONOURED, the count named."""
    silent = [n for n in notes if not back_off_given(n.get("headers") or {})]
    if silent:
        first = silent[0]
        where = f" in {first['test_id']}" if first.get("test_id") else ""
        return Finding(IGNORED, f"{len(silent)} of the {len(notes)} 429(s) met {scope} came with nothing to back off "
                                f"by (no retry-after, no parseable x-ratelimit-reset-*); the first{where}: rate-limit "
                                f"headers {_shown(first.get('headers') or {})}")
    given = _shown(back_off_given(notes[0]["headers"]))
    return Finding(HONOURED, f"each of the {len(notes)} 429(s) met {scope} said when to try again (the first: {given})")


@check
def back_off_signals(probe: Exchange) -> Finding:
    """A throttled answer says how long to back off: a 429 with Retry-After or a parseable
    x-ratelimit-reset-*. The harness waits out and retries every 429 and keeps each as evidence, so this
    check judges the 429s its own request met; once every test of the run is in, the row is decided from
    every 429 the run met on the model, whichever case met it (conformance/throttled_rows.py). None met
    is inconclusive, with the rate-limit headers an ordinary answer carried.

    Sample: "1 of the 3 429(s) met in this run on claude-4-5-haiku came with nothing to back off by (no
    retry-after, no parseable x-ratelimit-reset-*); the first in cases/core.yaml::stop[claude-4-5-haiku]:
    rate-limit headers x-ratelimit-limit-requests: 2"
    """
    seen = _rate_limit_headers(probe)
    # On every finding: marks the results the run's 429s decide (throttled_rows.py), and shows what an
    # ordinary answer carried when none was met anywhere.
    evidence = {BACK_OFF_EVIDENCE: seen}
    if notes := throttled_notes(probe):
        found = back_off_finding(notes, "by this case")
    elif probe.transport_error or probe.status is None:
        found = Finding(UNANSWERED, f"no answer came: {probe.transport_error}")
    elif not probe.ok:
        found = plain_request_refused(probe)
    else:
        found = Finding(UNCLEAR, f"no 429 was met by this case: nothing to judge; rate-limit headers of its "
                                 f"answer: {_shown(seen)}")
    return dataclasses.replace(found, evidence=evidence)
