"""Sessions: conformance (replay by default), record, tests, report, publish, lint, benchmark.

    python3 -m nox -s conformance                       # replay the shipped cassettes, offline
    python3 -m nox -s conformance -- --mode live --target heroku
    python3 -m nox -s record -- --target heroku        # real requests, cassettes under cassettes/heroku/
    python3 -m nox -s tests                             # the harness's own tests
"""
import nox

nox.options.sessions = ["tests", "conformance"]
nox.options.reuse_existing_virtualenvs = True

REPORTS = "reports"


def _cases_args(posargs: list[str]) -> list[str]:
    """Collect the cases directory unless the caller named case files or test ids."""
    named = any(a.startswith("cases") and not a.startswith("--") for a in posargs)
    return [] if named else ["cases"]


@nox.session
def conformance(session):
    """Run the cases: replay (default), or `-- --mode live|record` with a target."""
    session.install("-e", ".[reference]")
    session.run("pytest", *_cases_args(session.posargs), f"--junitxml={REPORTS}/junit.xml",
                *session.posargs)


@nox.session
def record(session):
    """Record cassettes: real requests to the target (the reference server unless --target says otherwise)."""
    session.install("-e", ".[reference]")
    session.run("pytest", *_cases_args(session.posargs), "--mode", "record",
                f"--junitxml={REPORTS}/junit.xml", *session.posargs)


@nox.session
def tests(session):
    """The harness's own tests."""
    session.install("-e", ".[test]")
    session.run("pytest", "tests", "-n", "auto", *session.posargs)


@nox.session
def report(session):
    """Re-render reports/index.html from results files: `-- a.json [b.json ...] [-o out.html]
    [--baseline OLD.json --fail-on-regression]` (several targets side by side; a diff against a previous run)."""
    session.install("-e", ".")
    session.run("python", "-m", "conformance.report", *session.posargs)


@nox.session
def publish(session):
    """Write a static site: `-- [results.json ...] [--out site] [--baseline OLD.json]` (index.html, the
    results files, badge.svg), ready for any static host."""
    session.install("-e", ".")
    session.run("python", "-m", "conformance.report.publish", *session.posargs)


@nox.session
def lint(session):
    session.install("ruff>=0.5")
    session.run("ruff", "check", "conformance", "reference_server", "tests", "noxfile.py", "benchmarks")


@nox.session
def benchmark(session):
    """Print speed and cost figures: replay overhead, a parallel live run, report rendering, tokens."""
    session.install("-e", ".[test]")  # the live figure runs pytest-xdist workers
    session.run("python", "benchmarks/run.py", *session.posargs)
