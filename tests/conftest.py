"""Fixtures for the harness's own tests: a private copy of the suite, a way to run it as a user
would (a pytest subprocess), and reference servers with chosen claims broken."""
import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from conformance.reference import ReferenceServer

ROOT = Path(__file__).resolve().parent.parent
# Rows that differ whatever a server does: the newer Dev Center page lists logprobs twice, as
# supported and as ignored. The reference server ignores logprobs, so the first listing differs.

@dataclass
class SuiteRun:
    code: int
    output: str
    results: dict | None

    def verdicts(self) -> dict:
        """(row, model) -> set of verdicts."""
        out: dict = {}
        for r in (self.results or {}).get("results", []):
            out.setdefault((r["row"], r["model"]), set()).add(r["verdict"])
        return out

    def rows_with(self, verdict: str) -> set[str]:
        return {r["row"] for r in (self.results or {}).get("results", []) if r["verdict"] == verdict}


class Suite:
    """A copy of cases/ (and optionally the shipped cassettes) in a temporary folder."""

    def __init__(self, root: Path, with_cassettes: bool):
        self.root = root
        shutil.copytree(ROOT / "cases", root / "cases")
        if with_cassettes:
            shutil.copytree(ROOT / "cassettes", root / "cassettes")
        self.cases = root / "cases"
        self.cassettes = root / "cassettes"
        self.results = root / "reports" / "results.json"

    def run(self, *args: str, env: dict | None = None, select: str | None = None) -> SuiteRun:
        """Run the suite as a user would; through the Python SDK alone unless `--sdk` says otherwise
        (the Node.js clients have tests of their own)."""
        target = str(self.cases) if select is None else f"{self.cases}/{select}"
        if not any(a == "--sdk" or a.startswith("--sdk=") for a in args):
            args = (*args, "--sdk", "python")
        cmd = [sys.executable, "-m", "pytest", target, "-q", "-p", "no:cacheprovider",
               "--cases-dir", str(self.cases), "--cassette-dir", str(self.cassettes),
               "--results", str(self.results), "--report", str(self.root / "reports" / "index.html"), *args]
        if self.results.exists():
            self.results.unlink()
        base_env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("INFERENCE")}
        proc = subprocess.run(cmd, cwd=self.root, capture_output=True, text=True, timeout=300,
                              env={**base_env, **(env or {})})
        results = json.loads(self.results.read_text()) if self.results.exists() else None
        return SuiteRun(proc.returncode, proc.stdout + proc.stderr, results)


@pytest.fixture
def suite(tmp_path) -> Suite:
    return Suite(tmp_path, with_cassettes=False)


@pytest.fixture
def recorded_suite(tmp_path) -> Suite:
    return Suite(tmp_path, with_cassettes=True)


@pytest.fixture
def reference_server():
    """Start a reference server: reference_server(breaks="stop", api_key=..., requests_per_minute=...) -> base URL."""
    started = []

    def start(breaks: str = "", api_key: str = "reference-key", leak_headers: bool = False,
              requests_per_minute: int | None = None) -> str:
        server = ReferenceServer(api_key=api_key, breaks=breaks, leak_headers=leak_headers,
                                 requests_per_minute=requests_per_minute)
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def fake():
    """Start a misbehaving server from tests/fake_servers.py: fake(Handler) -> base URL."""
    from fake_servers import serve

    stops = []

    def start(handler):
        url, stop = serve(handler)
        stops.append(stop)
        return url

    yield start
    for stop in stops:
        stop()
