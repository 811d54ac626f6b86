"""The pytest face: options, collection of case files, one test per case and model, results.

It is armed only when the run collects the cases directory (e.g. `pytest cases`), so installing
the package changes nothing for other test suites.
"""
import gc
import os
import signal
import threading
import time
from pathlib import Path

import pytest
from hypothesis import settings

from .collect import STATE_KEY, CaseFile
from .errors import ConformanceError
from .expectations import FAILED, SKIPPED, XFAILED, unexpected
from .explore import in_range
from .report.render import render_to_file
from .results import totals
from .runner import AuthenticationFailed
from .session import ConformanceRun, Options
from .verdicts import INCONCLUSIVE
from .wire.recording import MODES, REPLAY

# Local and CI runs draw the same examples: $CI would otherwise load Hypothesis's "ci" profile.
settings.register_profile("conformance", database=None, deadline=None, derandomize=False)


def pytest_addoption(parser):
    group = parser.getgroup("conformance", "Heroku inference conformance")
    group.addoption("--mode", choices=MODES, default=REPLAY,
                    help="replay (default): cassettes only, network blocked; live: real requests, nothing "
                         "recorded; record: real requests, cassettes written under --cassette-dir/<target>")
    group.addoption("--target", default="reference",
                    help="a target profile from cases/targets.yaml (heroku, reference, llama-cpp, ...), a target "
                         "recorded under --cassette-dir (replay), or, with --base-url, any name")
    group.addoption("--base-url", default=None, help="base URL of an OpenAI-compatible API (…/v1)")
    group.addoption("--api-key-env", default=None, help="environment variable holding the API key")
    group.addoption("--env-prefix", default=None,
                    help="the add-on attachment's config var prefix, e.g. INFERENCE_4 for INFERENCE_4_URL")
    group.addoption("--models", default=None, help="comma-separated model ids (default: the target's)")
    group.addoption("--features", default=None,
                    help="with --base-url: what the models the docs' table does not list have, as the model "
                         "table's columns, e.g. thinking=false,vision=true; rows bound to a feature nobody "
                         "declared are observed, not judged")
    group.addoption("--image-base-url", default=None,
                    help="where a remote target can fetch the suite's images for the cases that send images by "
                         "URL (red.png, blue.png, red.jpg, blue.jpg; `nox -s publish` puts them on your site); a "
                         "local target gets the suite's own loopback image host")
    group.addoption("--cases-dir", default="cases", help="where the case files are (default: cases)")
    group.addoption("--cassette-dir", default="cassettes", help="where cassettes are (default: cassettes)")
    group.addoption("--results", default="reports/results.json", help="results file to write")
    group.addoption("--report", default="reports/index.html", help="HTML report to write ('' for none)")
    group.addoption("--request-timeout", type=float, default=60.0,
                    help="live and record runs: seconds to wait for one answer (a timeout is not retried)")
    group.addoption("--deadline", type=float, default=None,
                    help="live and record runs: seconds for the whole run; probes not sent by then are "
                         "inconclusive and the run fails")
    group.addoption("--rate-limit", type=float, default=None,
                    help="live and record runs: requests a minute per model, shared by all workers (Heroku: "
                         "150-200); throttled answers are retried as the server asks either way")
    group.addoption("--budget", type=int, default=None,
                    help="live and record runs: most tokens the run may use; a run whose plan could use more "
                         "is refused before it starts, and one that reaches it sends nothing more")
    group.addoption("--sdk", default=None,
                    help="the clients to send through: python (the openai package), node (the openai npm "
                         "package), ai-sdk (Vercel's AI SDK), all, or a comma-separated list; default: every "
                         "client this machine can run (a recording: python)")
    group.addoption("--random-draws", type=int, default=10,
                    help="live runs: Hypothesis draws per explored range, beyond the boundary values")


def _armed(config) -> Path | None:
    """The cases directory, if this run collects it (or something inside it)."""
    cases_dir = Path(config.getoption("--cases-dir")).resolve()
    for arg in config.args:
        path = Path(config.invocation_params.dir, arg.split("::")[0]).resolve()
        if path == cases_dir or cases_dir in path.parents:
            return cases_dir
    return None


