"""Print what a run costs: requests and token ceilings per live run, and how fast replay and a
live run against the local reference server are. Figures only; nothing here passes or fails.

    python benchmarks/run.py [--repeat 3]
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

from conformance.cases import load_cases  # noqa: E402
from conformance.docs import load_docs  # noqa: E402
from conformance.plan import estimate  # noqa: E402
from conformance.reference import ReferenceServer  # noqa: E402


def plan(random_draws: int) -> dict:
    """Requests and the token ceiling of one live run over every documented model (the library's
    own estimate, the one --budget is held against)."""
    docs = load_docs(ROOT / "cases" / "docs-tables.yaml")
    cases = load_cases(ROOT / "cases", docs)
    requests = ceiling = 0
    for case in cases:
        for model in (m for m in docs.model_ids if case.applies_to(m)):
            r, c = estimate(case, model, random_draws)
            requests, ceiling = requests + r, ceiling + c
    return {"cases": len(cases), "models": len(docs.model_ids), "requests": requests, "ceiling": ceiling}


def timed_pytest(args: list[str], cwd: Path) -> tuple[float, dict]:
    results = cwd / "results.json"
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pytest", "cases", "-q", "-p", "no:cacheprovider", "--results",
                    str(results), "--report", "", *args], cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    return elapsed, json.loads(results.read_text())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--random-draws", type=int, default=10)
    args = parser.parse_args()

    p = plan(args.random_draws)
    print(f"live run plan: {p['cases']} cases x {p['models']} models = about {p['requests']} requests "
          f"(with {args.random_draws} random draws per explored range)")
    print(f"  token ceiling (prompt estimate + every request's token limit; answers are short, far below it): "
          f"{p['ceiling']:,}")

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        times = []
        for _ in range(args.repeat):
            elapsed, data = timed_pytest([], tmp)
            times.append(elapsed)
        n = data["totals"]["results"]
        tests = len({r["test_id"] for r in data["results"]})
        med = statistics.median(times)
        print(f"replay (shipped cassettes, network blocked): {tests} tests, {n} results, "
              f"median {med:.2f} s over {args.repeat} runs ({med / tests * 1000:.1f} ms per test, "
              "including interpreter start-up)")

        with ReferenceServer() as server:
            elapsed, data = timed_pytest(["--mode", "live", "--base-url", server.url,
                                          "--random-draws", str(args.random_draws)], tmp)
        tok = data["totals"]["tokens"]
        print(f"live against the reference server: {tok['requests']} requests in {elapsed:.2f} s "
              f"({tok['requests'] / elapsed:.0f} requests/s); reference tokens used: {tok['total']:,} "
              f"({tok['prompt']:,} prompt + {tok['completion']:,} completion)")
    print("token prices are not published in the docs this suite mirrors: multiply the figures above by "
          "your plan's per-token price")
    return 0


if __name__ == "__main__":
    sys.exit(main())
