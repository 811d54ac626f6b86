"""One place plans what a case sends: the probe, then each named step (a control, repeated
samples, a request with a wrong key, ...). The runner sends the plan; the benchmark and budgets
count it. A step is the probe request with some keys replaced, so a case stays data.

A step with `after:` is built from an earlier answer (a tool round trip): its messages are the
earlier request's, then what `append:` lists, made from that answer by `follow_up` below. Given the
recorded answer it is the same request every time, so it replays from a cassette like any other.
"""
import json
from dataclasses import dataclass, field, replace

from .cases import Case
from .exchange import Exchange


@dataclass(frozen=True)
class PlannedRequest:
    role: str                 # "probe", or the name of the step that sends it
    body: dict                # the request body, `model` included
    transport: dict = field(default_factory=dict)
    # Sent off the run's usual way on purpose (a wrong key, another endpoint, another model id): a
    # 401 there is the observation, not a sign that the run's key is refused.
    deliberate: bool = False
    # Built from the answer to the request named `after` (see follow_up); until then `body` holds
    # that request's messages only.
    after: str | None = None
    append: tuple = ()
    # Made invalid on purpose (a malformed body, a wrong key, an unknown model id, a value outside the
    # documented range): a server error is its answer, never retried or taken for an outage.
    refusal_expected: bool = False


# Sent only after a probe is rejected, to tell "this parameter was refused" from "this model is".
# Model and one message only: any parameter here could be the very one the server refuses.
BASELINE_MESSAGES = [{"role": "user", "content": "Reply with the word OK."}]


def baseline_request(model: str) -> PlannedRequest:
    """The request that asks whether the model itself is refused."""
    return PlannedRequest("baseline", {"model": model, "messages": BASELINE_MESSAGES})


def build_request(case: Case, model: str, overrides: dict | None = None) -> dict:
    """The case's request for this model; in overrides, None removes a key (and `model` may be replaced)."""
    request = {"model": model, **case.request}
    for key, value in (overrides or {}).items():
        if value is None:
            request.pop(key, None)
        else:
            request[key] = value
    return request


def plan_requests(case: Case, model: str, explored: dict | None = None) -> list[PlannedRequest]:
    """Every request of one probe of the case, in the order they are sent."""
    from .explore import in_range

    explored = explored or {}
    outside = case.explore is not None and any(not in_range(case.explore, v) for v in explored.values())
    planned = [PlannedRequest("probe", build_request(case, model, explored), refusal_expected=outside)]
    for step in case.steps:
        body = build_request(case, model, {**explored, **step.overrides})
        deliberate = bool(step.transport.get("api_key") or step.transport.get("path")) or body["model"] != model
        # error_contract (`expect_error:`) declares the request its `refused` step sends as one to be refused.
        faulty = (outside or bool(step.transport.get("api_key") or "raw_body" in step.transport)
                  or body.get("model") != model or (case.check == "error_contract" and step.name == "refused"))
        planned += [PlannedRequest(step.name, body, dict(step.transport), deliberate, step.after, step.append,
                                   faulty)] * step.repeat
    return [_model_named(p, model) for p in planned]


# A raw body (a request the SDK would never send, such as one without messages) names the model under
# test where it says {model}: otherwise one fixed id would be sent to every target.
MODEL_PLACEHOLDER = "{model}"


def _model_named(planned: PlannedRequest, model: str) -> PlannedRequest:
    raw = planned.transport.get("raw_body")
    if not isinstance(raw, str) or MODEL_PLACEHOLDER not in raw:
        return planned
    named = raw.replace(MODEL_PLACEHOLDER, json.dumps(model)[1:-1])
    return replace(planned, transport={**planned.transport, "raw_body": named})


# Heroku refuses an assistant message with tool_calls whose content is empty or null (a documented
# limitation, judged by its own case in limitations.yaml). A round trip sends this text instead of
# an empty content, so that it measures the round trip and not that limitation again.
TOOL_CALL_CONTENT = "I will call the tool."
# The result sent back for a call of a tool the case declares no result for (an undeclared name).
NO_RESULT = '{"error": "no such tool"}'


def answer_message(answer: Exchange) -> dict | None:
    message = answer.choice.get("message") if answer.ok and not answer.stream else None
    return message if isinstance(message, dict) else None


def answer_tool_calls(answer: Exchange) -> list[dict]:
    calls = (answer_message(answer) or {}).get("tool_calls")
    return [c for c in calls if isinstance(c, dict)] if isinstance(calls, list) else []


