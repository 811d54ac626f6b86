"""Each check must notice when its claim is broken, on exactly that docs row, and nowhere else.

The reference server implements the docs; each switch breaks one claim. A live run against it
must report "differs" on the broken row only, and a run against the unbroken server nowhere.
One server serves every switch (chosen by URL path), and the suite runs in-process through the
library, so the whole table of switches stays fast.
"""
import pytest
from conftest import ROOT

from conformance.reference import ReferenceServer
from conformance.session import ConformanceRun, Options
from reference_server.breaks import BREAKS

MODELS = ["claude-4-5-haiku", "claude-4-5-sonnet"]
CORE_ROWS = {f"core.{r}" for r in ("model", "messages", "max_tokens", "temperature", "top_p", "stream", "stop")}
SDK_ROWS = {"models.claude-4-5-haiku.sdk", "models.claude-4-5-sonnet.sdk"}
ALL_ROWS = CORE_ROWS | SDK_ROWS
RESPONSE_ROWS = {f"prose.response-structure/{v}" for v in ("sdk-types", "openai-schema", "usage", "one-choice")}
ERROR_ROWS = {f"prose.errors/{v}" for v in ("out-of-range", "malformed-body", "wrong-key", "unknown-model")}
ALL_ROWS = ALL_ROWS | RESPONSE_ROWS | ERROR_ROWS

# switch -> the docs rows it breaks
BROKEN_ROWS = {
    "model": {"core.model"},
    "messages": {"core.messages"},
    "max_tokens": {"core.max_tokens"},
    "temperature": {"core.temperature"},
    "top_p": {"core.top_p"},
    "stream": {"core.stream"},
    "stream-done": {"core.stream"},
    "stream-chunks": {"core.stream"},
    "stop": {"core.stop"},
    "shape": SDK_ROWS | {"prose.response-structure/sdk-types", "prose.response-structure/openai-schema"},
    "usage-sum": {"prose.response-structure/usage"},
    "two-choices": {"prose.response-structure/one-choice"},
    "schema": {"prose.response-structure/openai-schema"},
    "error-shape": ERROR_ROWS,
    "malformed-500": {"prose.errors/malformed-body"},
    "wrong-key-accepted": {"prose.errors/wrong-key"},
    # core.model must differ too, once core.model has an unknown-model step (another branch).
    "unknown-model": {"prose.errors/unknown-model"},
}


@pytest.fixture(scope="module")
def server_root():
    with ReferenceServer() as server:
        yield server.url.removesuffix("/v1")


def run_in_process(base_url: str, tmp_path, random_draws: int = 0) -> dict:
    """(row -> set of verdicts) of a live run of every case against base_url."""
    options = Options(mode="live", target="reference", base_url=base_url, models=MODELS,
                      cases_dir=ROOT / "cases", results=tmp_path / "results.json", report=None,
                      random_draws=random_draws)
    run = ConformanceRun.prepare(options)
    try:
        run.connect()
        results = run.run_all()
    finally:
        run.close()
    verdicts: dict[str, set] = {}
    for r in results:
        verdicts.setdefault(r.row, set()).add(r.verdict)
    return verdicts


def rows_with(verdicts: dict, verdict: str) -> set[str]:
    return {row for row, found in verdicts.items() if verdict in found}


def test_every_switch_has_an_expected_row():
    assert set(BROKEN_ROWS) == set(BREAKS)


def test_unbroken_server_agrees_on_every_row_through_pytest(suite, reference_server):
    url = reference_server()
    run = suite.run("--mode", "live", "--base-url", url, "--models=" + ",".join(MODELS), "--random-draws", "3")
    assert run.code == 0, run.output
    assert run.rows_with("differs") == set()
    assert run.rows_with("agrees") >= ALL_ROWS


@pytest.mark.parametrize("switch", sorted(BREAKS))
def test_broken_claim_differs_on_its_row_only(server_root, tmp_path, switch):
    verdicts = run_in_process(f"{server_root}/b/{switch}/v1", tmp_path)
    assert rows_with(verdicts, "differs") == BROKEN_ROWS[switch], verdicts
    # every other row still agrees: no false alarm next to the real one
    assert rows_with(verdicts, "agrees") >= ALL_ROWS - BROKEN_ROWS[switch]


def test_a_broken_claim_fails_its_pytest_test_and_names_the_row(suite, reference_server):
    url = reference_server(breaks="stop")
    run = suite.run("--mode", "live", "--base-url", url, "--models=claude-4-5-haiku", "--random-draws", "0")
    assert run.code == 1, run.output  # pytest reports the difference as a failure
    assert "core.stop (Full)" in run.output
