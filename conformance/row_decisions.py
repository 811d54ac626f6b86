"""Verdicts a row takes across its parts, decided once every test of a run has finished.

A Partial (or Optional) level promises that some of the row works. One part that does not work says
nothing on its own (verdicts.RULES: inconclusive), so the promise is decided across the row's parts
(its variants, each a test of its own): where every part was tried and none works, "Partial" is
contradicted, and each part of that level differs. Where a part could not tell (unclear, no answer,
not recorded), nothing is decided.

A claim of another page about the whole service ("fully compatible") is rolled up from every other
row the same way, after the fact: the report derives it (`roll_up`), never results.json.
"""
from collections import defaultdict

from .findings import ACCEPTED, HONOURED, IGNORED, REJECTED, UNCLEAR
from .verdicts import (
    DIFFERS,
    INCONCLUSIVE,
    JUDGED_TIERS,
    NOT_ABOUT_THE_CLAIM,
    RULES,
    UNPUBLISHED_SOURCE,
    WHY_INCONCLUSIVE,
)

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


def roll_up(results: list[dict], docs_data: dict) -> list[dict]:
    """Results (as in results.json) for each rolled-up claim ("fully compatible", "only two
    configuration changes"), one per model and client, derived from the others for the report:
    contradicted (ignored) where any other row differs for that model through that client, the rows
    named; borne out (honoured) where some row was decided and none differs; unclear where nothing
    was. A claim of a page Heroku has not published is observed, never judged. Not observations of
    their own, so they are never written into results.json."""
    rows = rolled_up_rows(docs_data)
    promises = {level: spec["promise"] for level, spec in docs_data.get("levels", {}).items()}
    tiers = {f"{t['id']}.{r['id']}": r.get("tier", t.get("tier", "heroku"))
             for t in docs_data["tables"] for r in t["rows"]}
    by_pair = defaultdict(list)
    for r in results:
        if r["row"] not in dict(rows):
            by_pair[(r["model"], (r.get("sdk") or {}).get("name"))].append(r)
    out = []
    for (model, _), found in by_pair.items():
        differing = sorted({r["row"] for r in found if r["verdict"] == DIFFERS})
        decided = [r for r in found if r["verdict"] in (DIFFERS, "agrees")]
        if differing:
            shown = ", ".join(differing[:6]) + (f" and {len(differing) - 6} more" if len(differing) > 6 else "")
            observed, reason = IGNORED, f"{len(differing)} row(s) differ on {model}: {shown}"
        elif decided:
            observed, reason = HONOURED, f"none of the {len(decided)} decided result(s) on {model} differs"
        else:
            observed, reason = UNCLEAR, f"no row was decided on {model}"
        for claim, level in rows:
            promise = promises.get(level, "observe-only") if tiers.get(claim) in JUDGED_TIERS else UNPUBLISHED_SOURCE
            verdict = INCONCLUSIVE if observed == UNCLEAR else RULES[promise][observed]
            why = WHY_INCONCLUSIVE.get(promise) if verdict == INCONCLUSIVE and observed != UNCLEAR else None
            out.append({**{k: found[0].get(k) for k in ("target", "mode", "sdk")}, "model": model,
                        "case_id": ROLLED_UP, "test_id": "(rolled up from every other row)", "row": claim,
                        "table": claim.split(".")[0], "documented": level, "observed": observed,
                        "verdict": verdict, "reason": f"{reason}; {why}" if why else reason, "params": {},
                        "evidence": {}, "tokens": {}, "obtained": True, "expected": True})
    return out
