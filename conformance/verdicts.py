"""One place decides verdicts: a finding held against a documented level.

Verdicts: agrees, differs, inconclusive, not recorded.
"""
from .findings import ACCEPTED, ERROR, HONOURED, IGNORED, REJECTED, UNANSWERED, UNCLEAR, Finding

AGREES, DIFFERS, INCONCLUSIVE, NOT_RECORDED = "agrees", "differs", "inconclusive", "not recorded"
VERDICTS = (AGREES, DIFFERS, INCONCLUSIVE, NOT_RECORDED)

# Statuses that say nothing about the claim: no access to this model, a timeout, throttling, and a
# gateway or upstream that is down or overloaded (Anthropic's 529 reaches Heroku users as is).
NOT_ABOUT_THE_CLAIM = {403, 408, 429, 502, 503, 504, 529}

# What each documented level expects of each observed behaviour.
# ACCEPTED (acceptance and a sound answer, no effect looked for) agrees only where acceptance is
# what the docs promise; where the effect is the point, it cannot decide.
SUPPORTED = {HONOURED: AGREES, ACCEPTED: AGREES, IGNORED: DIFFERS, REJECTED: DIFFERS, ERROR: DIFFERS}
PARTLY = {HONOURED: AGREES, ACCEPTED: AGREES, IGNORED: INCONCLUSIVE, REJECTED: INCONCLUSIVE, ERROR: DIFFERS}
RULES = {
    "Full": SUPPORTED,
    "✓": SUPPORTED,
    # "Ignored": accepted, no effect. Having an effect is a difference too: the docs are wrong.
    "Ignored": {HONOURED: DIFFERS, ACCEPTED: INCONCLUSIVE, IGNORED: AGREES, REJECTED: DIFFERS, ERROR: DIFFERS},
    # "Partial"/"Optional": some of it works; a probe of one part that fails does not contradict it.
    "Partial": PARTLY,
    "Optional": PARTLY,
    "✗": {HONOURED: DIFFERS, ACCEPTED: INCONCLUSIVE, IGNORED: AGREES, REJECTED: AGREES, ERROR: DIFFERS},
}
# Outside a documented range the docs promise nothing; a clean 4xx is what a careful API does.
UNDOCUMENTED = {HONOURED: INCONCLUSIVE, ACCEPTED: INCONCLUSIVE, IGNORED: INCONCLUSIVE, REJECTED: AGREES,
                ERROR: DIFFERS}


def judge(level: str, finding: Finding, documented: bool = True, row_is_about_the_model: bool = False,
          model_is_documented: bool = True) -> tuple[str, str]:
    """(verdict, reason) for one finding against one documented level.

    When the server refused the model itself, only rows about the model (core.model, the model
    table) speak to that, and only for a model the docs list; every other row learns nothing.
    """
    if finding.observed in (UNANSWERED, UNCLEAR):
        return INCONCLUSIVE, finding.reason
    if finding.about_model and not (row_is_about_the_model and model_is_documented):
        why = "the server refused the model itself" + ("" if model_is_documented else
                                                      ", which the docs' model table does not list")
        return INCONCLUSIVE, f"{finding.reason} ({why}: this says nothing about this row)"
    if finding.observed == REJECTED and finding.status in NOT_ABOUT_THE_CLAIM:
        return INCONCLUSIVE, f"{finding.reason} (HTTP {finding.status} says nothing about this claim)"
    if not documented:
        if finding.observed == REJECTED and (finding.status or 0) >= 500:
            return DIFFERS, f"{finding.reason}: a server error, not a clean rejection of a bad value"
        verdict = UNDOCUMENTED[finding.observed]
        if verdict == INCONCLUSIVE:
            return verdict, f"{finding.reason}; outside the documented range the docs promise nothing"
        return verdict, finding.reason
    if level == "undocumented":
        verdict = UNDOCUMENTED[finding.observed]
        return verdict, f"{finding.reason}; the docs say nothing of this for this model"
    # Levels that are types or statements (thinking options, limitations) claim the thing works.
    rules = RULES.get(level, SUPPORTED)
    verdict = rules[finding.observed]
    if verdict == DIFFERS and finding.observed == HONOURED:
        return verdict, f"{finding.reason}, but the docs say {level}"
    return verdict, finding.reason
