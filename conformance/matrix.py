"""`python -m conformance.matrix [pytest options]`: replay every recorded target, then one report.

Each target with cassettes under cassettes/ (the profiles' order first, then ad-hoc targets by
name) is replayed by its own pytest run, writing reports/<target>/results.json, index.html and
junit.xml; then reports/results.json and reports/index.html hold all of them side by side
(`--reports DIR` writes them elsewhere). The exit
status is the first failing target's (0 when every target passed), so CI fails when any does.
"""
import argparse
import subprocess
import sys
from pathlib import Path

from .cases import TARGETS_FILE
from .errors import ConformanceError
from .report.cli import main as report_main
from .schema import load_validated
from .targets import recorded_targets

OWNED = ("--target", "--results", "--report", "--junitxml")  # set per target here


def targets_to_replay(cases_dir: Path, cassette_dir: Path) -> list[str]:
    recorded = recorded_targets(cassette_dir)
    profiles = list(load_validated(cases_dir / TARGETS_FILE, "targets")["targets"])
    return [t for t in profiles if t in recorded] + [t for t in recorded if t not in profiles]


def pytest_command(target: str, reports: Path, cases_dir: Path, passed: list[str]) -> list[str]:
    named = any(not a.startswith("-") and Path(a.split("::")[0]).suffix == ".yaml" for a in passed)
    out = reports / target
    return [sys.executable, "-m", "pytest", *([] if named else [str(cases_dir)]), "--target", target,
            "--results", str(out / "results.json"), "--report", str(out / "index.html"),
            f"--junitxml={out / 'junit.xml'}", *passed]


def without_option(argv: list[str], option: str) -> list[str]:
    """argv without `option VALUE` or `option=VALUE`."""
    out, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg == option:
            skip = True
        elif not arg.startswith(option + "="):
            out.append(arg)
    return out


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--cases-dir", default="cases")
    parser.add_argument("--cassette-dir", default="cassettes")
    parser.add_argument("--mode", default="replay")
    parser.add_argument("--reports", default="reports", help="where each target's results and the page go")
    known, _ = parser.parse_known_args(argv)
    argv = without_option(argv, "--reports")  # the matrix's own: not pytest's
    if known.mode != "replay":
        print("conformance-matrix: replays only; a live or record run is of one target: --target NAME",
              file=sys.stderr)
        return 4
    owned = [a for a in argv if a.split("=")[0] in OWNED]
    if owned:
        print(f"conformance-matrix: {owned[0].split('=')[0]} is set per target here; to run one target pass "
              "--target NAME (nox -s conformance -- --target NAME)", file=sys.stderr)
        return 4
    cases_dir, cassette_dir, reports = Path(known.cases_dir), Path(known.cassette_dir), Path(known.reports)
    try:
        targets = targets_to_replay(cases_dir, cassette_dir)
    except ConformanceError as err:
        print(f"conformance-matrix: {err}", file=sys.stderr)
        return 4
    if not targets:
        print(f"conformance-matrix: no target has cassettes under {cassette_dir}/: record one with "
              "nox -s record -- --target NAME", file=sys.stderr)
        return 4
    codes = {}
    for target in targets:
        print(f"== {target}: replaying {cassette_dir / target}", flush=True)
        (reports / target / "results.json").unlink(missing_ok=True)  # an old run's must not pass for this one's
        codes[target] = subprocess.call(pytest_command(target, reports, cases_dir, argv))
    written = [str(reports / t / "results.json") for t in targets if (reports / t / "results.json").is_file()]
    report_code = report_main([*written, "-o", str(reports / "index.html"),
                               "--write-results", str(reports / "results.json")]) if written else 2
    print("targets: " + ", ".join(f"{t} {'passed' if c == 0 else f'failed (exit {c})'}" for t, c in codes.items()))
    failed = [c for c in codes.values() if c != 0]
    return failed[0] if failed else report_code


if __name__ == "__main__":
    sys.exit(main())
