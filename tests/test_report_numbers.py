"""The report's speed does not change what it says: the compiled check of results.json accepts
exactly what jsonschema accepts (a refusal is named by jsonschema, as before), a schema whose
keywords the compiled check would misread has none, and the bodies' JSON block reads back as the
same values. Speed itself is measured by `nox -s benchmark`, which prints figures and asserts none."""
import copy
import json
import re
from pathlib import Path

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.docs import load_docs
from conformance.report.render import params_key, render
from conformance.results import Result, document, parse_json
from conformance.schema import fast_validator, first_error, is_valid_fast, schema

ROOT = Path(__file__).resolve().parent.parent
DOCS = load_docs(ROOT / "cases" / "docs-tables.yaml")


def valid_document() -> dict:
    results = [Result(target="t", mode="live", model="m1", case_id="stop", test_id="x::stop[m1]", row="core.stop",
                      table="core", documented="Full", observed="honoured", verdict="agrees", reason="ok",
                      status=200, evidence={"requests": [{"role": "probe", "status": 200, "summary": "HTTP 200",
                                                          "request": {"stop": ["7"]}, "chunk_count": 3,
                                                          "throttled": [{"status": 429, "headers": {"retry-after": "1"},
                                                                         "request_id": "r", "waited_s": 1.0}]}]},
                      sdk={"name": "openai-python", "version": "3.0"})]
    return json.loads(json.dumps(document({"target": "t", "mode": "live", "models": ["m1"]}, DOCS.data, results)))


# Places a damaged value can go, and values of every JSON kind (bool beside 1, 1.0 beside 1: the
# places where the two validators' readings could part).
PLACES = [("version",), ("format",), ("run",), ("run", "mode"), ("run", "target"), ("run", "models"),
          ("run", "exit_status"), ("results",), ("results", 0), ("results", 0, "verdict"), ("results", 0, "status"),
          ("results", 0, "expected"), ("results", 0, "sdk"), ("results", 0, "sdk", "name"), ("results", 0, "params"),
          ("results", 0, "evidence", "requests"), ("results", 0, "evidence", "requests", 0, "status"),
          ("results", 0, "evidence", "requests", 0, "chunk_count"), ("docs", "tables", 0, "rows"), ("docs",),
          ("results", 0, "evidence", "requests", 0, "throttled"),
          ("results", 0, "evidence", "requests", 0, "throttled", 0, "headers"),
          ("results", 0, "evidence", "requests", 0, "throttled", 0, "waited_s")]
VALUES = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.sampled_from([1.0, 2.5, 3.0]),
                   st.sampled_from(["", "agrees", "live", "heroku-conformance-results", "x"]),
                   st.lists(st.integers(0, 2), max_size=2), st.dictionaries(st.sampled_from(["name", "a"]),
                                                                            st.integers(0, 1), max_size=2))


def step(node, key):
    """node[key] where there is such a place (an earlier damage may have removed it), else None."""
    if isinstance(node, dict) and isinstance(key, str):
        return node.get(key)
    if isinstance(node, list) and isinstance(key, int) and key < len(node):
        return node[key]
    return None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damage=st.lists(st.tuples(st.sampled_from(PLACES), VALUES, st.booleans()), min_size=1, max_size=3))
def test_the_compiled_check_accepts_exactly_what_jsonschema_accepts(damage):
    data = valid_document()
    for path, value, delete in damage:
        node = data
        for key in path[:-1]:
            node = step(node, key)
        if isinstance(node, dict) and delete:
            node.pop(path[-1], None)
        elif step(node, path[-1]) is not None or isinstance(node, dict):
            node[path[-1]] = copy.deepcopy(value)
    full = not list(jsonschema.Draft202012Validator(schema("results")).iter_errors(data))
    assert is_valid_fast(data, "results") == full
    assert (first_error(data, "results") is None) == full


def test_the_results_schema_is_compiled_and_a_schema_with_2020_keywords_is_not():
    assert fast_validator("results") is not None
    assert fast_validator("cases") is None  # dependentRequired, $ref into $defs: jsonschema alone reads them


def test_a_refused_file_is_named_by_jsonschema_as_before():
    data = valid_document()
    data["results"][0]["status"] = "200"
    assert first_error(data, "results").message == "'200' is not of type 'integer', 'null'"


def test_the_429s_a_request_met_are_checked_and_a_file_without_them_still_reads():
    data = valid_document()
    assert first_error(data, "results") is None
    assert '"throttled":[{"status":429,"headers":{"retry-after":"1"}' in render(data)  # shown in the evidence's JSON
    data["results"][0]["evidence"]["requests"][0]["throttled"][0]["headers"] = "retry-after: 1"
    assert first_error(data, "results").message == "'retry-after: 1' is not of type 'object'"
    del data["results"][0]["evidence"]["requests"][0]["throttled"]  # as every file written before them
    assert first_error(data, "results") is None


def test_the_bodies_block_reads_back_as_the_same_values_and_holds_no_markup():
    data = valid_document()
    hostile = {"messages": ["</script><script>window.x=1</script>", "a & b > c", "\u2028", "naïve ✓"]}
    data["results"][0]["evidence"]["requests"][0]["request"] = hostile
    del data["results"][0]["evidence"]["requests"][0]["throttled"]  # the request's body alone
    html = render(data)
    block = re.search(r'<script type="application/json" id="bodies">(.*?)</script>', html, re.S).group(1)
    assert "<" not in block and ">" not in block and "&" not in block
    assert json.loads(block) == [{"request": hostile}]


@pytest.mark.parametrize("raw", [b'{"a": NaN}', b'{"a": 1}'])
def test_what_orjson_refuses_json_still_reads(raw):
    assert parse_json(raw) == json.loads(raw)


def test_explored_values_equal_in_python_but_not_in_json_are_two_probes():
    keys = [params_key(p) for p in ({"t": 1}, {"t": 1.0}, {"t": True}, {"t": "1"}, {"t": [1]}, {"t": [True]})]
    assert len(set(keys)) == len(keys)
    assert params_key({"a": 1, "b": 2}) == params_key({"b": 2, "a": 1})
