"""Speed and cost of the suite, measured in one run on this machine. Figures only: nothing here
passes or fails, but each figure is printed beside its target.

    python benchmarks/run.py [--repeat 3] [--latency-ms 100] [--workers 4]
    python benchmarks/run.py --only report [--sample reports/reference/results.json]

1. replay: wall time of the whole case set from the shipped cassettes through each client, and the
   overhead per test over an empty pytest run of as many tests in the same environment (target:
   under 5 ms through the Python SDK, under 10 ms through each Node.js client);
2. live: a full run against the reference server answering each request after a fixed latency,
   with pytest-xdist workers: wall time over the ideal (requests x latency / workers), target 1.3;
3. report: the whole `python -m conformance.report` command (a new process: start-up, reading and
   validating the file, rendering, writing) on 10,000 results, best and median of --repeat runs
   (target: best under 1.5 s on a quiet 2-core machine; a busy one says so in its load average);
4. cost: the token ceiling of a live run over every documented model, and the tokens it used.
The last line is the same figures as one JSON object.
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from conformance.clients.node import node_missing  # noqa: E402
from conformance.reference import ReferenceServer  # noqa: E402
from conformance.session import ConformanceRun, Options  # noqa: E402

PYTEST = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]


def plan(random_draws: int) -> dict:
    """Requests and the token ceiling of one live run over every documented model: the library's
    own plan, the one printed before a live run and held against --budget."""
    run = ConformanceRun.prepare(Options(mode="live", cases_dir=ROOT / "cases", report=None, sdk="python",
                                         random_draws=random_draws))
    planned = run.plan()
    return {"cases": len(run.cases), "models": len(run.target.models), "requests": planned["requests"],
            "ceiling": planned["ceiling"]}


def timed(cmd: list[str], cwd: Path) -> float:
    return timed_with_cpu(cmd, cwd)[0]


def timed_with_cpu(cmd: list[str], cwd: Path) -> tuple[float, float]:
    """Wall time and the CPU time (user + system) the command used. On a busy machine the wall time
    grows with the other work; the CPU time stays near what a quiet machine's wall time would be."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"benchmark: {' '.join(cmd[:6])} … exited {proc.returncode}:\n{proc.stdout[-800:]}"
                         f"{proc.stderr[-800:]}")
    return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def replay(tmp: Path, repeat: int, sdk: str) -> dict:
    """The reference target's cassettes replayed through one client: wall time, and the overhead per
    test beyond an empty pytest run of as many tests."""
    results = tmp / "replay.json"
    runs = [timed(PYTEST + ["cases", "--sdk", sdk, "--results", str(results), "--report", ""], ROOT)
            for _ in range(repeat)]
    data = json.loads(results.read_text())
    tests = len({r["test_id"] for r in data["results"]})
    empty_dir = tmp / "empty"
    empty_dir.mkdir(exist_ok=True)
    (empty_dir / "test_empty.py").write_text(
        f"import pytest\n\n\n@pytest.mark.parametrize('i', range({tests}))\ndef test_nothing(i):\n    pass\n")
    empties = [timed(PYTEST + [str(empty_dir)], ROOT) for _ in range(repeat)]
    wall, empty = statistics.median(runs), statistics.median(empties)
    return {"tests": tests, "results": len(data["results"]), "wall_s": round(wall, 2),
            "empty_pytest_s": round(empty, 2), "overhead_ms_per_test": round((wall - empty) / tests * 1000, 2)}


def live(tmp: Path, latency_ms: float, workers: int) -> dict:
    results = tmp / "live.json"
    with ReferenceServer(latency_ms=latency_ms) as server:
        wall = timed(PYTEST + ["cases", "--mode", "live", "--base-url", server.url, "--random-draws", "0",
                               "--sdk", "python", "-n", str(workers), "--results", str(results), "--report", ""], ROOT)
    data = json.loads(results.read_text())
    sent = data["totals"]["tokens"]["requests"]
    ideal = sent * latency_ms / 1000 / workers
    return {"requests": sent, "latency_ms": latency_ms, "workers": workers, "wall_s": round(wall, 2),
            "ideal_s": round(ideal, 2), "ratio": round(wall / ideal, 2), "tokens_used": data["totals"]["tokens"],
            "replayed": data}


