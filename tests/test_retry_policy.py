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


# -- every 429 waited out is kept as evidence --------------------------------------------------------

class Throttles(Scripted):
    """429s carrying the given headers (one dict per 429), then an answer."""

    def __init__(self, *headers: dict, then: int = 200, secret: str = ""):
        super().__init__(*([429] * len(headers)), then)
        self.headers, self.secret = list(headers), secret

    def attempt(self, request, transport):
        exchange = super().attempt(request, transport)
        exchange.headers = self.headers.pop(0) if exchange.status == 429 else {"x-request-id": f"ok {self.secret}"}
        return exchange


def test_each_429_waited_out_is_kept_with_its_headers_its_id_and_the_wait():
    client = Throttles({"retry-after": "3", "x-request-id": "req-1", "content-type": "application/json"},
                       {"x-ratelimit-reset-requests": "51s", "x-ratelimit-remaining-requests": "0"})
    sent, clock = sender(client)
    exchange = sent.send({"model": "m"})
    assert exchange.status == 200 and clock.slept == [3.0, 30.0]  # 51 s asked, MAX_WAIT waited
    assert exchange.throttled == [
        {"status": 429, "headers": {"retry-after": "3"}, "request_id": "req-1", "waited_s": 3.0},
        {"status": 429, "headers": {"x-ratelimit-reset-requests": "51s", "x-ratelimit-remaining-requests": "0"},
         "waited_s": 30.0}]


def test_an_answer_that_came_at_once_met_no_429():
    sent, _ = sender(Scripted(200))
    assert sent.send({"model": "m"}).throttled == []
    sent, _ = sender(Scripted(503, 200))
    assert sent.send({"model": "m"}).throttled == []  # an upstream down is not throttling


def test_the_kept_429s_are_scrubbed_of_the_key_like_every_header():
    secret = "inf-0123456789SECRET"
    client = Throttles({"retry-after": "1", "x-ratelimit-note": f"key {secret}"}, secret=secret)
    sent = Sender(client, max_retries=2, secrets=[secret], pacer=Pacer(clock=FakeClock()))
    sent.sleep = lambda seconds: None
    exchange = sent.send({"model": "m"})
    assert exchange.throttled and secret not in repr(exchange.throttled) and secret not in repr(exchange.headers)


class Recorded(Scripted):
    """Replay: the recorded answers in order, then no more (NotRecorded)."""

    def attempt(self, request, transport):
        from conformance.wire.cassettes import NotRecorded

        if not self.statuses:
            raise NotRecorded("no more recorded answers")
        self.attempts.append(request.get("model"))
        status = self.statuses.pop(0)
        return Exchange(request=request, status=status, headers={"retry-after": "2"})


def test_replay_meets_the_recorded_429s_again_without_waiting():
    sent = Sender(Recorded(429, 429, 200), max_retries=2, replaying=True)
    sent.sleep = lambda seconds: pytest.fail("replay must not sleep")
    exchange = sent.send({"model": "m"})
    assert exchange.status == 200 and [n["waited_s"] for n in exchange.throttled] == [0.0, 0.0] and sent.waited == 0


def test_replay_takes_the_last_recorded_429_as_the_answer_and_never_retries_a_server_error():
    sent = Sender(Recorded(429), max_retries=2, replaying=True)
    last = sent.send({"model": "m"})
    assert last.status == 429 and last.throttled == []  # nothing waited out: the answer itself is the 429
    sent = Sender(Recorded(503, 200), max_retries=2, replaying=True)
    assert sent.send({"model": "m"}).status == 503  # recorded only as the answer that outlasted every retry
    with pytest.raises(Exception, match="no more recorded answers"):
        Sender(Recorded(), max_retries=2, replaying=True).send({"model": "m"})  # a first request unrecorded
