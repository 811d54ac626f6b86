"""One place decides verdicts: a finding held against what a documented level promises.

Verdicts: agrees, differs, inconclusive, not recorded. Which promise each level makes is data
(`levels:` in cases/docs-tables.yaml); what each promise expects of each observation is the table
RULES below, and nothing else decides.
"""
from .findings import ACCEPTED, ERROR, HONOURED, IGNORED, REJECTED, UNANSWERED, UNCLEAR, Finding

AGREES, DIFFERS, INCONCLUSIVE, NOT_RECORDED = "agrees", "differs", "inconclusive", "not recorded"
VERDICTS = (AGREES, DIFFERS, INCONCLUSIVE, NOT_RECORDED)

# Statuses that say nothing about the claim: no access to this model, a timeout, throttling, and a
# gateway or upstream that is down or overloaded (Anthropic's 529 reaches Heroku users as is).
NOT_ABOUT_THE_CLAIM = {403, 408, 429, 502, 503, 504, 529}

# A level the registry never declares: a value outside a documented range, or a column the docs
# leave empty for a model they do not list.
UNDOCUMENTED_LEVEL = "undocumented"
# A target profile with `claims: observe-only` (a server Heroku's docs say nothing about): every
# claim takes this level and promise, so each observation is shown and none is judged.
OBSERVED_ONLY_LEVEL = "observed only"
NOT_HELD_AGAINST_THE_DOCS = "not-held-against-the-docs"
# A row bound to a model feature (thinking, vision) on a model whose feature nobody declared (an
# ad-hoc target without --features): what it does is shown, never judged.
FEATURE_UNKNOWN_LEVEL = "feature unknown"
FEATURE_UNKNOWN = "feature-unknown"
DOCS_CONTRADICT = "docs-contradict"
LIMITATION_HOLDS = "limitation-holds"
LIMITATION_LIFTED = "limitation-lifted"
UNPUBLISHED_SOURCE = "unpublished-source"
# How sure a claim's source is (`tier` in cases/docs-tables.yaml); only Heroku's published pages are judged.
JUDGED_TIERS = ("heroku",)

# What each promise expects of each observation. A check reports HONOURED when what the row states
# was seen: the effect of a Full parameter, the error a "rejected" claim promises, the limitation
# a Limitation row states. ACCEPTED (accepted with a sound answer, no effect looked for) agrees
# only where acceptance is the promise.
WITH_EFFECT = {HONOURED: AGREES, ACCEPTED: AGREES, IGNORED: DIFFERS, REJECTED: DIFFERS, ERROR: DIFFERS}
RULES = {
    "accepted-with-effect": WITH_EFFECT,
    "works-on-this-model": WITH_EFFECT,
    # Some of it works: a probe of one part that fails does not contradict "Partial".
    "partly-with-effect": {HONOURED: AGREES, ACCEPTED: AGREES, IGNORED: INCONCLUSIVE, REJECTED: INCONCLUSIVE,
                           ERROR: DIFFERS},
    # Accepted, no effect. Having an effect is a difference too: the docs are wrong.
    "accepted-without-effect": {HONOURED: DIFFERS, ACCEPTED: INCONCLUSIVE, IGNORED: AGREES, REJECTED: DIFFERS,
                                ERROR: DIFFERS},
    # Not supported on this model: refused, or accepted without effect; working is a difference.
    "not-supported": {HONOURED: DIFFERS, ACCEPTED: INCONCLUSIVE, IGNORED: AGREES, REJECTED: AGREES,
                      ERROR: DIFFERS},
    # The request is refused as stated (HONOURED); being accepted instead is a difference. A
    # rejection the check could not match to the promise (another status) is its own finding.
    "rejected": {HONOURED: AGREES, ACCEPTED: DIFFERS, IGNORED: DIFFERS, REJECTED: DIFFERS, ERROR: DIFFERS},
    # A known limitation holds (HONOURED) or does not (IGNORED: it works after all, the docs are
    # out of date). An uninterpreted rejection says nothing about it.
    LIMITATION_HOLDS: {HONOURED: AGREES, ACCEPTED: INCONCLUSIVE, IGNORED: DIFFERS, REJECTED: INCONCLUSIVE,
                         ERROR: DIFFERS},
    # A limitation's opposite, as a published model card lists it (thinking on a model the table marks
    # ✗): only ever one listing of a self-contradicting claim, beside the limitation's own.
    LIMITATION_LIFTED: {HONOURED: DIFFERS, ACCEPTED: INCONCLUSIVE, IGNORED: AGREES, REJECTED: INCONCLUSIVE,
                          ERROR: DIFFERS},
    # The docs say nothing checkable: the observation is recorded, never judged.
    "observe-only": {HONOURED: INCONCLUSIVE, ACCEPTED: INCONCLUSIVE, IGNORED: INCONCLUSIVE,
                     REJECTED: INCONCLUSIVE, ERROR: INCONCLUSIVE},
    # The docs give two levels for one thing (devcenter's logprobs): whatever is seen agrees with one
    # listing and contradicts the other, so it is shown beside both and held against neither.
    DOCS_CONTRADICT: {HONOURED: INCONCLUSIVE, ACCEPTED: INCONCLUSIVE, IGNORED: INCONCLUSIVE,
                      REJECTED: INCONCLUSIVE, ERROR: INCONCLUSIVE},
    # A claim read from a draft page or a third party: Heroku has not published it, so it is shown,
    # never judged (only Heroku's own published statements can differ).
    UNPUBLISHED_SOURCE: {HONOURED: INCONCLUSIVE, ACCEPTED: INCONCLUSIVE, IGNORED: INCONCLUSIVE,
                         REJECTED: INCONCLUSIVE, ERROR: INCONCLUSIVE},
    FEATURE_UNKNOWN: {HONOURED: INCONCLUSIVE, ACCEPTED: INCONCLUSIVE, IGNORED: INCONCLUSIVE,
                      REJECTED: INCONCLUSIVE, ERROR: INCONCLUSIVE},
    NOT_HELD_AGAINST_THE_DOCS: {HONOURED: INCONCLUSIVE, ACCEPTED: INCONCLUSIVE, IGNORED: INCONCLUSIVE,
                                REJECTED: INCONCLUSIVE, ERROR: INCONCLUSIVE},
    # Outside a documented range the docs promise nothing; a clean 4xx is what a careful API does.
    UNDOCUMENTED_LEVEL: {HONOURED: INCONCLUSIVE, ACCEPTED: INCONCLUSIVE, IGNORED: INCONCLUSIVE, REJECTED: AGREES,
                         ERROR: DIFFERS},
}
PROMISES = tuple(RULES)
WHY_INCONCLUSIVE = {
    UNDOCUMENTED_LEVEL: "the docs promise nothing here",
    "observe-only": "the docs promise nothing checkable here: observed, not judged",
    NOT_HELD_AGAINST_THE_DOCS: "this target is observed only: Heroku's docs are not held against it",
    DOCS_CONTRADICT: "the docs contradict themselves here: observed, held against neither listing",
    UNPUBLISHED_SOURCE: "this claim is not from a page Heroku published: observed, not judged",
    FEATURE_UNKNOWN: ("whether this model has the feature this row depends on is not known: observed, not judged "
                      "(declare it with --features, e.g. --features thinking=false,vision=true)"),
}


