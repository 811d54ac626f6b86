"""One place plans what a case sends: the probe, then each named step (a control, repeated
samples, a request with a wrong key, ...). The runner sends the plan; the benchmark and budgets
count it. A step is the probe request with some keys replaced, so a case stays data.
"""
from dataclasses import dataclass, field

from .cases import Case

# How a step may change the way it is sent, beyond its body (see ChatClient.send).
TRANSPORTS = ("api_key", "raw_body")


@dataclass(frozen=True)
class PlannedRequest:
    role: str                 # "probe", or the name of the step that sends it
    body: dict                # the request body, `model` included
    transport: dict = field(default_factory=dict)


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
        planned += [PlannedRequest(step.name, body, dict(step.transport))] * step.repeat
    return planned
