"""Documented ranges: boundary values are fixed, and replay draws the same ones wherever it runs."""
import json

from conformance.cases import Explore
from conformance.explore import boundary_values, explore


def test_boundary_values():
    assert boundary_values(Explore("temperature", "number", 0, 1, 0.01)) == [0, 0.01, 0.99, 1, -0.01, 1.01]
    assert boundary_values(Explore("max_tokens", "integer", 1, 4096, 1)) == [1, 2, 4095, 4096, 0, 4097]


def test_without_random_draws_only_the_boundaries_run():
    seen = []
    explore(Explore("top_p", "number", 0, 1, 0.01), seen.append, "x", random_draws=0)
    assert sorted(seen) == sorted(boundary_values(Explore("top_p", "number", 0, 1, 0.01)))


def test_live_draws_add_random_values_around_the_range():
    seen = []
    e = Explore("temperature", "number", 0, 1, 0.01)
    explore(e, seen.append, "x", random_draws=20)
    extra = [v for v in seen if v not in boundary_values(e)]
    assert len(extra) >= 5 and all(-0.2 <= v <= 1.2 for v in extra)


def test_replay_examples_do_not_depend_on_the_ci_variable(recorded_suite):
    # $CI makes Hypothesis load its "ci" profile; replay must draw the same examples either way.
    plain = recorded_suite.run("--models=nova-lite", select="core.yaml::temperature")
    in_ci = recorded_suite.run("--models=nova-lite", select="core.yaml::temperature", env={"CI": "false"})
    assert plain.code == in_ci.code == 0, plain.output + in_ci.output

    def values(run):
        return [json.dumps(r["params"]) for r in run.results["results"]]

    assert values(plain) == values(in_ci) and len(values(plain)) == 6
    assert {r["verdict"] for r in plain.results["results"]} == {"agrees"}