def docs_contradict(observed: str, listings: tuple, listed_by: tuple = ()) -> str:
    """The one finding a self-contradicting claim comes to: which listing the observation bears out.
    `listed_by` names the page of each listing where two pages disagree (a model card and the table)."""
    if listed_by:
        levels = " and ".join(f"{level} by {source}" for (level, _), source in zip(listings, listed_by, strict=True))
    else:
        levels = " and ".join(level for level, _ in listings)
    borne = [level for level, promise in listings if RULES[promise][observed] == AGREES]
    against = [level for level, promise in listings if RULES[promise][observed] == DIFFERS]
    seen = (f"what was seen agrees with the {' and '.join(borne)} listing" if borne else
            "what was seen bears out neither listing")
    if borne and against:
        seen += f" and contradicts the {' and '.join(against)} one"
    return f"{CONTRADICT} (listed as {levels}): {seen}; not held against the service"


CONTRADICT = "the docs contradict themselves"


def contradiction_first(reason: str) -> str:
    """A self-contradiction's reason, leading with which listing the observation bears out (the
    finding), then what was seen: where one line is shown, a long observation must not cut it off."""
    at = reason.find(CONTRADICT)
    return reason if at <= 0 else f"{reason[at:].rstrip('; ')} — seen: {reason[:at].rstrip('; ')}"


def obtained(finding: Finding) -> bool:
    """Whether the probe got an answer that says something (even 'unclear'): not silence, not
    throttling, not a timeout, not an upstream that is down."""
    if finding.observed == UNANSWERED:
        return False
    return not (finding.observed == REJECTED and finding.status in NOT_ABOUT_THE_CLAIM and finding.status != 403)


def judge(promise: str, finding: Finding, documented: bool = True, row_is_about_the_model: bool = False,
          model_is_documented: bool = True, level: str = "", listings: tuple = (),
          listed_by: tuple = ()) -> tuple[str, str]:
    """(verdict, reason) for one finding against one documented promise.

    `documented=False` means the probe used a value outside the documented range: whatever the
    level, the docs promise nothing there. When the server refused the model itself, only rows
    about the model (core.model, the model table) speak to that, and only for a model the docs
    list; every other row learns nothing.
    """
    if promise not in RULES:
        raise ValueError(f"unknown promise {promise!r}")
    if finding.observed in (UNANSWERED, UNCLEAR):
        return INCONCLUSIVE, finding.reason
    if finding.about_model and not (row_is_about_the_model and model_is_documented):
        why = "the server refused the model itself" + ("" if model_is_documented else
                                                      ", which the docs' model table does not list")
        return INCONCLUSIVE, f"{finding.reason} ({why}: this says nothing about this row)"
    observed, reason = finding.observed, finding.reason
    if observed == REJECTED and finding.status in NOT_ABOUT_THE_CLAIM:
        return INCONCLUSIVE, f"{reason} (HTTP {finding.status} says nothing about this claim)"
    if observed == REJECTED and (finding.status or 0) >= 500:
        # A server error is never a clean rejection, whatever the level promises.
        observed, reason = ERROR, f"{reason}: a server error, not a clean rejection"
    if not documented and promise != NOT_HELD_AGAINST_THE_DOCS:  # observed-only stays unjudged everywhere
        promise = UNDOCUMENTED_LEVEL
    verdict = RULES[promise][observed]
    if promise == DOCS_CONTRADICT and listings:
        return verdict, f"{reason}; {docs_contradict(observed, listings, listed_by)}"
    if verdict == INCONCLUSIVE and promise in WHY_INCONCLUSIVE:
        return verdict, f"{reason}; {WHY_INCONCLUSIVE[promise]}"
    if verdict == DIFFERS and observed == HONOURED and level:
        return verdict, f"{reason}, but the docs say {level}"
    return verdict, reason
