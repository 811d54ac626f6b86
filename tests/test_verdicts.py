"""One place decides verdicts: the documented level decides what each observation means."""
import pytest

from conformance.findings import ACCEPTED, ERROR, HONOURED, IGNORED, REJECTED, UNANSWERED, UNCLEAR, Finding
from conformance.verdicts import judge


@pytest.mark.parametrize("level, observed, status, verdict", [
    ("Full", HONOURED, None, "agrees"),
    ("Full", IGNORED, None, "differs"),
    ("Full", REJECTED, 400, "differs"),
    ("Full", ERROR, None, "differs"),
    ("Full", REJECTED, 429, "inconclusive"),  # throttling says nothing about the parameter
    ("Full", REJECTED, 503, "inconclusive"),  # nor does an overloaded upstream
    ("Full", REJECTED, 529, "inconclusive"),
    ("Full", REJECTED, 500, "differs"),       # a server error on a valid request is a defect
    ("Full", ACCEPTED, None, "agrees"),       # acceptance is what a Full sampling parameter promises
    ("Ignored", ACCEPTED, None, "inconclusive"),  # but for Ignored the effect is the point
    ("Full", UNANSWERED, None, "inconclusive"),
    ("Full", UNCLEAR, None, "inconclusive"),
    ("Ignored", IGNORED, None, "agrees"),
    ("Ignored", HONOURED, None, "differs"),   # an effect the docs say it lacks
    ("Ignored", REJECTED, 400, "differs"),
    ("Partial", IGNORED, None, "inconclusive"),
    ("✓", HONOURED, None, "agrees"),
    ("✗", REJECTED, 400, "agrees"),
    ("✗", HONOURED, None, "differs"),
])
def test_documented_levels(level, observed, status, verdict):
    assert judge(level, Finding(observed, "why", status))[0] == verdict


@pytest.mark.parametrize("observed, status, verdict", [
    (REJECTED, 400, "agrees"),        # a clean rejection of a value outside the range
    (REJECTED, 500, "differs"),       # a server error is not a clean rejection
    (HONOURED, None, "inconclusive"),  # accepted: the docs promise nothing there
])
def test_outside_the_documented_range(observed, status, verdict):
    assert judge("Full", Finding(observed, "why", status), documented=False)[0] == verdict


def test_a_refused_model_is_a_difference_only_on_rows_about_the_model():
    refused = Finding(REJECTED, "rejected: HTTP 400 'model nova-lite is not supported'", 400, about_model=True)
    assert judge("Full", refused, row_is_about_the_model=True)[0] == "differs"
    assert judge("✓", refused, row_is_about_the_model=True)[0] == "differs"
    verdict, reason = judge("Full", refused, row_is_about_the_model=False)
    assert verdict == "inconclusive" and "refused the model itself" in reason
    # a model the docs do not list: its refusal contradicts nothing
    assert judge("✓", refused, row_is_about_the_model=True, model_is_documented=False)[0] == "inconclusive"