# Options that only mean something when the case files are collected.
TARGET_OPTIONS = ("--base-url", "--api-key-env", "--env-prefix", "--models", "--sdk", "--features")


def _models(config) -> list[str] | None:
    raw = config.getoption("--models")
    if raw is None:
        return None
    models = [m.strip() for m in raw.split(",") if m.strip()]
    if not models:
        raise pytest.UsageError("conformance: --models names no model")
    return models


def pytest_configure(config):
    config.addinivalue_line("markers", "conformance: a test generated from a case file")
    if _armed(config) is None:
        given = [o for o in TARGET_OPTIONS if config.getoption(o)]
        given += ["--mode"] if config.getoption("--mode") != REPLAY else []
        given += ["--target"] if config.getoption("--target") != "reference" else []
        given += ["--cases-dir"] if config.getoption("--cases-dir") != "cases" else []
        if given:
            raise pytest.UsageError(
                f"conformance: {', '.join(given)} given, but no case files are collected: pass the cases "
                f"directory (--cases-dir {config.getoption('--cases-dir')}) as a path to test")
        return
    if config.getoption("--random-draws") < 0:
        raise pytest.UsageError("conformance: --random-draws must be 0 or more")
    for option in ("--request-timeout", "--deadline", "--budget", "--rate-limit"):
        if config.getoption(option) is not None and config.getoption(option) <= 0:
            raise pytest.UsageError(f"conformance: {option} must be a positive number of seconds")
    settings.load_profile("conformance")
    options = Options(
        mode=config.getoption("--mode"),
        target=config.getoption("--target"),
        base_url=config.getoption("--base-url"),
        api_key_env=config.getoption("--api-key-env"),
        env_prefix=config.getoption("--env-prefix"),
        models=_models(config),
        cases_dir=Path(config.getoption("--cases-dir")),
        cassette_dir=Path(config.getoption("--cassette-dir")),
        results=Path(config.getoption("--results")),
        report=Path(config.getoption("--report")) if config.getoption("--report") else None,
        random_draws=config.getoption("--random-draws"),
        request_timeout=config.getoption("--request-timeout"),
        deadline=config.getoption("--deadline"),
        budget=config.getoption("--budget"),
        workers=_workers(config),
        rate_limit=config.getoption("--rate-limit"),
        sdk=config.getoption("--sdk"),
        features=config.getoption("--features"),
        image_base_url=config.getoption("--image-base-url"),
    )
    role = _role(config)
    if role == WORKER:  # the controller checked the target, started any server and made the run folder
        options.base_url = config.workerinput.get("conformance_base_url") or options.base_url
        if "conformance_beyond" in config.workerinput:
            options.beyond = config.workerinput["conformance_beyond"]
    if role != WORKER:
        _interrupt_on_signals()  # from before a local server starts: SIGTERM then stops it like Ctrl-C
    run = None
    try:
        run = ConformanceRun.prepare(options)
        run.connect()
    except ConformanceError as err:
        if run is not None:
            run.close()  # a local server started before the failing check must not outlive us
        raise pytest.UsageError(f"conformance: {err}") from None
    except BaseException:
        if run is not None:
            run.close()  # interrupted while starting or checking it: the same
        raise
    for case in run.cases:
        for mark in case.marks:
            config.addinivalue_line("markers", f"{mark}: declared by case files")
    if options.mode == REPLAY:
        config.option.block_network = True  # pytest-recording: a missed cassette can never go live
    if role == WORKER:
        run.open_shards(Path(config.workerinput["conformance_run_dir"]))
    else:
        running = run.open_shards(None, narrowed=_narrowed(config))
        if options.report:
            render_to_file(running, options.report)
        if role == CONTROLLER:
            config.pluginmanager.register(XdistController(run), "conformance-xdist")
            if not any(a == "--dist" or a.startswith("--dist=") for a in config.invocation_params.args):
                # Tests differ a lot in length (an explored range is dozens of requests): idle
                # workers take work from busy ones instead of waiting (measured: 1.35 -> 1.17 of ideal).
                config.option.dist = "worksteal"
    config.stash[STATE_KEY] = run
    plugin = ConformancePlugin(run, role)
    config.pluginmanager.register(plugin, "conformance-run")
    if role != WORKER and options.mode != REPLAY:
        INTERRUPTS.on_first = plugin.write_interrupted


