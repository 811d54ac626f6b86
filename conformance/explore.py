"""Exploring a documented range with Hypothesis.

Boundary values (min, just above min, just below max, max, just outside each end) are explicit
examples: cheap, deterministic, recorded and replayed. Random draws run only live, since a new
draw has no cassette. Settings are explicit so that the CI profile (loaded whenever $CI exists)
cannot change what is drawn.
"""
import zlib

from hypothesis import HealthCheck, Phase, example, given, seed, settings
from hypothesis import strategies as st

from .cases import Explore


def _clean(value: float, kind: str):
    return int(round(value)) if kind == "integer" else round(value, 6)


def boundary_values(e: Explore) -> list:
    candidates = [e.min, e.min + e.step, e.max - e.step, e.max, e.min - e.step, e.max + e.step]
    out = []
    for v in candidates:
        v = _clean(v, e.type)
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
    return st.floats(e.min - span * 0.1, e.max + span * 0.1, allow_nan=False).map(lambda v: round(v, 3))


def explore(e: Explore, probe, stable_name: str, random_draws: int) -> None:
    """Call probe(value) for every boundary value, then for `random_draws` random values."""
    phases = [Phase.explicit, Phase.generate] if random_draws else [Phase.explicit]

    @settings(database=None, deadline=None, max_examples=max(random_draws, 1), phases=phases,
              derandomize=False, suppress_health_check=list(HealthCheck), report_multiple_bugs=False)
    @seed(zlib.crc32(stable_name.encode()))
    @given(strategy(e))
    def run(value):
        probe(value)

    for value in reversed(boundary_values(e)):
        run = example(value)(run)
    run()
