"""One place decides verdicts: what each documented level promises, as a table.

The table below is the whole rule book: every promise against every observation. Levels reach a
promise through the registry (`levels:` in cases/docs-tables.yaml), so those are checked too.
"""
import pytest
from conftest import ROOT

from conformance.docs import load_docs
from conformance.findings import ACCEPTED, ERROR, HONOURED, IGNORED, REJECTED, UNANSWERED, UNCLEAR, Finding
from conformance.verdicts import PROMISES, judge

A, D, I = "agrees", "differs", "inconclusive"  # noqa: E741 - short names keep the table readable
# promise -> verdict for honoured, accepted, ignored, rejected (HTTP 400), error
TABLE = {
    "accepted-with-effect":    (A, A, D, D, D),
    "works-on-this-model":     (A, A, D, D, D),
    "partly-with-effect":      (A, A, I, I, D),
    "accepted-without-effect": (D, I, A, D, D),
    "not-supported":           (D, I, A, A, D),
    "rejected":                (A, D, D, D, D),
    "limitation-holds":        (A, I, D, I, D),
    "limitation-lifted":       (D, I, A, I, D),  # a card's listing against a limitation: its opposite
    "observe-only":            (I, I, I, I, I),
    "undocumented":            (I, I, I, A, D),
    "not-held-against-the-docs": (I, I, I, I, I),  # a target profile with claims: observe-only
    "docs-contradict":         (I, I, I, I, I),  # the docs give two levels: one finding, never a difference
    "unpublished-source":      (I, I, I, I, I),  # a draft page or a third party: observed, not judged
    "feature-unknown":         (I, I, I, I, I),  # a model's feature nobody declared: observed, not judged
}
OBSERVED = (HONOURED, ACCEPTED, IGNORED, REJECTED, ERROR)


def test_the_table_covers_every_promise():
    assert set(TABLE) == set(PROMISES)


@pytest.mark.parametrize("promise", sorted(TABLE))
def test_each_promise_against_each_observation(promise):
    seen = tuple(judge(promise, Finding(o, "why", 400 if o == REJECTED else None))[0] for o in OBSERVED)
    assert seen == TABLE[promise]


@pytest.mark.parametrize("promise", sorted(TABLE))
def test_what_no_promise_can_decide(promise):
    for observed in (UNANSWERED, UNCLEAR):
        assert judge(promise, Finding(observed, "why"))[0] == I
    for status in (403, 408, 429, 502, 503, 504, 529):  # throttled, no access, upstream down
        assert judge(promise, Finding(REJECTED, "why", status))[0] == I


OBSERVED_ONLY = {"observe-only", "not-held-against-the-docs", "docs-contradict", "unpublished-source",
                 "feature-unknown"}


@pytest.mark.parametrize("promise", sorted(set(TABLE) - OBSERVED_ONLY))
def test_a_server_error_is_never_a_clean_rejection(promise):
    # The same 500 means the same on every path: as an error, never as the rejection a level wants.
    assert judge(promise, Finding(REJECTED, "why", 500))[0] == judge(promise, Finding(ERROR, "why"))[0] == D
    assert judge(promise, Finding(REJECTED, "why", 500), documented=False)[0] == D


def test_outside_the_documented_range_the_docs_promise_nothing():
    assert judge("accepted-with-effect", Finding(REJECTED, "why", 400), documented=False)[0] == A
    verdict, reason = judge("accepted-with-effect", Finding(HONOURED, "why"), documented=False)
    assert verdict == I and "the docs promise nothing here" in reason


def test_levels_reach_their_promise_through_the_registry():
    docs = load_docs(ROOT / "cases" / "docs-tables.yaml")
    expected = {"Full": "accepted-with-effect", "Partial": "partly-with-effect", "Ignored": "accepted-without-effect",
                "✓": "works-on-this-model", "✗": "not-supported", "Limitation": "limitation-holds"}
    assert {level: docs.promises[level] for level in expected} == expected
    assert docs.claims["limitations.batch-api"].promise == "limitation-holds"
    # A limitation met with an uninterpreted 400 is no difference (it used to be one).
    assert judge(docs.claims["limitations.batch-api"].promise, Finding(REJECTED, "why", 400))[0] == I


def test_an_unknown_promise_is_a_programming_error():
    with pytest.raises(ValueError):
        judge("Full", Finding(HONOURED, "why"))


def test_a_refused_model_is_a_difference_only_on_rows_about_the_model():
    refused = Finding(REJECTED, "rejected: HTTP 400 'model nova-lite is not supported'", 400, about_model=True)
    assert judge("accepted-with-effect", refused, row_is_about_the_model=True)[0] == D
    assert judge("works-on-this-model", refused, row_is_about_the_model=True)[0] == D
    verdict, reason = judge("accepted-with-effect", refused, row_is_about_the_model=False)
    assert verdict == I and "refused the model itself" in reason
    # a model the docs do not list: its refusal contradicts nothing
    assert judge("works-on-this-model", refused, row_is_about_the_model=True, model_is_documented=False)[0] == I
