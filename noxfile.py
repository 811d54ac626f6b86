"""Sessions: conformance (replay by default), record, tests, report, publish, lint, benchmark.

    python3 -m nox -s conformance                       # replay every recorded target, offline, one report
    python3 -m nox -s conformance -- --target llama-cpp # replay one target
    python3 -m nox -s conformance -- --mode live --target heroku
    python3 -m nox -s record -- --target heroku        # real requests, cassettes under cassettes/heroku/
    python3 -m nox -s tests                             # the harness's own tests
    python3 -m nox -s peer                              # llama.cpp's llama-server, built here, as a target
    python3 -m nox -s reference-server -- --port 8000   # the reference server on loopback, for any client
    python3 -m nox -s sdk-matrix                        # every recorded target through old, pinned and new clients
"""
import hashlib
import shutil
from pathlib import Path

import nox

nox.options.sessions = ["tests", "conformance"]
nox.options.reuse_existing_virtualenvs = True

REPORTS = "reports"
NODE_CLIENTS = Path("conformance/clients/js")
# Seconds nox waits after Ctrl-C before it kills a run: enough for it to write its results and report.
INTERRUPT_TIMEOUT = 5  # package.json and its lockfile: the Node.js clients


def _node_clients(session) -> None:
    """Install the Node.js clients from their lockfile (`npm ci`) with the machine's Node.js, when
    the lockfile changed since the last install; without Node.js the run says how to install it."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        session.log("Node.js is not installed: the Node.js clients will be skipped")
        return
    lock = hashlib.sha256((NODE_CLIENTS / "package-lock.json").read_bytes()).hexdigest()
    stamp = NODE_CLIENTS / "node_modules" / ".conformance-lock"
    if stamp.is_file() and stamp.read_text() == lock:
        return
    session.run("npm", "ci", "--prefix", str(NODE_CLIENTS), "--no-audit", "--no-fund", "--loglevel=error",
                external=True)
    stamp.write_text(lock)


def _cases_args(posargs: list[str]) -> list[str]:
    """Collect the cases directory unless the caller named case files or test ids."""
    named = any(a.startswith("cases") and not a.startswith("--") for a in posargs)
    return [] if named else ["cases"]


def _one_target(posargs: list[str]) -> bool:
    """A run of one target: one is named, or a live or record run (the reference unless named)."""
    if any(a == "--target" or a.startswith("--target=") for a in posargs):
        return True
    modes = [posargs[i + 1] for i, a in enumerate(posargs[:-1]) if a == "--mode"]
    modes += [a.split("=", 1)[1] for a in posargs if a.startswith("--mode=")]
    return any(m != "replay" for m in modes)


# The clients' releases `nox -s sdk-matrix` replays through: the Python openai package and the Node.js
# packages. pinned: pyproject's range as it resolves today, and the Node.js lockfile; oldest: the oldest
# releases README says are supported (pyproject's lower bound; the oldest the Node.js driver runs).
NODE_PACKAGES = ("openai", "ai", "@ai-sdk/openai-compatible")
SDK_RELEASES = {
    "oldest": ("openai==1.50.0", ("openai@4.50.0", "ai@5.0.0", "@ai-sdk/openai-compatible@1.0.0")),
    "pinned": (None, None),
    "newest": ("openai", tuple(f"{name}@latest" for name in NODE_PACKAGES)),
}


@nox.session(name="sdk-matrix")
@nox.parametrize("release", list(SDK_RELEASES))
def sdk_matrix(session, release):
    """Replay every recorded target through the oldest supported, the pinned and the newest release of
    each client: reports/sdk-matrix/<release>/, and reports/sdk-matrix/index.html with every release
    side by side (each client named with its version)."""
    python_package, node_packages = SDK_RELEASES[release]
    session.install("-e", ".[reference]")
    if python_package:
        session.install("--upgrade", python_package)
    env = {}
    if shutil.which("node") and shutil.which("npm"):
        copy = Path(session.create_tmp()) / "node-clients"  # this release's clients, beside the pinned ones
        copy.mkdir(exist_ok=True)
        for name in ("package.json", "package-lock.json", "driver.mjs"):
            shutil.copy(NODE_CLIENTS / name, copy / name)
        quiet = ("--no-audit", "--no-fund", "--loglevel=error")
        if node_packages:
            session.run("npm", "install", "--prefix", str(copy), *quiet, *node_packages, external=True)
        else:
            session.run("npm", "ci", "--prefix", str(copy), *quiet, external=True)
        env["CONFORMANCE_NODE_CLIENTS"] = str(copy)
    else:
        session.log("Node.js is not installed: only the Python client is replayed")
    out = Path(REPORTS) / "sdk-matrix"
    # A client release that changes a verdict fails its targets: shown on the page, not a stop.
    session.run("python", "-m", "conformance.matrix", "--reports", str(out / release), *session.posargs, env=env,
                success_codes=[0, 1])
    done = sorted(str(p) for p in out.glob("*/*/results.json"))
    session.run("python", "-m", "conformance.report", *done, "-o", str(out / "index.html"))


@nox.session
def conformance(session):
    """Replay every target recorded under cassettes/ into one report (reports/<target>/ each, then
    reports/index.html side by side); `-- --target NAME` runs that one; `-- --mode live` with a target."""
    session.install("-e", ".[reference]")
    _node_clients(session)
    if _one_target(session.posargs):
        session.run("pytest", *_cases_args(session.posargs), f"--junitxml={REPORTS}/junit.xml",
                    *session.posargs, interrupt_timeout=INTERRUPT_TIMEOUT)
    else:
        session.run("python", "-m", "conformance.matrix", *session.posargs, interrupt_timeout=INTERRUPT_TIMEOUT)


@nox.session(name="reference-server")
def reference_server(session):
    """Serve this project's reference server on loopback: `-- --port 8000 [--api-key KEY] [--break SWITCH]`;
    point any client at http://127.0.0.1:8000/v1 with that key (default reference-key)."""
    session.install("-e", ".[reference]")
    session.run("python", "-m", "reference_server", *session.posargs)


