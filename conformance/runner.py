"""Run one case against one model: build the requests, send them (live or through a cassette),
check what came back, and hold the finding against each docs row the case names.

This is the library the pytest plugin is a thin face over; it needs no pytest.
"""
import dataclasses
import inspect
import shlex
import time
from dataclasses import dataclass
from pathlib import Path

from . import checks
from .cases import Case
from .checks.common import client_problem, dropped
from .checks.registry import MODEL_ITSELF
from .clients import PYTHON
from .docs import DocsTables
from .errors import describe_error
from .evidence import exchange_evidence
from .exchange import Exchange
from .explore import explore, in_range
from .findings import ACCEPTED, ERROR, HONOURED, IGNORED, REJECTED, UNANSWERED, UNCLEAR, Finding
from .image_host import fill, uses_images_by_url
from .model_env import ModelEnv, before_sending
from .plan import PlannedRequest, baseline_request, follow_up, plan_requests
from .results import Result
from .secrets import scrub_text
from .verdicts import NOT_ABOUT_THE_CLAIM, NOT_RECORDED, judge, obtained
from .wire.cassettes import NetworkBlocked, NotRecorded, cassette_path
from .wire.recording import LIVE, RECORD, REPLAY, Recorder
from .wire.sender import Sender


def accepted(results: list[Result]) -> bool | None:
    """Whether the server took an explored value: True, False (refused), None (cannot tell)."""
    if not results or results[0].verdict == NOT_RECORDED:
        return None
    first = results[0]
    if first.observed in (HONOURED, ACCEPTED, IGNORED, ERROR) and first.status is None:
        return True
    if first.observed == REJECTED and first.status not in NOT_ABOUT_THE_CLAIM:
        return False
    return None


def takes_model_env(case: Case) -> bool:
    """Whether the case's check reads the add-on's INFERENCE_MODEL_ID (supplied by the run)."""
    return "model_env" in inspect.signature(checks.REGISTRY[case.check]).parameters


def answered_on_purpose(finding: Finding, exchanges: list[Exchange]) -> Finding:
    """A server error (502, 503, ...) to a request the suite made invalid on purpose is the server's
    answer to that request, not an upstream that is down: judged as the server error it is, never
    left inconclusive as throttled or down."""
    status = finding.status
    if finding.observed != REJECTED or status not in NOT_ABOUT_THE_CLAIM or status < 500:
        return finding
    if not any(ex.refusal_expected and ex.status == status for ex in exchanges):
        return finding
    return dataclasses.replace(finding, observed=ERROR, reason=f"{finding.reason}: HTTP {status} answers a request "
                               "the suite made invalid on purpose, a server error, not a clean rejection")


class AuthenticationFailed(Exception):
    """The server refused the key: every request would fail the same way."""


def excerpt(ex: Exchange) -> dict:
    out = {"role": ex.role, "status": ex.status, "summary": ex.summary()}
    if ex.request_id:
        out["request_id"] = ex.request_id
    out.update(exchange_evidence(ex))  # the body sent and what came back, for the report
    return out


def tokens_of(exchanges: list[Exchange]) -> dict:
    total = {"prompt": 0, "completion": 0, "total": 0, "requests": len(exchanges)}
    for ex in exchanges:
        for ours, theirs in (("prompt", "prompt_tokens"), ("completion", "completion_tokens"),
                             ("total", "total_tokens")):
            value = ex.usage.get(theirs)
            total[ours] += value if isinstance(value, int) else 0
    return total


NO_IMAGE_HOST = ("not covered: this case sends images by URL, and a remote server cannot fetch the suite's "
                 "loopback images; pass --image-base-url URL (a host serving red.png, blue.png, red.jpg, blue.jpg, "
                 "as `nox -s publish` writes them)")