WORKER, CONTROLLER, SERIAL = "worker", "controller", "serial"
PROGRESS_EVERY = 30.0  # seconds between progress lines on live runs


def _role(config) -> str:
    """pytest-xdist: workers run the tests; the controller only merges what they wrote."""
    if hasattr(config, "workerinput"):
        return WORKER
    try:
        distributed = bool(config.getoption("numprocesses"))
    except ValueError:  # pytest-xdist is not installed
        distributed = False
    return CONTROLLER if distributed else SERIAL


def _workers(config) -> int:
    """How many processes run tests: they share the token budget."""
    try:
        workers = config.getoption("numprocesses") or 1
    except ValueError:
        return 1
    return os.cpu_count() or 1 if workers in ("auto", "logical") else int(workers)


def _narrowed(config) -> dict:
    """What narrowed this run to less than every case for every model of the target."""
    out = {}
    if config.option.keyword:
        out["keyword"] = config.option.keyword
    if config.option.markexpr:
        out["marks"] = config.option.markexpr
    cases_dir = Path(config.getoption("--cases-dir")).resolve()
    chosen = [a for a in config.args if Path(config.invocation_params.dir, a.split("::")[0]).resolve() != cases_dir]
    if chosen:
        out["selected"] = chosen
    if config.getoption("--models"):
        out["models"] = config.getoption("--models")
    return out


class Interrupts:
    """Ctrl-C and SIGTERM end the run once: the first raises KeyboardInterrupt (pytest then finishes the
    session) and has the results say "interrupted" at once; later ones (nox sends SIGINT, then SIGTERM
    0.3 s later, then kills): the second is ignored, so it cannot cut the wrap-up short or lose the
    interrupt (raised inside pytest's own handling of the first, it left "completed", exit status 0);
    a third raises again, for a user who wants out now."""

    def __init__(self):
        self.signal: int | None = None
        self.count = 0
        self.on_first = None  # writes the results as interrupted, once the run is under way

    def handle(self, signum, frame):
        self.count += 1
        if self.count == 2:
            return
        if self.count > 2:  # a third Ctrl-C: the user wants out now, wrap-up or not
            raise KeyboardInterrupt(f"signal {signum}")
        self.signal = signum
        if self.on_first is not None:
            try:
                self.on_first()
            except Exception:  # noqa: BLE001 - the interrupt itself must still happen; sessionfinish tries again
                pass
        raise KeyboardInterrupt(f"signal {signum}")


INTERRUPTS = Interrupts()


def _interrupt_on_signals() -> None:
    """SIGTERM (a CI job cancelled, a container stopped) ends the run like Ctrl-C: pytest then
    finishes the session, and the results say the run was interrupted."""
    if threading.current_thread() is threading.main_thread():
        INTERRUPTS.signal, INTERRUPTS.count, INTERRUPTS.on_first = None, 0, None
        signal.signal(signal.SIGTERM, INTERRUPTS.handle)
        signal.signal(signal.SIGINT, INTERRUPTS.handle)


class XdistController:
    """Tells each pytest-xdist worker where to append its results and which server to use."""

    def __init__(self, run: ConformanceRun):
        self.run = run

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node):
        node.workerinput["conformance_run_dir"] = str(self.run.run_dir)
        node.workerinput["conformance_beyond"] = list(self.run.target.beyond)
        if self.run.server is not None:  # one local server for every worker
            node.workerinput["conformance_base_url"] = self.run.target.base_url


@pytest.fixture(scope="session")
def conformance(request):
    """The armed run's plugin: generated tests call its run_test."""
    return request.config.pluginmanager.get_plugin("conformance-run")


def pytest_collect_file(file_path, parent):
    run = parent.config.stash.get(STATE_KEY, None)
    if run is not None and file_path.suffix == ".yaml" and run.cases_in(file_path):
        return CaseFile.from_parent(parent, path=file_path)
    return None


