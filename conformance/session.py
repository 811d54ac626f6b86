"""A conformance run: options resolved into a target, a client, a recorder and the cases, plus
the results collected so far. The pytest plugin holds one; a script could too."""
import dataclasses
import os
import platform
import shlex
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import openai

from . import __version__
from .beyond import beyond_the_table, runs_beyond_the_table, runs_the_docs_table
from .cases import DOCS_TABLES_FILE, TARGETS_FILE, Case, load_cases
from .clients import PYTHON, choose_sdks
from .clients.node import NodeClient, NodeDriver
from .clients.python_openai import PythonOpenAI
from .docs import DocsTables, load_docs
from .errors import ConformanceError
from .expectations import KnownDifference, TestOutcome, decide
from .image_host import ImageHost, local_base_url
from .local_server import LocalServer
from .model_env import ModelEnv
from .plan import estimate
from .preflight import check_key, check_reachable
from .repro import write_repros
from .results import Result, document, now, write_json_atomic
from .results.shards import ShardWriter, read_shards, worker_name
from .row_decisions import decide_partial_rows
from .runner import Runner
from .secrets import meaningful, scrub_json
from .targets import Target, parse_features, read_manifest, resolve_target, write_manifest
from .throttled_rows import decide_back_off_rows
from .wire.loopback import LoopbackServer
from .wire.recording import LIVE, MODES, RECORD, REPLAY, Recorder
from .wire.replay import CassetteTransport
from .wire.sender import Pacer, Quota, Sender
from .wire.urls import join_url, public_url

# Replay sends nothing; the SDK still needs a URL. Loopback's discard port, and the network is blocked.
REPLAY_URL = "http://127.0.0.1:9/v1"
REPLAY_KEY = "replay-no-key"
RETRIES = 2  # a throttled or upstream-down answer is sent again this many times (replay: as recorded)


@dataclass
class Options:
    mode: str = REPLAY
    target: str = "reference"
    base_url: str | None = None
    api_key_env: str | None = None
    env_prefix: str | None = None
    models: list[str] | None = None
    cases_dir: Path = Path("cases")
    cassette_dir: Path = Path("cassettes")
    results: Path = Path("reports/results.json")
    report: Path | None = Path("reports/index.html")
    random_draws: int = 10
    request_timeout: float = 60.0   # seconds for one request (never retried after a timeout)
    deadline: float | None = None   # seconds for the whole run; later probes are not sent
    budget: int | None = None       # tokens for the whole run: refused up front if it could cost more
    workers: int = 1                # processes sharing the budget and the rate limit (pytest-xdist)
    rate_limit: float | None = None  # requests a minute per model, for the whole run
    record_command: str = "python3 -m nox -s record --"
    sdk: str | None = None          # --sdk as given: the clients to send through (None: every one available)
    features: str | None = None     # --features as given: an ad-hoc target's model features (thinking=false,...)
    image_base_url: str | None = None  # --image-base-url: where a remote target can fetch the suite's images
    beyond: list[str] | None = None  # a worker's: the models beyond the table its controller found


def test_param_id(model: str, sdk: str) -> str:
    """A test's parameters in its id: the model, and the client unless it is the Python SDK
    (`cases/core.yaml::stop[claude-4-5-haiku]`, `…::stop[claude-4-5-haiku@openai-node]`)."""
    return model if sdk == PYTHON else f"{model}@{sdk}"