@dataclass
class Runner:
    client: Sender                 # the sender of the test under way (one per client: `senders`)
    recorder: Recorder
    docs: DocsTables
    target: str
    mode: str
    cassette_root: Path
    # The command that records a missing cassette, with this run's target options; a model and a
    # test id are added per test.
    record_command: str
    random_draws: int = 0          # live runs only: Hypothesis draws per explored case
    deadline_at: float | None = None  # time.monotonic() after which no probe is sent
    budget: int | None = None      # tokens this process may use; later probes are not sent
    tokens_used: int = 0
    senders: dict | None = None    # client name -> its sender; None: `client` only
    image_base_url: str | None = None  # where `{image_base_url}` in a case points; None: no image host
    model_env: ModelEnv | None = None  # the add-on's INFERENCE_MODEL_ID, for a target configured from it

    def model_env_of(self, model: str) -> ModelEnv | None:
        """What INFERENCE_MODEL_ID held for this model (when it was recorded, in replay)."""
        return self.model_env.for_model(model) if self.model_env else None

    def cassette_for(self, case: Case, model: str) -> Path:
        return cassette_path(self.cassette_root, self.target, case.file.stem, case.id, model)

    def _send(self, planned: PlannedRequest) -> Exchange:
        self.recorder.expect_refusal(planned.refusal_expected)  # its server error is recorded, as the observation
        self.recorder.plan_headers(planned.transport.get("headers"))  # recorded as sent
        # A server error that outlasts every retry is the server's answer: recorded, so replay judges it too.
        exchange = self.client.send(planned.body, planned.transport, planned.refusal_expected,
                                    before_last_retry=lambda: self.recorder.expect_refusal(True))
        exchange.role, exchange.refusal_expected = planned.role, planned.refusal_expected
        if exchange.status == 401 and not planned.deliberate:
            raise AuthenticationFailed(f"the server refused the API key (HTTP 401: {exchange.error_message})")
        return exchange

    def _results(self, case: Case, model: str, test_id: str, finding: Finding, exchanges: list[Exchange],
                 params: dict, cassette: Path | None, documented: bool = True) -> list[Result]:
        evidence = {"requests": [excerpt(ex) for ex in exchanges], **finding.evidence}
        if cassette is not None:
            evidence["cassette"] = cassette.as_posix()
            if self.mode == REPLAY:
                evidence["provenance"] = self.recorder.replayed_provenance
        # What a client could not use, or dropped, of an answer: a warning beside the verdict.
        problem = next((f"{ex.sdk.client}: {found}" for ex in exchanges
                        if (found := client_problem(ex) or dropped(ex))), None)
        results = []
        for row in case.rows:
            claim = self.docs.claim_for(row, model)
            verdict, reason = judge(claim.promise, finding, documented,
                                    row_is_about_the_model=self.docs.about_the_model(claim),
                                    model_is_documented=self.docs.model_row(model) is not None, level=claim.level,
                                    listings=claim.listings, listed_by=claim.listed_by)
            results.append(Result(
                target=self.target, mode=self.mode, model=model, case_id=case.id, test_id=test_id,
                row=claim.id, table=claim.table, documented=claim.level, observed=finding.observed,
                verdict=verdict, reason=reason, status=finding.status, params=params, evidence=evidence,
                tokens=tokens_of(exchanges), elapsed_ms=sum(ex.elapsed_ms or 0 for ex in exchanges),
                obtained=obtained(finding), sdk=self.client.sdk, client_problem=problem,
            ))
        return results

    def not_recorded(self, case: Case, model: str, test_id: str, why: str, params: dict | None = None,
                     cassette: Path | None = None) -> list[Result]:
        # Through the test's own client, so that its test id is one the recording run collects.
        client = self.client.sdk["name"]
        through = "" if client == PYTHON else f" --sdk {client}"
        command = f"{self.record_command}{through} --models {shlex.quote(model)} {shlex.quote(test_id)}"
        reason = f"not recorded ({why}); record it with: {command}"
        evidence = {"cassette": cassette.as_posix()} if cassette else {}
        claims = [self.docs.claim_for(row, model) for row in case.rows]
        return [
            Result(target=self.target, mode=self.mode, model=model, case_id=case.id, test_id=test_id,
                   row=claim.id, table=claim.table, documented=claim.level, observed=NOT_RECORDED,
                   verdict=NOT_RECORDED, reason=reason, params=params or {}, evidence=evidence, sdk=self.client.sdk)
            for claim in claims
        ]

    def probe(self, case: Case, model: str, explored: dict | None = None) -> tuple[Finding, list[Exchange]]:
        """Send the case's planned requests and run its check on what came back."""
        exchanges: list[Exchange] = []
        plans = plan_requests(case, model, explored)
        if any(uses_images_by_url(p.body) for p in plans):
            if self.image_base_url is None:
                return Finding(UNCLEAR, NO_IMAGE_HOST), []
            plans = [dataclasses.replace(p, body=fill(p.body, self.image_base_url)) for p in plans]
        for planned in plans:
            if planned.after is not None:  # built from an earlier answer; None when there is nothing to build on
                earlier = next((ex for ex in exchanges if ex.role == planned.after), None)
                planned = follow_up(planned, earlier)
                if planned is None:
                    continue
            exchanges.append(self._send(planned))
        kwargs = dict(case.expect)
        for step in case.steps:
            mine = [ex for ex in exchanges if ex.role == step.name]
            kwargs[step.name] = mine if step.repeat > 1 else (mine[0] if mine else None)
        if case.explore is not None:
            value = exchanges[0].request[case.explore.param]
            kwargs.update(param=case.explore.param, value=value, in_range=in_range(case.explore, value))
        if takes_model_env(case):
            kwargs["model_env"] = self.model_env_of(model)
        finding = answered_on_purpose(checks.REGISTRY[case.check](exchanges[0], **kwargs), exchanges)
        if finding.observed == REJECTED and finding.status in (400, 404, 422) and case.check not in MODEL_ITSELF:
            baseline = self._send(baseline_request(model))
            exchanges.append(baseline)
            if not baseline.ok:
                finding = dataclasses.replace(
                    finding, about_model=True,
                    reason=f"{finding.reason}; a minimal request to {model} is refused too "
                           f"(HTTP {baseline.status})")
        return finding, exchanges

    def outcome(self, case: Case, model: str, test_id: str, params: dict, cassette: Path | None) -> list[Result]:
        """The results of one probe (one explored value, or the case's only probe), whatever happens."""
        if self.deadline_at is not None and time.monotonic() > self.deadline_at:
            finding = Finding(UNANSWERED, "not sent: the run's deadline had passed")
            return self._results(case, model, test_id, finding, [], params, None)
        if self.budget is not None and self.tokens_used >= self.budget:
            finding = Finding(UNANSWERED, f"not sent: the run had used {self.tokens_used} tokens, its budget "
                                          f"is {self.budget}")
            return self._results(case, model, test_id, finding, [], params, None)
        try:
            finding, exchanges = self.probe(case, model, params or None)
        except (NotRecorded, NetworkBlocked) as err:
            return self.not_recorded(case, model, test_id, str(err), params, cassette)
        except AuthenticationFailed:
            raise
        except Exception as err:  # noqa: BLE001 - the row must still appear, with what went wrong
            self.recorder.spoil()  # and a half-done recording must not replace a good cassette
            return self.harness_error(case, model, test_id, err, params)
        self.tokens_used += tokens_of(exchanges)["total"]
        if self.mode == RECORD and any(ex.stream_cut or ex.transport_error for ex in exchanges):
            self.recorder.spoil()  # a cut or silent answer never replaces a good cassette
        documented = case.explore is None or in_range(case.explore, params[case.explore.param])
        return self._results(case, model, test_id, finding, exchanges, params, cassette, documented)

    def run(self, case: Case, model: str, test_id: str, sdk: str | None = None) -> list[Result]:
        """Every result of a case for one model, through one client (default: `client`): its probe,
        or every explored value."""
        if sdk is not None and self.senders is not None:
            self.client = self.senders[sdk]
        early = before_sending(self.model_env_of(model), self.target, model) if takes_model_env(case) else None
        if early is not None:
            return self._results(case, model, test_id, early, [], {}, None)  # nothing to send, in any mode
        cassette = self.cassette_for(case, model)
        provenance = {"case": case.id, "model": model, "test_id": test_id, "client": self.client.sdk}
        try:
            with self.recorder.cassette(cassette, provenance) as used:
                if case.explore is None:
                    return self.outcome(case, model, test_id, {}, used)
                results: list[Result] = []
                param = case.explore.param

                def probe_value(value):
                    found = self.outcome(case, model, test_id, {param: value}, used)
                    results.extend(found)
                    return accepted(found)

                draws = self.random_draws if self.mode == LIVE else 0
                observed = explore(case.explore, probe_value, f"{self.target}/{case.id}/{model}", draws)
                for result in results:
                    result.evidence["observed_range"] = observed
                return results
        except (NotRecorded, NetworkBlocked) as err:  # the cassette itself is missing or unreadable
            return self.not_recorded(case, model, test_id, str(err), cassette=cassette)

    def harness_error(self, case: Case, model: str, test_id: str, err: Exception, params: dict) -> list[Result]:
        """A probe the harness could not finish: recorded as inconclusive, never silently dropped. What
        went wrong may quote an answer (a client's message), so it is scrubbed as answers are."""
        what = scrub_text(describe_error(err), self.client.secrets)
        finding = Finding(UNANSWERED, f"the harness could not finish this probe ({what})")
        results = self._results(case, model, test_id, finding, [], params, None)
        for result in results:
            result.evidence["harness_error"] = what
        return results
