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
IGNORED_PARAMS = ("seed", "n", "presence_penalty", "frequency_penalty", "logit_bias")
STRICT_ROWS = {f"advanced.{p}/strict" for p in IGNORED_PARAMS}
METADATA_ROWS = {f"metadata.metadata/{v}" for v in ("strings", "nested", "many-keys")}
PARAMETER_ROWS = ({f"advanced.{p}" for p in IGNORED_PARAMS} | STRICT_ROWS | METADATA_ROWS
                  | {"advanced.response_format/json_object", "advanced.response_format/json_schema",
                     "prose.allow_ignored_params", "devcenter.n", "devcenter.frequency_penalty",
                     "devcenter.unknown-params", "metadata.user"})
OBSERVE_ONLY_ROWS = {"prose.unknown-params"}  # observed and shown, never judged: always inconclusive
ALL_ROWS |= PARAMETER_ROWS

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
    "shape": SDK_ROWS,
    "seed": {"advanced.seed"},
    "n": {"advanced.n", "devcenter.n"},
    "presence_penalty": {"advanced.presence_penalty"},
    "frequency_penalty": {"advanced.frequency_penalty", "devcenter.frequency_penalty"},
    "logit_bias": {"advanced.logit_bias"},
    "allow-ignored": STRICT_ROWS | {"prose.allow_ignored_params"},
    "unknown-params": {"devcenter.unknown-params"},
    "response-format-object": {"advanced.response_format/json_object"},
    "response-format-schema": {"advanced.response_format/json_schema"},
    "user": {"metadata.user"},
    "metadata": {"metadata.metadata/nested"},  # one shape crashes; each 500 costs the SDK's retries
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


def test_unbroken_server_agrees_on_parameter_rows_and_observe_only_rows_stay_inconclusive(server_root, tmp_path):
    verdicts = run_in_process(f"{server_root}/v1", tmp_path)
    assert {row for row in PARAMETER_ROWS if verdicts.get(row) == {"agrees"}} == PARAMETER_ROWS, verdicts
    for row in OBSERVE_ONLY_ROWS:
        assert verdicts[row] == {"inconclusive"}, verdicts
