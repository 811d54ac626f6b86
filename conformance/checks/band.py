"""The noise floor of an effect: one measure taken with a parameter (the probe) against the same
measure taken without it (the controls), e.g. completion tokens, prompt tokens, repeats of a word.

A model varies by itself, so a difference is only an effect when it stands clear of that variation:

- inside the controls' own range, lowest to highest: no effect (the controls differ this much too);
- beyond that range by more than a margin: an effect. The margin is the largest of
  * the controls' spread (highest - lowest): an outlier must stand as far again from them as they
    stand from each other;
  * RELATIVE of the larger of the value and the nearest control: a few tokens more on a long
    answer are not an effect;
  * MINIMUM: a count off by one or two is what a model varies by, even when the controls agree;
- in between: unclear, never "no effect" and never "an effect".

A single control has no spread: then only the same value is "no effect", and the margin is the
relative one or MINIMUM.
"""
from dataclasses import dataclass

NO_EFFECT, EFFECT, BETWEEN = "no effect", "effect", "between"
RELATIVE = 0.25
MINIMUM = 3


@dataclass(frozen=True)
class Band:
    outcome: str  # NO_EFFECT, EFFECT or BETWEEN
    value: float
    low: float
    high: float
    margin: float

    @property
    def direction(self) -> int:
        """+1 above the controls, -1 below them, 0 inside."""
        return 1 if self.value > self.high else -1 if self.value < self.low else 0

    def said(self, measure: str, controls: str = "without it") -> str:
        """`completion_tokens 14 against 11-12 without it (an effect needs more than 3 beyond that)`."""
        seen = _n(self.low) if self.low == self.high else f"{_n(self.low)}-{_n(self.high)}"
        return (f"{measure} {_n(self.value)} against {seen} {controls} (an effect needs more than "
                f"{_n(self.margin)} beyond that)")


def _n(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:.1f}"


def band(value: float, controls: list[float], relative: float = RELATIVE, minimum: float = MINIMUM) -> Band:
    """Where `value` stands against the controls' values: NO_EFFECT, EFFECT or BETWEEN (module docstring)."""
    if not controls:
        raise ValueError("a band needs at least one control")
    low, high = min(controls), max(controls)
    nearest = high if value > high else low
    margin = max(high - low, relative * max(abs(value), abs(nearest)), minimum)
    if low <= value <= high:
        outcome = NO_EFFECT
    elif abs(value - nearest) > margin:
        outcome = EFFECT
    else:
        outcome = BETWEEN
    return Band(outcome, value, low, high, margin)