def assistant_message(answer: Exchange) -> dict:
    """The answer's assistant message as a client sends it back: its content (or TOOL_CALL_CONTENT
    when that is empty, null or not text) and its tool_calls exactly as returned. Response-only
    fields (refusal, reasoning, annotations) are left out: they are not part of a request message."""
    message = answer_message(answer) or {}
    content = message.get("content")
    calls = answer_tool_calls(answer)
    if calls and not (isinstance(content, str) and content.strip()):
        content = TOOL_CALL_CONTENT
    sent = {"role": "assistant", "content": content if isinstance(content, str) else ""}
    if calls:
        sent["tool_calls"] = calls
    return sent


def tool_messages(answer: Exchange, results: dict) -> list[dict]:
    """One `role: tool` message per call of the answer, answering the call's id with the result the
    case declares for its tool (an object is sent as its JSON text)."""
    messages = []
    for call in answer_tool_calls(answer):
        result = results.get(str((call.get("function") or {}).get("name")), NO_RESULT)
        content = result if isinstance(result, str) else json.dumps(result)
        messages.append({"role": "tool", "tool_call_id": call.get("id"), "content": content})
    return messages


def follow_up(planned: PlannedRequest, answer: Exchange | None) -> PlannedRequest | None:
    """The request of a step built from an earlier answer, or None when it is not sent: the earlier
    request failed, or tool results are to be sent back and the answer made no tool call (a model
    that did not call the tool: the check says the round trip could not be made), or a call is too
    malformed to answer (its function not an object: the check reports the call)."""
    if answer is None or answer_message(answer) is None:
        return None
    wants_results = any(isinstance(item, dict) and "tool_results" in item for item in planned.append)
    calls = answer_tool_calls(answer)
    if wants_results and (not calls or any(not isinstance(c.get("function"), dict) for c in calls)):
        return None
    messages = list(answer.request.get("messages") or [])
    for item in planned.append:
        if item == "assistant_answer":
            messages.append(assistant_message(answer))
        elif "tool_results" in item:
            messages += tool_messages(answer, item["tool_results"])
        else:
            messages.append(dict(item["message"]))
    return replace(planned, body={**planned.body, "messages": messages}, after=None, append=())


# What a request may cost, for the plan printed before a live run and for --budget.
DEFAULT_MAX_TOKENS = 4096  # Heroku's default completion limit when a request sets none (May 2025 schema)


def _text_of(content) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return ""


def token_ceiling(planned: PlannedRequest) -> int:
    """An upper estimate of one request's tokens: its prompt (4 characters a token, plus a few per
    message) and every completion token it allows."""
    if planned.transport.get("path"):
        return 0  # another endpoint (e.g. /batches): nothing is generated
    messages = planned.body.get("messages") or []
    prompt = sum(len(_text_of(m.get("content"))) // 4 + 8 for m in messages if isinstance(m, dict))
    limits = [planned.body.get(k) for k in ("max_tokens", "max_completion_tokens")]
    limits = [v for v in limits if isinstance(v, int) and not isinstance(v, bool) and v > 0]
    limit = min(limits) if limits else DEFAULT_MAX_TOKENS
    n = planned.body.get("n")
    choices = n if isinstance(n, int) and not isinstance(n, bool) and n > 1 else 1
    return prompt + _appended_ceiling(planned, limit) + limit * choices


def _appended_ceiling(planned: PlannedRequest, limit: int) -> int:
    """What a step built from an earlier answer adds to the prompt: that answer (at most the limit,
    taken as the earlier request's too) and the tool results (two calls of each tool at most)."""
    total = 0
    for item in planned.append:
        if item == "assistant_answer":
            total += limit + 8
        elif "tool_results" in item:
            total += sum(2 * (len(json.dumps(r)) // 4 + 8) for r in item["tool_results"].values())
        else:
            total += len(_text_of(item["message"].get("content"))) // 4 + 8
    return total


def estimate(case: Case, model: str, random_draws: int = 0) -> tuple[int, int]:
    """(requests, token ceiling) of a case for one model: every fixed probe and random draw, and a
    baseline request after each probe that may be refused. The boundary search comes on top: it
    depends on the answers, and --budget bounds it while the run goes on."""
    from .explore import boundary_values, in_range

    if case.explore is None:
        values = [{}]
    else:
        fixed = boundary_values(case.explore)
        values = [{case.explore.param: v} for v in fixed]
        values += [{case.explore.param: case.explore.max}] * random_draws
    requests = ceiling = 0
    for explored in values:
        planned = plan_requests(case, model, explored)
        requests += len(planned)
        ceiling += sum(token_ceiling(p) for p in planned)
        value = next(iter(explored.values()), None)
        if value is not None and not in_range(case.explore, value):  # likely refused: a baseline follows
            requests += 1
            ceiling += token_ceiling(baseline_request(model))
    return requests, ceiling
