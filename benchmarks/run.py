"""Speed and cost of the suite, measured in one run on this machine. Figures only: nothing here
passes or fails, but each figure is printed beside its target.

    python benchmarks/run.py [--repeat 3] [--latency-ms 100] [--workers 4]

1. replay: wall time of the whole case set from the shipped cassettes through each client, and the
   overhead per test over an empty pytest run of as many tests in the same environment (target:
   under 5 ms through the Python SDK, under 10 ms through each Node.js client);
2. live: a full run against the reference server answering each request after a fixed latency,
   with pytest-xdist workers: wall time over the ideal (requests x latency / workers), target 1.3;
3. report: the time to render 10,000 results (target: under 2 s);
4. cost: the token ceiling of a live run over every documented model, and the tokens it used.
The last line is the same figures as one JSON object.
"""
import argparse
import json
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
from conformance.report.render import render  # noqa: E402
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
    started = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if proc.returncode not in (0, 1):
        raise SystemExit(f"benchmark: {' '.join(cmd[:6])} … exited {proc.returncode}:\n{proc.stdout[-800:]}")
    return elapsed


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


def report(sample: dict, count: int = 10_000) -> dict:
    """Render `count` results made from a real run's results (params varied so none repeat)."""
    base = sample["results"]
    results = [{**base[i % len(base)], "params": {"copy": i}} for i in range(count)]
    started = time.perf_counter()
    html = render({**sample, "results": results})
    return {"results": count, "render_s": round(time.perf_counter() - started, 2), "html_mb": round(len(html) / 1e6, 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--latency-ms", type=float, default=100.0)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--random-draws", type=int, default=10)
    args = parser.parse_args()

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
        rp = report(lv.pop("replayed"))
        print(f"report: {rp['results']:,} results rendered in {rp['render_s']} s ({rp['html_mb']} MB; target < 2 s)")
    print(json.dumps({"machine": {"cpus": __import__("os").cpu_count(), "python": sys.version.split()[0]},
                      "plan": p, "replay": r, "live": lv, "report": rp}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
