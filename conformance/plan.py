"""One place plans what a case sends: the probe, then each named step (a control, repeated
samples, a request with a wrong key, ...). The runner sends the plan; the benchmark and budgets
count it. A step is the probe request with some keys replaced, so a case stays data.
"""
from dataclasses import dataclass, field

from .cases import Case

# How a step may change the way it is sent, beyond its body (see ChatClient.send).
TRANSPORTS = ("api_key", "raw_body", "path", "method")


@dataclass(frozen=True)
class PlannedRequest:
    role: str                 # "probe", or the name of the step that sends it
    body: dict                # the request body, `model` included
    transport: dict = field(default_factory=dict)
    # Sent off the run's usual way on purpose (a wrong key, another endpoint, another model id): a
    # 401 there is the observation, not a sign that the run's key is refused.
    deliberate: bool = False


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
    explored = explored or {}
    planned = [PlannedRequest("probe", build_request(case, model, explored))]
    for step in case.steps:
        body = build_request(case, model, {**explored, **step.overrides})
        deliberate = bool(step.transport.get("api_key") or step.transport.get("path")) or body["model"] != model
        planned += [PlannedRequest(step.name, body, dict(step.transport), deliberate)] * step.repeat
    return planned


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
    n = planned.body.get("n")
    choices = n if isinstance(n, int) and not isinstance(n, bool) and n > 1 else 1
    return prompt + (min(limits) if limits else DEFAULT_MAX_TOKENS) * choices


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
            baseline = PlannedRequest("baseline", {"model": model, "messages": [{"role": "user", "content": "OK"}]})
            requests += 1
            ceiling += token_ceiling(baseline)
    return requests, ceiling
