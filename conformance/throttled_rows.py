"""The rate-limit row, decided from every throttled answer a run met, once every test is in.

A 429 is never a case's observation: the sender waits it out and sends again, keeping what it said
(wire/sender.py), and each result's evidence keeps those notes (`evidence.requests[].throttled`).
Which case meets one is chance, so the row of the check `back_off_signals` is decided from all of
them on its model: any 429 with nothing to back off by contradicts "a throttled answer says when to
try again"; every one saying it bears it out, counted; none met anywhere leaves it unclear.
"""
import json
from collections import defaultdict

from .checks.errors import BACK_OFF_EVIDENCE, back_off_finding, back_off_given
from .findings import UNCLEAR, Finding
from .results import sdk_name
from .verdicts import DIFFERS, JUDGED_TIERS, UNPUBLISHED_SOURCE, judge

EXAMPLE_TESTS = 5  # test ids named in the evidence


def throttled_answers(results: list) -> dict[tuple[str, str], list[dict]]:
    """(model, client) -> every 429 the run met on that model through that client, each with the test
    that met it, each once (a probe that speaks to several rows carries the same evidence in each of
    its results). Per client: a replay sends one recording through every client, and each meets the
    same recorded 429s, which are not more 429s from the server."""
    seen, met = set(), defaultdict(list)
    for r in results:
        client = sdk_name(vars(r))
        key = (client, r.test_id, json.dumps(r.params or {}, sort_keys=True, default=str))
        if key in seen:
            continue
        seen.add(key)
        for request in (r.evidence or {}).get("requests") or []:
            notes = request.get("throttled") if isinstance(request, dict) else None  # shards are read back as written
            met[(r.model, client)] += [{**note, "test_id": r.test_id} for note in notes or [] if isinstance(note, dict)]
    return met


def _finding(result, notes: list[dict]) -> Finding:
    if notes:
        return back_off_finding(notes, f"in this run on {result.model} through {sdk_name(vars(result))}")
    shown = ", ".join(f"{k}: {v}" for k, v in sorted((result.evidence.get(BACK_OFF_EVIDENCE) or {}).items()))
    return Finding(UNCLEAR, f"no 429 was met anywhere in this run on {result.model}: nothing to judge; rate-limit "
                            f"headers of an ordinary answer: {shown or 'none'}")


def _summary(notes: list[dict]) -> dict:
    """How many 429s the run met on the model, how many were waited out, the tests that met them, and
    an example: the first with nothing to back off by, else the first."""
    summary = {"count": len(notes), "retried": sum(1 for n in notes if "waited_s" in n),
               "tests": list(dict.fromkeys(n["test_id"] for n in notes))[:EXAMPLE_TESTS]}
    if notes:
        summary["example"] = next((n for n in notes if not back_off_given(n.get("headers") or {})), notes[0])
    return summary


def decide_back_off_rows(results: list, promise_of, known: dict[str, str] | None = None) -> list:
    """Re-decide (in place) the results of back_off_signals (its evidence key marks them) from every 429
    the run met on their model; returns them. `promise_of(result)` is the promise its claim makes;
    `known` the target's known differences by claim id. With no 429 met anywhere, a result whose own
    request got no ordinary answer (none, a refusal) keeps its finding."""
    known = known or {}
    met = throttled_answers(results)
    decided = []
    for r in results:
        if BACK_OFF_EVIDENCE not in (r.evidence or {}):
            continue
        notes = met.get((r.model, sdk_name(vars(r))), [])
        if not notes and r.observed != UNCLEAR:
            continue
        finding = _finding(r, notes)
        r.observed = finding.observed
        r.verdict, r.reason = judge(promise_of(r), finding)
        r.status, r.obtained = None, True
        r.expected = r.verdict != DIFFERS or r.row in known
        r.known = f"known difference ({r.row}): {known[r.row]}" if r.verdict == DIFFERS and r.row in known else None
        r.evidence = {**r.evidence, "throttled_in_run": _summary(notes)}
        decided.append(r)
    return decided


def promise_from_data(docs_data: dict):
    """promise_of for results read back without the docs loaded (a killed run's shards): the level's
    promise, or unpublished-source for a claim of a page Heroku has not published."""
    promises = {level: spec["promise"] for level, spec in docs_data.get("levels", {}).items()}
    tiers = {f"{t['id']}.{r['id']}": r.get("tier", t.get("tier", "heroku"))
             for t in docs_data["tables"] for r in t["rows"]}
    return lambda r: (promises.get(r.documented, "observe-only") if tiers.get(r.row, "heroku") in JUDGED_TIERS
                      else UNPUBLISHED_SOURCE)
