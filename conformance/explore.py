"""Exploring a documented range: fixed boundary values, distinct random draws, and a search for
the range the server really accepts.

- Boundary values (min, just above min, just below max, max, just outside each end) and a case's
  own `examples` are cheap and deterministic: recorded and replayed.
- Random draws (live runs only, since a new draw has no cassette) come from Hypothesis, all
  distinct and none equal to a value already probed. Settings are explicit so that the CI profile
  (loaded whenever $CI exists) cannot change what is drawn.
- The observed boundary: where the documented end is accepted and the value beyond it too, the
  search widens until a value is refused, then bisects to the step, so the report can show the
  real limit (e.g. max_tokens 8192 where the docs say 4096) beside the documented one. Each
  search step is an ordinary probe, decided by what came back, so it replays like any other.
"""
import zlib
from dataclasses import dataclass, field

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from .cases import Explore

# How far past a documented end the search looks, in spans of the documented range.
SEARCH_SPANS = {"integer": 64, "number": 8}


def clean(value: float, kind: str):
    """One spelling per value: integers as int, numbers rounded, and never -0.0."""
    value = int(round(value)) if kind == "integer" else round(value, 6)
    return value + 0 if value == 0 else value  # -0.0 + 0 is 0.0


def boundary_values(e: Explore) -> list:
    candidates = [e.min, e.min + e.step, e.max - e.step, e.max, e.min - e.step, e.max + e.step, *e.examples]
    out = []
    for v in candidates:
        v = clean(v, e.type)
        if v not in out:
            out.append(v)
    return out


def in_range(e: Explore, value) -> bool:
    return e.min <= value <= e.max


def strategy(e: Explore):
    """Mostly inside the range, sometimes a little outside it."""
    span = e.max - e.min
    if e.type == "integer":
        return st.integers(int(e.min - max(1, span * 0.1)), int(e.max + max(1, span * 0.1)))
    return st.floats(e.min - span * 0.1, e.max + span * 0.1, allow_nan=False).map(lambda v: clean(v, e.type))


def random_values(e: Explore, stable_name: str, count: int, exclude: list) -> list:
    """Up to `count` distinct draws, none in `exclude`. Hypothesis is only asked for values here
    (no request is sent while drawing), so it runs a few times more examples than needed and
    the first distinct ones are kept: its earliest examples are its simplest."""
    if count <= 0:
        return []
    drawn: list = []

    @settings(database=None, deadline=None, max_examples=count * 5, phases=[Phase.generate], derandomize=False,
              suppress_health_check=list(HealthCheck))
    @seed(zlib.crc32(stable_name.encode()))
    @given(strategy(e))
    def draw(value):
        if value not in exclude and value not in drawn:
            drawn.append(value)

    draw()
    return drawn[-count:]  # the later, more varied draws


@dataclass
class ObservedRange:
    """What the server accepted around the documented range, for the report."""
    documented: tuple
    accepted: list = field(default_factory=list)
    refused: list = field(default_factory=list)
    capped: bool = False  # the search stopped at its limit with the value still accepted

    def summary(self) -> dict:
        accepted_low = min(self.accepted, default=None)
        accepted_high = max(self.accepted, default=None)
        out = {"documented": list(self.documented), "accepted": [accepted_low, accepted_high],
               "refused_below": max((v for v in self.refused if accepted_low is None or v < accepted_low),
                                    default=None),
               "refused_above": min((v for v in self.refused if accepted_high is None or v > accepted_high),
                                    default=None),
               "probes": len(self.accepted) + len(self.refused)}
        if self.capped:
            out["search_capped"] = True
        return out


def _bisect(e: Explore, accepted, inside, outside) -> None:
    """Narrow the gap between an accepted value (inside) and a refused one (outside) to one step,
    probing only values on the step grid (inside + k * step)."""
    low, high = 0, round(abs(outside - inside) / e.step)
    sign = 1 if outside > inside else -1
    while high - low > 1:
        middle = (low + high) // 2
        verdict = accepted(clean(inside + sign * middle * e.step, e.type))
        if verdict is None:
            return  # neither accepted nor refused (e.g. no answer): stop rather than guess
        if verdict:
            low = middle
        else:
            high = middle


def _search_end(e: Explore, accepted, end, direction: int, observed: ObservedRange) -> None:
    """From a documented end, find where acceptance stops on that side."""
    beyond = clean(end + direction * e.step, e.type)
    if accepted(end) is False:  # the documented end itself is refused: the limit is inside the range
        inside = next((v for v in sorted(observed.accepted, key=lambda v: -direction * v) if in_range(e, v)), None)
        if inside is not None:
            _bisect(e, accepted, inside, end)
        return
    if accepted(end) is None or accepted(beyond) is not True:
        return  # the documented end holds exactly (or the probes could not tell)
    span, inside = e.max - e.min, beyond
    for k in range(0, 32):
        further = clean(end + direction * span * (2 ** k) / 2 ** 3, e.type)
        if direction * (further - end) > SEARCH_SPANS[e.type] * span:
            observed.capped = True
            return
        if direction * (further - inside) <= 0:
            continue
        verdict = accepted(further)
        if verdict is None:
            return
        if not verdict:
            _bisect(e, accepted, inside, further)
            return
        inside = further


def explore(e: Explore, probe, stable_name: str, random_draws: int, search: bool = True) -> dict:
    """Call probe(value) for every boundary value and example, then `random_draws` distinct random
    values, then the boundary search. probe returns True (accepted), False (refused) or None (could
    not tell). Returns the observed range's summary."""
    observed = ObservedRange((e.min, e.max))
    outcomes: dict = {}

    def accepted(value):
        value = clean(value, e.type)
        if value not in outcomes:
            outcomes[value] = probe(value)
            if outcomes[value] is True:
                observed.accepted.append(value)
            elif outcomes[value] is False:
                observed.refused.append(value)
        return outcomes[value]

    fixed = boundary_values(e)
    for value in fixed:
        accepted(value)
    for value in random_values(e, stable_name, random_draws, fixed):
        accepted(value)
    if search:
        _search_end(e, accepted, clean(e.max, e.type), +1, observed)
        _search_end(e, accepted, clean(e.min, e.type), -1, observed)
    return observed.summary()
