"""What a test's results mean for the run, decided once, here, and written into each result:
`expected` (true, or false: this result fails the run) and, where a profile expected a difference,
`known` (why). The pytest face, the report, the badge and the exit status all read this answer.

A result is unexpected when it differs where no known difference covers it, when a known difference
is gone (the claim no longer differs), when the harness could not finish the probe, or when no
answer could be obtained (no answer, throttled, past the deadline or budget). A result that differs
where the target's profile says it does, or where its case is marked `xfail` (the docs contradict
themselves), is expected. Not recorded is expected: replay cannot say more, and the reason says how
to record it.
"""
from dataclasses import dataclass

from .verdicts import DIFFERS, NOT_RECORDED

PASSED, FAILED, SKIPPED, XFAILED = "passed", "failed", "skipped", "xfailed"


@dataclass(frozen=True)
class KnownDifference:
    why: str
    claims: frozenset | None  # the claims expected to differ; None: any row of the case
    strict: bool = True       # a known difference that is gone fails (a case marked xfail is not strict)

    def covers(self, claim: str) -> bool:
        return self.claims is None or claim in self.claims


@dataclass(frozen=True)
class TestOutcome:
    """What one test (a case on one model) comes to: passed, failed, skipped or xfailed, and why."""
    status: str
    message: str = ""


def _params(result) -> str:
    return "".join(f" [{k}={v}]" for k, v in result.params.items())


def _mark(results, expected: bool, known: str | None = None) -> None:
    for r in results:
        r.expected = expected
        if known:
            r.known = known


def decide(results: list, known: KnownDifference | None) -> TestOutcome:
    """Mark each result of one test expected or not, and say what the test comes to."""
    _mark(results, True)
    _mark([r for r in results if not r.obtained], False)
    broken = [r for r in results if r.evidence.get("harness_error")]
    if broken:
        _mark(broken, False)
        return TestOutcome(FAILED, f"harness error, recorded as inconclusive: {broken[0].evidence['harness_error']}")
    differs = [r for r in results if r.verdict == DIFFERS]
    missing = [r for r in results if r.verdict == NOT_RECORDED]
    gone, covered = "", []
    if known is not None:
        covered = [r for r in differs if known.covers(r.row)]
        _mark(covered, True, known.why)
        differs = [r for r in differs if not known.covers(r.row)]
        if not missing and known.strict:
            gone = _gone(results, covered, known)
    _mark(differs, False)
    if differs:
        lines = [f"{r.row} ({r.documented}){_params(r)}: {r.reason}" for r in differs]
        return TestOutcome(FAILED, "differs from the docs:\n  " + "\n  ".join(lines))
    if gone:
        return TestOutcome(FAILED, gone)
    unobtained = [r for r in results if not r.obtained]
    if unobtained:  # nothing could be learnt (no answer, throttled, past the deadline): the test says so too
        return TestOutcome(FAILED, f"could not be obtained: {unobtained[0].reason}")
    if missing:
        return TestOutcome(SKIPPED, missing[0].reason)
    if covered:
        return TestOutcome(XFAILED, known.why)  # differs exactly where it is known to, and nowhere else
    return TestOutcome(PASSED)


def _gone(results: list, covered: list, known: KnownDifference) -> str:
    """Why a strict known difference no longer holds (its results marked unexpected), or ""."""
    if not covered:
        _mark(results, False)
        return (f"a known difference is gone, nothing differs now: {known.why} (remove it from the profile's "
                "known_differences)")
    still = {r.row for r in covered}
    gone = sorted(c for c in (known.claims or ()) if c not in still)
    if gone:
        _mark([r for r in results if r.row in gone], False)
        return f"a known difference is gone: {', '.join(gone)} no longer differs ({known.why})"
    return ""


def unexpected(results: list) -> list:
    """The results that fail the run."""
    return [r for r in results if getattr(r, "expected", True) is False]
