"""The noise floor every effect check shares: no effect inside the controls' spread, an effect only
clearly outside it, unclear in between."""
import pytest

from conformance.checks.band import BETWEEN, EFFECT, NO_EFFECT, band


def test_inside_the_controls_spread_is_no_effect():
    assert band(12, [11, 12, 14]).outcome == NO_EFFECT
    assert band(7, [7]).outcome == NO_EFFECT


def test_clearly_outside_is_an_effect_either_way():
    assert band(412, [3, 4, 3]).outcome == EFFECT
    assert band(412, [3, 4, 3]).direction == 1
    assert band(0, [10, 10, 10]).outcome == EFFECT
    assert band(0, [10, 10, 10]).direction == -1


def test_just_outside_is_unclear_never_no_effect():
    # one control, a value a little above it: what the old fixed rule (2x + 20) read as "ignored"
    assert band(40, [30]).outcome == BETWEEN
    assert band(12, [11]).outcome == BETWEEN  # the absolute minimum: off by one is what models vary by
    assert band(45, [11]).outcome == EFFECT


def test_the_margin_grows_with_the_controls_spread():
    # controls that differ by 20 among themselves: 20 beyond the highest is not yet clearly outside
    assert band(50, [10, 20, 30]).outcome == BETWEEN
    assert band(51, [10, 20, 30]).outcome == EFFECT


def test_the_margin_grows_with_the_value():
    # a quarter of the larger figure: 1,100 against 1,000 is within what a long answer varies by
    assert band(1100, [1000]).outcome == BETWEEN
    assert band(1400, [1000]).outcome == EFFECT


def test_the_reason_names_both_figures():
    said = band(40, [30, 31]).said("completion_tokens")
    assert "completion_tokens 40 against 30-31 without it" in said and "more than 10" in said


def test_a_band_needs_a_control():
    with pytest.raises(ValueError):
        band(1, [])
