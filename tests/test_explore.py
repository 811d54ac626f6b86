"""Documented ranges: boundary values are fixed, and replay draws the same ones wherever it runs."""
import json

from conformance.cases import Explore
from conformance.explore import boundary_values, explore


def test_boundary_values():
    assert boundary_values(Explore("temperature", "number", 0, 1, 0.01)) == [0, 0.01, 0.99, 1, -0.01, 1.01]
    assert boundary_values(Explore("max_tokens", "integer", 1, 4096, 1)) == [1, 2, 4095, 4096, 0, 4097]


def test_without_random_draws_only_the_boundaries_run():
    seen = []
    explore(Explore("top_p", "number", 0, 1, 0.01), lambda v: seen.append(v) or True, "x", random_draws=0, search=False)
    assert sorted(seen) == sorted(boundary_values(Explore("top_p", "number", 0, 1, 0.01)))


def test_live_draws_add_random_values_around_the_range():
    seen = []
    e = Explore("temperature", "number", 0, 1, 0.01)
    explore(e, lambda v: seen.append(v) or True, "x", random_draws=20, search=False)
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


def test_draws_are_distinct_and_never_repeat_a_boundary_or_negative_zero():
    seen = []
    e = Explore("temperature", "number", 0, 1, 0.01)
    explore(e, lambda v: seen.append(v) or True, "x", random_draws=30)
    assert len(seen) == len(set(seen)) and len(seen) >= 30
    assert all(str(v) != "-0.0" for v in seen)
    narrow = Explore("n", "integer", 1, 3, 1)
    values = []
    explore(narrow, lambda v: values.append(v) or True, "y", random_draws=50, search=False)
    assert len(values) == len(set(values))


def server_accepting(low, high):
    probed = []

    def probe(value):
        probed.append(value)
        return low <= value <= high
    return probe, probed


def test_the_search_finds_a_limit_above_the_documented_one():
    probe, probed = server_accepting(1, 8192)
    observed = explore(Explore("max_tokens", "integer", 1, 4096, 1), probe, "s", random_draws=0)
    assert observed["accepted"] == [1, 8192] and observed["refused_above"] == 8193
    assert observed["refused_below"] == 0 and len(probed) < 30


def test_the_search_finds_a_limit_inside_the_documented_range():
    probe, _ = server_accepting(0, 0.5)
    observed = explore(Explore("temperature", "number", 0, 1, 0.01), probe, "t", random_draws=0)
    assert observed["accepted"][1] == 0.5 and observed["refused_above"] == 0.51


def test_the_search_stops_at_its_cap_on_a_server_that_takes_anything():
    probe, probed = server_accepting(-10**9, 10**9)
    observed = explore(Explore("temperature", "number", 0, 1, 0.01), probe, "u", random_draws=0)
    assert observed["search_capped"] is True and observed["refused_above"] is None and len(probed) < 40


def test_a_server_that_holds_the_documented_range_needs_no_search():
    probe, probed = server_accepting(0, 1)
    observed = explore(Explore("top_p", "number", 0, 1, 0.01), probe, "v", random_draws=0)
    assert observed["accepted"] == [0, 1]
    assert sorted(probed) == sorted(boundary_values(Explore("top_p", "number", 0, 1, 0.01)))
