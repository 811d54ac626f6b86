"""The Advanced and Metadata cases against servers other than the reference server."""
import pytest
from fake_servers import ConformingParameters, serve
from test_breaks import OBSERVE_ONLY_ROWS, PARAMETER_ROWS


@pytest.fixture
def conforming_parameters():
    url, stop = serve(ConformingParameters)
    yield url
    stop()


def test_a_server_that_names_parameters_differently_raises_no_alarm(suite, conforming_parameters):
    run = suite.run("--mode", "live", "--target", "params", "--base-url", conforming_parameters, "--models=m1",
                    "-k", "advanced or metadata", env={"OPENAI_API_KEY": "k-123456"})
    assert run.rows_with("differs") == set(), run.output
    # a deterministic model cannot show a seed's effect: inconclusive, never a guessed "no effect"
    assert run.verdicts()[("advanced.seed", "m1")] == {"inconclusive"}
    assert run.rows_with("agrees") == PARAMETER_ROWS - {"advanced.seed"}, run.output
    assert run.rows_with("inconclusive") == OBSERVE_ONLY_ROWS | {"advanced.seed"}