@dataclass
class ConformanceRun:
    options: Options
    docs: DocsTables
    cases: list[Case]
    target: Target
    runner: Runner | None = None
    server: LocalServer | None = None  # a target's local server, started from its profile
    results: list[Result] = field(default_factory=list)
    repros: list[Path] = field(default_factory=list)  # case files written for live failures
    decided_rows: list = field(default_factory=list)  # results a row's decision across its parts changed
    image_host: "ImageHost | None" = None  # the suite's images by URL, for a local target's live run
    run_dir: Path | None = None     # where every worker appends its finished results (shards)
    shards: ShardWriter | None = None
    narrowed: dict = field(default_factory=dict)
    started_at: str = field(default_factory=now)
    sdks: list = field(default_factory=lambda: [PYTHON])  # the clients this run sends through
    sdk_note: str | None = None     # why a client was left out, in one line
    driver: NodeDriver | None = None
    loopback: LoopbackServer | None = None

    @classmethod
    def prepare(cls, options: Options) -> "ConformanceRun":
        """Load and validate everything; nothing is sent. Raises ConformanceError, one line."""
        if options.mode not in MODES:
            raise ConformanceError(f"unknown mode '{options.mode}': use one of {', '.join(MODES)}")
        docs = load_docs(options.cases_dir / DOCS_TABLES_FILE)
        cases = load_cases(options.cases_dir, docs)
        target = resolve_target(
            options.cases_dir / TARGETS_FILE, docs, options.target, base_url=options.base_url,
            api_key_env=options.api_key_env, models=options.models, env_prefix=options.env_prefix,
            need_url=options.mode != REPLAY, cassette_dir=options.cassette_dir,
            features=parse_features(options.features, docs) if options.features is not None else None,
        )
        unknown = sorted(k for k in target.known_differences if "." not in k and k not in {c.id for c in cases})
        if unknown:
            raise ConformanceError(f"{options.cases_dir / TARGETS_FILE}: target '{target.name}': known_differences "
                                   f"names no case or docs claim: {', '.join(unknown)}")
        if options.mode == REPLAY and target.model_env is not None:
            # what INFERENCE_MODEL_ID held when the cassettes were recorded, not what it holds now
            manifest = read_manifest(options.cassette_dir, target.name) or {}
            target = dataclasses.replace(target, model_env=ModelEnv.from_manifest(
                target.model_env.variable, manifest.get("model_env"), manifest.get("model_env_by_model")))
        if options.mode == REPLAY and runs_the_docs_table(target, docs.model_ids, options.models):
            # the models beyond the table it recorded
            recorded = (read_manifest(options.cassette_dir, target.name) or {}).get("models", [])
            beyond = tuple(m for m in recorded if m not in docs.model_ids)
            target = dataclasses.replace(target, models=(*target.models, *beyond), beyond=beyond)
        # From here on, every claim is the one that applies to this target (its profile's claims mode and features).
        docs = docs.for_target(target.claims, target.own_models, target.features)
        sdks, note = choose_sdks(options.sdk, recording=options.mode == RECORD)
        return cls(options, docs, cases, target, sdks=sdks, sdk_note=note)

    def connect(self) -> None:
        """Start the target's local server if needed, check it answers, build a sender per client."""
        target, mode = self.target, self.options.mode
        recorder = Recorder(mode, self.options.cassette_dir, target.name, target.secrets if mode != REPLAY else [])
        if mode == REPLAY:
            # Answered from the cassettes: nothing is sent, so no key can come back and nothing needs scrubbing.
            senders = self._senders(REPLAY_URL, REPLAY_KEY, recorder)
        else:
            if target.base_url is None and target.start is not None:  # a local server: start it here
                self.server = LocalServer(target.name, target.start, target.api_key, target.secrets)
                url = join_url(self.server.start(), target.base_path)
                self.target = target = dataclasses.replace(target, base_url=url)
            if target.base_url is None:
                raise ConformanceError(f"target '{target.name}' has no base URL: pass --base-url")
            check_key(target)
            recorder = Recorder(mode, self.options.cassette_dir, target.name, target.secrets,
                                host=urlsplit(target.base_url).hostname if target.base_url else None)
            senders = self._senders(target.base_url, target.api_key, recorder)
            check_reachable(target, next(iter(senders.values())))
            self._add_models_beyond_the_table(next(iter(senders.values())))
            target = self.target
            if mode == RECORD:
                self._write_manifest()
        first = next(iter(senders.values()))
        self.runner = Runner(first, recorder, self.docs, target.name, mode, self.options.cassette_dir,
                             self.record_command(), random_draws=self.options.random_draws,
                             deadline_at=None if self.options.deadline is None else
                             time.monotonic() + self.options.deadline,
                             budget=self._budget_share(), senders=senders, image_base_url=self._image_base_url(),
                             model_env=target.model_env)

    def _add_models_beyond_the_table(self, sender) -> None:
        """A run of the docs' table (no --models): every chat model the service lists beyond it gets
        the model table's cases (conformance/beyond.py). Workers take their controller's list."""
        if not runs_the_docs_table(self.target, self.docs.model_ids, self.options.models):
            return
        beyond = self.options.beyond if self.options.beyond is not None else \
            beyond_the_table(sender, self.docs.model_ids)
        if beyond:
            self.target = dataclasses.replace(self.target, models=(*self.target.models, *beyond), beyond=tuple(beyond))

    def _is_local(self) -> bool:
        """A target the suite starts, or one on loopback: it can fetch the suite's own image host."""
        host = urlsplit(self.target.base_url).hostname if self.target.base_url else None
        return self.target.start is not None or host in ("127.0.0.1", "localhost", "::1")

    def _image_base_url(self) -> str | None:
        """Where the images sent by URL are: --image-base-url; for a local target the suite's own
        image host (started here for a live or record run); for a remote one recorded with an image
        host, the one its manifest names; else None (those cases are not covered)."""
        if self.options.image_base_url:
            return self.options.image_base_url.rstrip("/")
        if self.options.mode == REPLAY:
            manifest = read_manifest(self.options.cassette_dir, self.target.name) or {}
            return manifest.get("image_base_url") or (local_base_url() if self._is_local() else None)
        if not self._is_local():
            return None
        # Recorded URLs must be the ones a replay plans: a recording serves on the fixed port, a live
        # run (nothing kept) on any free one, so that live runs side by side never share a host.
        self.image_host = ImageHost() if self.options.mode == RECORD else ImageHost(port=0)
        return self.image_host.base_url

    def _senders(self, base_url: str, api_key: str, recorder: Recorder) -> dict:
        """A sender per client: the Python SDK in-process, the Node.js clients through their driver
        and this process's loopback server (answering from the cassettes, or forwarding to the target)."""
        replay, timeout = self.options.mode == REPLAY, self.options.request_timeout
        # One pace for every client of this process: the rate limit is the model's, not a client's.
        pacer = Pacer(self.options.rate_limit / max(1, self.options.workers) if self.options.rate_limit else None)
        quota = Quota(self.target.models)  # every model answering 429, whichever client asks: stop sending
        senders = {}
        for sdk in self.sdks:
            if sdk == PYTHON:
                client = PythonOpenAI(base_url, api_key, timeout=timeout,
                                      transport=CassetteTransport(recorder) if replay else None)
            else:
                if self.driver is None:
                    self.driver = NodeDriver(secrets=self.target.secrets)
                    self.loopback = LoopbackServer(timeout).serve_from(recorder) if replay else \
                        LoopbackServer(timeout).forward_to(base_url, api_key)
                client = NodeClient(sdk, self.driver, self.loopback, timeout)
            if replay:
                # The 429s a recording kept are met again, in order, and sent again at once.
                senders[sdk] = Sender(client, max_retries=RETRIES, replaying=True)
            else:
                # Retries help live runs through throttling (a recording keeps each 429, and a 5xx only when
                # it outlasts every retry); the key, and credentials riding in the URL, are scrubbed from
                # whatever comes back.
                senders[sdk] = Sender(client, max_retries=RETRIES, secrets=self.target.secrets, pacer=pacer,
                                      quota=quota)
        return senders

    def _write_manifest(self) -> None:
        """Beside the cassettes: what replaying them needs to know, so replay needs no URL or models.
        The models recorded so far stay listed: a narrowed recording adds to them."""
        earlier = read_manifest(self.options.cassette_dir, self.target.name) or {}
        models = tuple(dict.fromkeys([*earlier.get("models", []), *self.target.models]))
        by_model = None
        if self.target.model_env is not None:  # what the variable held for each model recorded so far
            by_model = {**(earlier.get("model_env_by_model") or {}),
                        **{m: self.target.model_env.as_manifest() for m in self.target.models}}
        write_manifest(self.options.cassette_dir, dataclasses.replace(self.target, models=models),
                       self.options.image_base_url or earlier.get("image_base_url"), by_model)

    def _budget_share(self) -> int | None:
        """Each of the run's processes may spend its share of the budget."""
        return None if self.options.budget is None else self.options.budget // max(1, self.options.workers)

    def record_command(self) -> str:
        """How to record for this target: the target options this run was given (never a key)."""
        o = self.options
        words = [o.record_command, "--target", o.target]
        # The base URL without user:password@ or a query string: credentials are never printed.
        for flag, value in (("--base-url", public_url(o.base_url)), ("--api-key-env", o.api_key_env),
                            ("--env-prefix", o.env_prefix)):
            if value:
                words += [flag, value]
        return " ".join(shlex.quote(w) if i else w for i, w in enumerate(words))

    def plan(self, pairs=None) -> dict:
        """What a live run of these (case, model) pairs (default: all, through each client) sends, per model."""
        if pairs is None:
            pairs = [(c, m) for c in self.cases for m in self.target.models if self.runs(c, m) for _ in self.sdks]
        # Only the models under test: pytest collects a case for none of them as one empty test (model
        # NOTSET), and an unknown model id a case sends on purpose is a request, not a model.
        pairs = [(c, m) for c, m in pairs if m in self.target.models]
        draws = self.options.random_draws if self.options.mode == LIVE else 0
        per_model: dict = {}
        for case, model in pairs:
            requests, ceiling = estimate(case, model, draws)
            entry = per_model.setdefault(model, {"requests": 0, "ceiling": 0})
            entry["requests"] += requests
            entry["ceiling"] += ceiling
        return {"models": per_model, "requests": sum(e["requests"] for e in per_model.values()),
                "ceiling": sum(e["ceiling"] for e in per_model.values())}

    def known_difference(self, case: Case, model: str) -> "KnownDifference | None":
        """Where this case is expected to differ on this model, when its target's profile says so:
        by the case's id (any of its rows), or by the claims it decides that the profile names."""
        known = self.target.known_differences
        if "xfail" in case.marks:  # the case itself expects a difference (the docs contradict themselves)
            return KnownDifference(f"{case.id} is marked xfail in {case.file.name}: a row of it is expected to differ",
                                   None, strict=False)
        if case.id in known:
            return KnownDifference(f"known difference of {self.target.name} ({case.id}): {known[case.id]}", None)
        claims = {self.docs.claim_for(row, model).id for row in case.rows}
        named = sorted(claims & set(known))
        if not named:
            return None
        why = "; ".join(f"{claim}: {known[claim]}" for claim in named)
        return KnownDifference(f"known difference of {self.target.name} ({why})", frozenset(named))

    def runs(self, case: Case, model: str) -> bool:
        """Whether a case runs on a model. A case may name Heroku's models it is for (`models:`); a
        profile's own models are not among them, so for those its rows decide: it runs where every
        row applies to the model, as the profile's features say (thinking limitation rows on a model
        without thinking, never the thinking options), unless the case says `own_models: false`."""
        if model in self.target.beyond:
            return runs_beyond_the_table(case.rows)
        if model in self.target.own_models:
            if not case.own_models:  # about Heroku's own catalogue (its ids, its models' sizes)
                return False
            if case.models is not None:
                return all(self.docs.applies(self.docs.claim_for(row, model).id, model) for row in case.rows)
        return case.applies_to(model)

    def cases_in(self, path: Path) -> list[Case]:
        return [c for c in self.cases if c.file.resolve() == path.resolve()]

    def run_metadata(self) -> dict:
        return {
            "target": self.target.name,
            "mode": self.options.mode,
            "base_url": public_url(self.target.base_url) if self.options.mode != REPLAY else None,
            "cassettes": self.options.cassette_dir.as_posix() if self.options.mode != LIVE else None,
            "models": list(self.target.models),
            **self.target.describe(),
            "started_at": self.started_at,
            "finished_at": now(),
            "suite_version": __version__,
            "openai_sdk": openai.__version__,
            "sdks": [sender.sdk for sender in (self.runner.senders or {}).values()] if self.runner else [],
            "python": platform.python_version(),
        }

    def run_test(self, case: Case, model: str, test_id: str, sdk: str = PYTHON) -> TestOutcome:
        """One test: the case on one model through one client, its results marked expected or not and kept."""
        results = self.runner.run(case, model, test_id, sdk)
        outcome = decide(results, self.known_difference(case, model))
        self.record(results)
        return outcome

    def run_all(self) -> list[Result]:
        """Every case for every model of the target, without pytest: the library's own face."""
        for case in self.cases:
            test_file = case.file.relative_to(self.options.cases_dir.parent).as_posix()
            for model in self.target.models:
                for sdk in self.sdks if self.runs(case, model) else ():
                    self.run_test(case, model, f"{test_file}::{case.id}[{test_param_id(model, sdk)}]", sdk)
        self.decide_rows()
        return self.results

    def decide_rows(self) -> None:
        """What a row comes to across its parts (each a test of its own), once all are in: a Partial
        row where no part works differs (row_decisions.py); the rate-limit row is decided from every
        429 the run met (throttled_rows.py)."""
        known = self.target.known_differences
        self.decided_rows = decide_partial_rows(self.results, self.docs.promises, known)
        decide_back_off_rows(self.results, lambda r: self.docs.claim_for(r.row, r.model).promise, known)

    def open_shards(self, run_dir: Path | None, narrowed: dict | None = None) -> dict | None:
        """Start appending results to a shard in run_dir; without one, make the run's folder and
        say at once, in results.json, that a run is under way (an old report must not look current)."""
        if run_dir is None:
            stamp = self.started_at.replace(":", "").replace("-", "").replace("+0000", "Z")
            run_dir = self.options.results.parent / "runs" / f"{stamp}-{os.getpid()}"
            run_dir.mkdir(parents=True, exist_ok=True)
            self.narrowed = narrowed or {}
            self.run_dir = run_dir
            write_json_atomic(run_dir / "run.json", {"run": self.run_metadata(), "docs": self.docs.data})
            data = self.write_results(status="running")
        else:
            data = None
        self.run_dir = run_dir
        self.shards = ShardWriter(run_dir, worker_name())
        return data

    def record(self, results: list[Result]) -> None:
        """A finished test's results: kept, and appended to this worker's shard at once."""
        self.results.extend(results)
        if self.shards is not None:
            self.shards.append(results)

    def collect_shards(self) -> list[Result]:
        """Every worker's results (this process's too), read back from the run's folder."""
        if self.run_dir is not None:
            self.results = read_shards(self.run_dir)
        self.decide_rows()
        return self.results

    def write_results(self, extra: dict | None = None, status: str = "completed") -> dict:
        run = {**self.run_metadata(), **(extra or {}), "status": status}
        if self.narrowed:
            run["narrowed"] = self.narrowed
        if self.options.mode != REPLAY:
            self.repros = write_repros(self.cases, self.results, self.options.results.parent / "repro",
                                       self.options.mode, self.target.name, run["finished_at"])
            run["repro_cases"] = [p.as_posix() for p in self.repros]
        # Every text a result carries came through the scrubbed client; this is the last net.
        data = document(run, self.docs.data, self.results)
        if self.options.mode != REPLAY:  # replay sends nothing, so no key can have come back
            data = scrub_json(data, meaningful(self.target.secrets))
        write_json_atomic(self.options.results, data)
        if status == "completed" and self.run_dir is not None:
            shutil.rmtree(self.run_dir, ignore_errors=True)  # merged: the shards said nothing more
        return data

    def close(self) -> None:
        if self.image_host is not None:
            self.image_host.stop()
            self.image_host = None
        if self.driver is not None:
            self.driver.stop()
            self.driver = None
        if self.loopback is not None:
            self.loopback.stop()
            self.loopback = None
        if self.server is not None:
            self.server.stop()
            self.server = None
