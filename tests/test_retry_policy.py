"""The sender's retry policy, on a scripted client and a fake clock (no real sleeping): a 429 is
waited out and retried whatever the request; a server error is retried, except when it answers a
request the suite made invalid on purpose, where it is the observation; a quota used up on every
model stops the sending."""
import pytest
from senders import FakeClock

from conformance.exchange import Exchange
from conformance.wire.sender import THROTTLED_LIMIT, Pacer, Quota, Sender

MALFORMED = {"raw_body": '{"model": "m", "messages": ['}


class Scripted:
    """A client answering each attempt with the next status of its script (the last one repeats)."""
    name, version = "scripted", "0"

    def __init__(self, *statuses: int):
        self.statuses, self.attempts = list(statuses), []

    def attempt(self, request, transport):
        self.attempts.append(request.get("model"))
        status = self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]
        exchange = Exchange(request=request, status=status, headers={"retry-after": "2"})
        exchange.body = {"error": {"message": f"status {status}"}}
        return exchange


def sender(client, quota=None) -> tuple[Sender, FakeClock]:
    clock = FakeClock()
    sent = Sender(client, max_retries=2, pacer=Pacer(clock=clock), quota=quota)
    sent.sleep = clock.sleep
    return sent, clock


@pytest.mark.parametrize("status", [500, 502, 503, 529])
def test_a_server_error_to_a_deliberately_invalid_request_is_the_answer_not_retried(status):
    client = Scripted(status, 400)
    sent, clock = sender(client)
    exchange = sent.send({"model": "m"}, MALFORMED, refusal_expected=True)
    assert exchange.status == status and len(client.attempts) == 1 and clock.slept == [] and sent.waited == 0


def test_a_server_error_to_an_ordinary_request_is_retried():
    client = Scripted(503, 200)
    sent, clock = sender(client)
    assert sent.send({"model": "m"}).status == 200
    assert len(client.attempts) == 2 and clock.slept == [2.0]


@pytest.mark.parametrize("transport", [MALFORMED, {"api_key": "wrong"}, {}])
def test_a_throttled_deliberately_invalid_request_is_waited_out_and_sent_again(transport):
    client = Scripted(429, 429, 400)
    sent, clock = sender(client)
    exchange = sent.send({"model": "m"}, transport, refusal_expected=True)
    assert exchange.status == 400 and len(client.attempts) == 3
    assert clock.slept == [2.0, 2.0] and sent.waited == 4.0  # as Retry-After asked


def test_throttling_is_retried_a_bounded_number_of_times():
    client = Scripted(429)
    sent, clock = sender(client)
    assert sent.send({"model": "m"}, MALFORMED, refusal_expected=True).status == 429
    assert len(client.attempts) == 3 and clock.slept == [2.0, 2.0]


def test_a_quota_used_up_on_every_model_stops_the_sending():
    client = Scripted(429)
    sent, clock = sender(client, Quota(["m1", "m2"]))
    for _ in range(THROTTLED_LIMIT):
        for model in ("conformance-no-such-model", "m1", "m2"):  # an unknown model id counts for none
            assert sent.send({"model": model}).status == 429
    before = len(client.attempts)
    refused = sent.send({"model": "m1"})
    assert len(client.attempts) == before and refused.status is None  # not sent
    assert refused.transport_error.startswith("not sent: every model answered HTTP 429")


def test_one_model_still_answering_keeps_the_run_going():
    quota = Quota(["m1", "m2"])
    for _ in range(THROTTLED_LIMIT + 2):
        quota.note("m1", 429)
    quota.note("m2", 429)
    quota.note("m2", 200)  # m2 answered: its run of 429s is over
    assert not quota.out
    for _ in range(THROTTLED_LIMIT):
        quota.note("m2", 429)
    assert quota.out


def test_the_plan_marks_every_request_made_invalid_on_purpose():
    from pathlib import Path

    from conformance.cases import load_cases
    from conformance.docs import load_docs
    from conformance.plan import plan_requests

    root = Path(__file__).resolve().parent.parent / "cases"
    cases = {c.id: c for c in load_cases(root, load_docs(root / "docs-tables.yaml"))}

    def marked(case_id, explored=None):
        return {p.role: p.refusal_expected for p in plan_requests(cases[case_id], "claude-4-5-haiku", explored)}

    for case_id in ("error-out-of-range", "error-malformed-body", "error-wrong-key", "error-unknown-model"):
        assert marked(case_id) == {"probe": False, "refused": True}, case_id
    assert marked("model") == {"probe": False, "unknown": True}
    explored = next(c for c in cases.values() if c.explore is not None and c.explore.param == "temperature")
    assert marked(explored.id, {"temperature": explored.explore.max + 1})["probe"] is True
    assert marked(explored.id, {"temperature": explored.explore.max})["probe"] is False
