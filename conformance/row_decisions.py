"""Verdicts a row takes across its parts, decided once every test of a run has finished.

A Partial (or Optional) level promises that some of the row works. One part that does not work says
nothing on its own (verdicts.RULES: inconclusive), so the promise is decided across the row's parts
(its variants, each a test of its own): where every part was tried and none works, "Partial" is
contradicted, and each part of that level differs. Where a part could not tell (unclear, no answer,
not recorded), nothing is decided.
"""
from collections import defaultdict

from .findings import ACCEPTED, HONOURED, IGNORED, REJECTED, UNCLEAR, Finding
from .verdicts import DIFFERS, INCONCLUSIVE, NOT_ABOUT_THE_CLAIM, RULES

PARTLY = "partly-with-effect"
WORKS = (HONOURED, ACCEPTED)
MODEL_REFUSED = "the server refused the model itself"
ROLLED_UP = "rolled-up"  # the case id of results decided from every other row


def _row_of(claim: str) -> str:
    """`advanced.response_format/json_schema` -> `advanced.response_format` (a row's parts share it)."""
    return claim.split("/", 1)[0]


def _does_not_work(result) -> bool:
    """A part seen not working: accepted without effect, or cleanly refused (a 4xx about the request,
    not about access, load or the model itself)."""
    if not result.obtained or result.verdict != INCONCLUSIVE:
        return False
    if result.observed == IGNORED:
        return True
    return (result.observed == REJECTED and result.status is not None and 400 <= result.status < 500
            and result.status not in NOT_ABOUT_THE_CLAIM and MODEL_REFUSED not in result.reason)


def _part_summary(result) -> str:
    part = result.row.split("/", 1)[1] if "/" in result.row else result.row
    return f"{part}: {result.observed}"


def decide_partial_rows(results: list, promises: dict[str, str], known: dict[str, str] | None = None) -> list:
    """Mark the parts of every Partial row where nothing works as differing (in place); returns them.

    `promises` maps each documented level to its promise (the docs data's `levels`); `known` is the
    target's known differences by claim id, which keep such a difference expected."""
    known = known or {}
    rows = defaultdict(list)
    for r in results:
        rows[(r.model, (r.sdk or {}).get("name"), _row_of(r.row), tuple(sorted(r.params.items())))].append(r)
    decided = []
    for parts in rows.values():
        partial = [r for r in parts if promises.get(r.documented) == PARTLY]
        if not partial or any(r.observed in WORKS for r in parts):
            continue
        if not all(_does_not_work(r) for r in partial):
            continue
        seen = "; ".join(_part_summary(r) for r in sorted(parts, key=lambda r: r.row))
        for r in partial:
            r.verdict = DIFFERS
            r.reason = (f"{r.reason}; no part of this row works ({seen}), but {r.documented} says some of it "
                        "does")
            why = known.get(r.row) or known.get(_row_of(r.row))
            r.expected = why is not None
            if why:
                r.known = f"known difference ({r.row}): {why}"
            decided.append(r)
    return decided


def contradicting_observation(promise: str) -> str | None:
    """An observation that is not a server error and makes a promise differ, on its own or (Partial)
    across the parts of its row; None when the promise can only be contradicted by an error."""
    for observed, verdict in RULES[promise].items():
        if verdict == DIFFERS and observed in (HONOURED, ACCEPTED, IGNORED, REJECTED):
            return observed
    if promise == PARTLY:
        return IGNORED  # every part ignored or refused: decide_partial_rows
    return None


def rolled_up_rows(docs_data: dict) -> list[tuple[str, str]]:
    """(claim id, level) of the rows decided from every other row of a run (`rolled_up: true`)."""
    return [(f"{table['id']}.{row['id']}", row.get("level", "")) for table in docs_data["tables"]
            for row in table["rows"] if row.get("rolled_up")]


def roll_up(results: list, docs) -> list:
    """A result per model and client for each rolled-up claim ("fully compatible", "only two
    configuration changes"): contradicted (IGNORED) where any other row differs for that model
    through that client, the rows named; borne out (HONOURED) where at least one row was decided and
    none differs; unclear where nothing was decided. Judged by the claim's own promise (a draft
    page's claim: observed, never judged). Returns the new results (not yet in `results`)."""
    from .results import Result  # here: results imports verdicts, which this module's callers load first
    from .verdicts import judge

    rows = rolled_up_rows(docs.data)
    if not rows or not results:
        return []
    by_pair = defaultdict(list)
    for r in results:
        if not any(r.row == claim for claim, _ in rows):
            by_pair[(r.model, (r.sdk or {}).get("name"))].append(r)
    out = []
    for (model, _), found in by_pair.items():
        differing = sorted({r.row for r in found if r.verdict == DIFFERS})
        decided = [r for r in found if r.verdict in (DIFFERS, "agrees")]
        if differing:
            shown = ", ".join(differing[:6]) + (f" and {len(differing) - 6} more" if len(differing) > 6 else "")
            finding = Finding(IGNORED, f"{len(differing)} row(s) differ on {model}: {shown}")
        elif decided:
            finding = Finding(HONOURED, f"none of the {len(decided)} decided result(s) on {model} differs")
        else:
            finding = Finding(UNCLEAR, f"no row was decided on {model}")
        first = found[0]
        for claim_id, _ in rows:
            claim = docs.claim_for(claim_id, model)
            verdict, reason = judge(claim.promise, finding, level=claim.level)
            out.append(Result(target=first.target, mode=first.mode, model=model, case_id=ROLLED_UP,
                              test_id="(rolled up from every other row of the run)", row=claim.id,
                              table=claim.table, documented=claim.level, observed=finding.observed,
                              verdict=verdict, reason=reason, sdk=first.sdk))
    return out
