"""Each check must notice when its claim is broken, on exactly that docs row, and nowhere else.

The reference server implements the docs; each switch breaks one claim. A live run against it
must report "differs" on the broken row only, and a run against the unbroken server nowhere.
"""
import pytest

from reference_server.breaks import BREAKS

MODELS = "--models=claude-4-5-haiku,claude-4-5-sonnet"
CORE_ROWS = {f"core.{r}" for r in ("model", "messages", "max_tokens", "temperature", "top_p", "stream", "stop")}
SDK_ROWS = {"models.claude-4-5-haiku.sdk", "models.claude-4-5-sonnet.sdk"}
ALL_ROWS = CORE_ROWS | SDK_ROWS

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
}


def test_every_switch_has_an_expected_row():
    assert set(BROKEN_ROWS) == set(BREAKS)


def test_unbroken_server_agrees_on_every_core_row(suite, reference_server):
    url = reference_server()
    run = suite.run("--mode", "live", "--base-url", url, MODELS, "--random-draws", "3")
    assert run.code == 0, run.output
    assert run.rows_with("differs") == set()
    assert run.rows_with("agrees") == ALL_ROWS


@pytest.mark.parametrize("switch", sorted(BREAKS))
def test_broken_claim_differs_on_its_row_only(suite, reference_server, switch):
    url = reference_server(breaks=switch)
    run = suite.run("--mode", "live", "--base-url", url, MODELS, "--random-draws", "0")
    assert run.code == 1, run.output  # pytest reports the difference as a failure
    assert run.rows_with("differs") == BROKEN_ROWS[switch], run.output
    # every other row still agrees: no false alarm next to the real one
    assert run.rows_with("agrees") >= ALL_ROWS - BROKEN_ROWS[switch]
    # and the failure names the row
    assert all(f"{row} (" in run.output for row in BROKEN_ROWS[switch])
