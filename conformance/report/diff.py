"""A run against a previous one: what got worse and what got better, per claim and model.

Compared cell by cell (target, client, claim, model; a client's name, not its version, so that a run
with a newer SDK is compared with the last one): a claim's verdict is the one that matters most among
its results (differs, then agrees, then not recorded, then inconclusive), so explored values that
vary from run to run do not make noise. Regressions come first: a claim that agreed and now
differs, then a claim that newly differs (it had no verdict or no decision before); then fixes
(differed, now agrees); then decisions lost (agreed or differed, now undecided or gone). Only the
targets, models and claims the new run tested are compared: a narrowed run loses nothing it left out.
"""
from dataclasses import dataclass

from ..results import sdk_name

ORDER = ("differs", "agrees", "not recorded", "inconclusive")
DECIDED = ("agrees", "differs")

KINDS = {
    "regression": "agreed before, differs now",
    "new difference": "differs now, undecided or absent before",
    "fix": "differed before, agrees now",
    "lost": "decided before, undecided or absent now",
}


@dataclass(frozen=True)
class Change:
    kind: str
    target: str
    claim: str
    model: str
    before: str | None   # None: the baseline had no result for it
    after: str | None
    reason: str          # the new result's reason (the old one's when the result is gone)
    sdk: str = "openai-python"  # the client the results went through

    @property
    def is_regression(self) -> bool:
        return self.kind in ("regression", "new difference")


def claim_verdicts(results: list[dict]) -> dict[tuple, dict]:
    """(target, claim, model, client) -> the result whose verdict matters most."""
    out: dict[tuple, dict] = {}
    for r in results:
        key = (r["target"], r["row"], r["model"], sdk_name(r))
        if key not in out or ORDER.index(r["verdict"]) < ORDER.index(out[key]["verdict"]):
            out[key] = r
    return out


def kind_of(before: str | None, after: str | None) -> str | None:
    if after == "differs":
        return "regression" if before == "agrees" else None if before == "differs" else "new difference"
    if after == "agrees" and before == "differs":
        return "fix"
    if before in DECIDED and after not in DECIDED:
        return "lost"
    return None


def compare(old: list[dict], new: list[dict], pair_targets: bool = True) -> list[Change]:
    """Changes from the old results to the new, regressions first. When each side holds one target
    under different names (a relabelled run), they are compared with each other."""
    before, after = claim_verdicts(old), claim_verdicts(new)
    old_targets, new_targets = {k[0] for k in before}, {k[0] for k in after}
    if pair_targets and len(old_targets) == 1 and len(new_targets) == 1 and old_targets != new_targets:
        (new_name,) = new_targets
        before = {(new_name, c, m, sdk): r for (_, c, m, sdk), r in before.items()}
    # What the new run looked at: a narrowed run (some models, some cases, some clients) loses nothing it left out.
    new_models = {(k[0], k[2]) for k in after}
    new_claims = {(k[0], k[1]) for k in after}
    new_clients = {(k[0], k[3]) for k in after}
    changes = []
    for key in sorted(before.keys() | after.keys()):
        if (key[0], key[2]) not in new_models or (key[0], key[1]) not in new_claims \
                or (key[0], key[3]) not in new_clients:
            continue  # a target, model, claim or client this run did not test: nothing to compare it with
        b, a = before.get(key), after.get(key)
        kind = kind_of(b and b["verdict"], a and a["verdict"])
        if kind:
            reason = (a or b)["reason"]
            changes.append(Change(kind, key[0], key[1], key[2], b and b["verdict"], a and a["verdict"],
                                  reason.splitlines()[0] if reason else "", key[3]))
    rank = list(KINDS)
    return sorted(changes, key=lambda c: (rank.index(c.kind), c.target, c.claim, c.model, c.sdk))


def summary_line(changes: list[Change], baseline: str) -> str:
    counts = {k: sum(1 for c in changes if c.kind == k) for k in KINDS}
    return (f"against {baseline}: {counts['regression']} regression(s), {counts['new difference']} new "
            f"difference(s), {counts['fix']} fix(es), {counts['lost']} decision(s) lost")