def many_results(sample: dict, count: int = 10_000) -> dict:
    """`count` results made from a real run's (params varied so none repeat): a results document."""
    base = sample["results"]
    results = [{**base[i % len(base)], "params": {"copy": i}} for i in range(count)]
    return {**sample, "results": results}


def report(sample: dict, tmp: Path, repeat: int, count: int = 10_000) -> dict:
    """The whole report command on `count` results, as a user runs it: a new Python process each time."""
    results, page = tmp / "many.json", tmp / "many.html"
    results.write_text(json.dumps(many_results(sample, count)))
    cmd = [sys.executable, "-m", "conformance.report", str(results), "-o", str(page)]
    measured = [timed_with_cpu(cmd, ROOT) for _ in range(max(repeat, 3))]
    runs, cpu = [wall for wall, _ in measured], [used for _, used in measured]
    return {"results": count, "best_s": round(min(runs), 2), "median_s": round(statistics.median(runs), 2),
            "runs_s": [round(r, 2) for r in runs], "cpu_best_s": round(min(cpu), 2),
            "json_mb": round(results.stat().st_size / 1e6, 1),
            "html_mb": round(page.stat().st_size / 1e6, 1), "load_average": load_average()}


def load_average() -> list[float] | None:
    """The machine's 1, 5 and 15 minute load: a figure taken on a busy machine says so."""
    try:
        return [round(x, 1) for x in os.getloadavg()]
    except OSError:
        return None


def print_report(rp: dict) -> None:
    print(f"report: `python -m conformance.report` on {rp['results']:,} results ({rp['json_mb']} MB in, "
          f"{rp['html_mb']} MB out): best {rp['best_s']} s, median {rp['median_s']} s of {len(rp['runs_s'])} "
          f"(target: best < 1.5 s); CPU time best {rp['cpu_best_s']} s; load average {rp['load_average']} on "
          f"{os.cpu_count()} CPUs (above the CPU count, the wall time is the other work's too: read the CPU time)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--latency-ms", type=float, default=100.0)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--random-draws", type=int, default=10)
    parser.add_argument("--only", choices=["report"], help="only this figure")
    parser.add_argument("--sample", type=Path, default=ROOT / "reports" / "reference" / "results.json",
                        help="with --only report: the results file the 10,000 results are made from")
    args = parser.parse_args()
    if args.only == "report":
        if not args.sample.exists():
            raise SystemExit(f"benchmark: no {args.sample}: run `python -m nox -s conformance` first")
        with tempfile.TemporaryDirectory() as tmp:
            rp = report(json.loads(args.sample.read_text()), Path(tmp), args.repeat)
        print_report(rp)
        print(json.dumps({"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]}, "report": rp}))
        return 0

    p = plan(args.random_draws)
    print(f"cost of a live run: {p['cases']} cases x {p['models']} models = about {p['requests']} requests "
          f"(with {args.random_draws} random draws per explored range); token ceiling {p['ceiling']:,} "
          "(prompt estimate + every request's token limit)")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        r = {}
        for sdk, target in (("python", 5), ("node", 10), ("ai-sdk", 10)):
            if sdk != "python" and node_missing():
                print(f"replay through {sdk}: skipped ({node_missing()})")
                continue
            r[sdk] = replay(tmp, args.repeat, sdk)
            figures = r[sdk]
            print(f"replay through {sdk}: {figures['tests']} tests ({figures['results']} results) in "
                  f"{figures['wall_s']} s; an empty pytest run of as many tests {figures['empty_pytest_s']} s: "
                  f"{figures['overhead_ms_per_test']} ms per test (target < {target})")
        lv = live(tmp, args.latency_ms, args.workers)
        print(f"live: {lv['requests']} requests at {lv['latency_ms']:.0f} ms each over {lv['workers']} workers in "
              f"{lv['wall_s']} s; ideal {lv['ideal_s']} s: ratio {lv['ratio']} (target < 1.3); tokens used "
              f"{lv['tokens_used']['total']:,}")
        rp = report(lv.pop("replayed"), tmp, args.repeat)
        print_report(rp)
    print(json.dumps({"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
                      "plan": p, "replay": r, "live": lv, "report": rp}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