@nox.session
def record(session):
    """Record cassettes: real requests to the target (the reference server unless --target says otherwise);
    a target whose profile says how to start it is started on loopback and stopped after."""
    session.install("-e", ".[reference]")
    _node_clients(session)
    session.run("pytest", *_cases_args(session.posargs), "--mode", "record",
                f"--junitxml={REPORTS}/junit.xml", *session.posargs, interrupt_timeout=INTERRUPT_TIMEOUT)


@nox.session
def tests(session):
    """The harness's own tests; each skipped test says why (-rs)."""
    session.install("-e", ".[test]")
    _node_clients(session)
    session.run("pytest", "tests", "-n", "auto", "-rs", *session.posargs)


@nox.session
def report(session):
    """Re-render reports/index.html from results files: `-- a.json [b.json ...] [-o out.html]
    [--baseline OLD.json --fail-on-regression]` (several targets side by side; a diff against a previous run)."""
    session.install("-e", ".")
    session.run("python", "-m", "conformance.report", *session.posargs)


@nox.session
def check(session):
    """Will my code work on Heroku? `-- FILE...` (request logs as JSON lines, or Python/JS/TS files or
    trees with OpenAI SDK call sites): each parameter's documented level, observed verdict and what to
    change; exit 1 when something must change or be checked, 2 for bad input. Offline."""
    session.install("-e", ".")
    session.run("python", "-m", "conformance.check", *session.posargs)


@nox.session
def publish(session):
    """Write a static site: `-- [results.json ...] [--out site] [--baseline OLD.json]` (index.html, the
    results files, badge.svg), ready for any static host."""
    session.install("-e", ".")
    session.run("python", "-m", "conformance.report.publish", *session.posargs)


@nox.session
def lint(session):
    session.install("ruff>=0.5")
    session.run("ruff", "check", "conformance", "reference_server", "tests", "noxfile.py", "benchmarks", "peer")


@nox.session
def benchmark(session):
    """Print speed and cost figures: replay overhead, a parallel live run, report rendering, tokens."""
    session.install("-e", ".[test]")  # the live figure runs pytest-xdist workers
    _node_clients(session)
    session.run("python", "benchmarks/run.py", *session.posargs)


@nox.session
def peer(session):
    """llama.cpp's llama-server with a tiny generated model, recorded as the `llama-cpp` target.

    Builds llama-server once (cached under ~/.cache/heroku-conformance), writes the model, records
    cassettes/llama-cpp/ (the profile in cases/targets.yaml starts the server on a free loopback port
    and stops it), then replays every recorded target into reports/index.html; extra arguments go to
    the record run's pytest.
    """
    session.install("-e", ".[reference,peer]")
    _node_clients(session)
    session.run("python", "-m", "peer.llama_cpp", "build")
    session.run("python", "-m", "peer.llama_cpp", "model")
    session.run("pytest", *_cases_args(session.posargs), "--mode", "record", "--target", "llama-cpp",
                f"--junitxml={REPORTS}/junit.xml", *session.posargs)
    session.run("python", "-m", "conformance.matrix")