class ConformancePlugin:
    """Per-run hooks, registered only when the run is armed."""

    def __init__(self, run: ConformanceRun, role: str = SERIAL):
        self.run, self.role = run, role
        self.unobtained = 0
        self.refused = False  # over budget: nothing was sent
        self.done, self.planned, self.last_progress = 0, 0, time.monotonic()
        self.config = None

    def _progress(self) -> None:
        """On live runs, a line every PROGRESS_EVERY seconds: requests, tokens, time spent waiting."""
        if self.run.options.mode == REPLAY or self.role == WORKER or self.config is None:
            return
        now = time.monotonic()
        if now - self.last_progress < PROGRESS_EVERY:
            return
        self.last_progress = now
        runner = self.run.runner
        senders = list((runner.senders or {runner.client.sdk["name"]: runner.client}).values())
        sent, waited = sum(s.sent for s in senders), sum(s.waited for s in senders) + senders[0].paced
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(f"progress: {self.done} of {self.planned or '?'} tests, {sent} requests, "
                                f"{runner.tokens_used:,} tokens, waited {waited:.0f} s "
                                "(throttling, pacing)")

    def pytest_runtest_logfinish(self, nodeid, location):
        # Here, not in the test: output written during a test is captured.
        self.done += 1
        self._progress()

    def run_test(self, case, model, test_id, sdk):
        try:
            outcome = self.run.run_test(case, model, test_id, sdk)
        except AuthenticationFailed as err:
            pytest.exit(f"conformance: target '{self.run.target.name}': {err}", returncode=3)
        if outcome.status == FAILED:
            pytest.fail(outcome.message, pytrace=False)
        if outcome.status == SKIPPED:
            pytest.skip(outcome.message)
        if outcome.status == XFAILED:
            pytest.xfail(outcome.message)

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session):
        """Before a live or record run: what it will send, and whether that fits the budget."""
        # What is loaded by now (the SDK, the schemas, the cases, pytest's items) lives as long as the
        # run: frozen, the garbage collector stops walking it at every collection (a sixth of replay's time).
        gc.freeze()
        if self.run.options.mode == REPLAY or self.role == WORKER or session.config.option.collectonly:
            return
        cases = {c.id: c for c in self.run.cases}
        pairs = [(cases[item.originalname], item.callspec.params["model"]) for item in session.items
                 if getattr(item, "originalname", None) in cases and hasattr(item, "callspec")]
        plan = self.run.plan(pairs or None)
        self.planned, self.config = len(session.items), session.config
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(f"conformance plan: {plan['requests']} requests to {len(plan['models'])} model(s), "
                                f"at most {plan['ceiling']:,} tokens (prompt estimate + each request's token limit; "
                                "a range's boundary search comes on top)")
        budget = self.run.options.budget
        if budget is not None and plan["ceiling"] > budget:
            self.refused = True
            pytest.exit(f"conformance: this run could use up to {plan['ceiling']:,} tokens, over --budget {budget:,}: "
                        "narrow it (--models, -k) or raise the budget", returncode=4)

    def _outside_range(self, result) -> bool:
        case = next((c for c in self.run.cases if c.id == result.case_id), None)
        if case is None or case.explore is None or case.explore.param not in result.params:
            return False
        return not in_range(case.explore, result.params[case.explore.param])

    def write_interrupted(self) -> None:
        """The results so far, marked interrupted: written the moment the run is interrupted, in case
        what interrupted it kills it before the session finishes (nox does, half a second later)."""
        self.run.collect_shards()
        self.run.write_results({"exit_status": int(pytest.ExitCode.INTERRUPTED)}, status="interrupted")

    def pytest_sessionfinish(self, session, exitstatus):
        if session.config.option.collectonly or self.role == WORKER:
            self.run.close()
            return
        try:
            results = self.run.collect_shards()
            missing = [r for r in results if not r.obtained]
            if unexpected(results) and session.exitstatus == 0:
                # The library's answer decides (conformance/expectations.py): green with nothing checked
                # would be a lie, so throttled or silent probes fail the run too.
                session.exitstatus = pytest.ExitCode.TESTS_FAILED
            self.unobtained = len(missing)
            if INTERRUPTS.signal is not None and session.exitstatus in (0, pytest.ExitCode.TESTS_FAILED):
                session.exitstatus = pytest.ExitCode.INTERRUPTED  # however pytest's own handling of it ended
            interrupted = session.exitstatus == pytest.ExitCode.INTERRUPTED or bool(session.shouldstop)
            status = "refused (over budget)" if self.refused else "interrupted" if interrupted else "completed"
            data = self.run.write_results({"exit_status": int(session.exitstatus), "unobtained": len(missing)},
                                          status=status)
            if self.run.options.report:
                render_to_file(data, self.run.options.report)
        finally:
            self.run.close()

    def pytest_terminal_summary(self, terminalreporter):
        results = self.run.results
        if terminalreporter.config.option.collectonly or self.role == WORKER:
            return
        tr = terminalreporter
        tr.section("conformance")
        summary = totals(results)
        t = self.run.target
        tr.write_line(f"target {t.name} ({self.run.options.mode}), {len(t.models)} model(s): "
                      + ", ".join(f"{n} {v}" for v, n in summary["verdicts"].items() if n))
        if self.run.runner is not None and self.run.runner.senders:
            tr.write_line("clients: " + ", ".join(f"{s.sdk['name']} {s.sdk['version']}"
                                                  for s in self.run.runner.senders.values()))
        if self.run.sdk_note:
            tr.write_line(self.run.sdk_note, yellow=True)
        for r in self.run.decided_rows:  # its tests passed one part at a time; the row as a whole differs
            tr.write_line(f"  differs across its parts: {r.test_id} {r.row} ({r.documented}): {r.reason}", red=True)
        outside = [r for r in results if r.verdict == INCONCLUSIVE and self._outside_range(r)]
        undecided = [r for r in results if r.verdict == INCONCLUSIVE and r not in outside]
        if tr.config.option.verbose > 0:
            for r in undecided:
                tr.write_line(f"  inconclusive: {r.test_id}{_params(r)} {r.row}: {r.reason}")
        else:  # one line per row, naming its models; -v gives every result
            for line in by_row(undecided):
                tr.write_line(f"  inconclusive: {line}")
        if outside:
            tr.write_line(f"  inconclusive: {len(outside)} value(s) outside documented ranges were accepted "
                          "(the docs promise nothing there; see the report's evidence)")
        tokens = summary["tokens"]
        tr.write_line(f"tokens: {tokens['prompt']} prompt + {tokens['completion']} completion = "
                      f"{tokens['total']} in {tokens['requests']} request(s)"
                      + (" (replayed: no cost)" if self.run.options.mode == REPLAY else ""))
        if self.run.options.mode != REPLAY and len(summary.get("tokens_by_model", {})) > 1:
            used = summary["tokens_by_model"].items()
            tr.write_line("  per model: " + ", ".join(f"{model} {t['total']}" for model, t in used))
        waited = sum(s.waited for s in (self.run.runner.senders or {}).values()) if self.run.runner else 0
        if waited:
            tr.write_line(f"waited {waited:.1f} s before retries (throttled or upstream down)")
        quota = next((s.quota for s in (self.run.runner.senders or {}).values()), None) if self.run.runner else None
        if quota is not None and quota.out:
            tr.write_line("stopped sending: every model answered HTTP 429 to its last requests, each retried "
                          "(out of quota?)", red=True)
        if self.unobtained:
            tr.write_line(f"incomplete: {self.unobtained} result(s) could not be obtained (no answer, throttled, "
                          "timed out or upstream down): the run fails", red=True)
        for path in self.run.repros:
            tr.write_line(f"a live failure is written out as a case that reproduces it: {path}")
        tr.write_line(f"results: {self.run.options.results}"
                      + (f", report: {self.run.options.report}" if self.run.options.report else ""))


def by_row(results: list) -> list[str]:
    """One line per row: its models (and clients), how many results, and the first one's reason."""
    rows: dict[str, list] = {}
    for r in results:
        rows.setdefault(r.row, []).append(r)
    lines = []
    for row, found in rows.items():
        models = ", ".join(dict.fromkeys(r.model for r in found))
        count = f" ({len(found)} results)" if len(found) > 1 else ""
        lines.append(f"{row} on {models}{count}: {found[0].reason}")
    return lines


def _params(result) -> str:
    return "".join(f" [{k}={v}]" for k, v in result.params.items())
