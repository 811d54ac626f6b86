"""Will this request work on Heroku? Per request and per parameter: the documented level for the
request's model (resolved as DocsTables.claim_for does), the observed verdict, and what to change.

Severity of a finding, worst last: ok (documented to work), note (worth knowing, or a value the source
does not spell out), check (the docs promise only part of it, say nothing, or it depends on a model
the source does not name), change (documented not to work on Heroku, or observed not to).
"""
import difflib
import json
from dataclasses import dataclass, field

from .app_requests import AppRequest, Unknown
from .docs import MODEL_PLACEHOLDER, DocsTables
from .observations import Observation, Observations

SEVERITIES = ("ok", "note", "check", "change")
GATING = ("check", "change")  # what makes `nox -s check` exit 1
# What a level's promise means for an app that relies on the parameter.
SEVERITY_OF_PROMISE = {
    "accepted-with-effect": "ok", "works-on-this-model": "ok", "accepted-without-effect": "change",
    "not-supported": "change", "limitation-holds": "change", "rejected": "change",
}
NOT_LISTED = "not in Heroku's tables"
NOT_OPENAI = "not an OpenAI parameter"
UNKNOWN_MODEL = "unknown model"


@dataclass
class Finding:
    param: str                   # what the request sends, as the user wrote it: "n: 3"
    level: str                   # the documented level, or NOT_LISTED, UNKNOWN_MODEL, ...
    severity: str
    advice: str = ""
    claim: str | None = None
    observed: Observation | None = None

    def as_dict(self) -> dict:
        return {**vars(self), "observed": self.observed.as_dict() if self.observed else None}


@dataclass
class Review:
    request: AppRequest
    model: str | None            # the documented model the levels are of; None when not known
    model_text: str              # the model as the request names it
    findings: list[Finding] = field(default_factory=list)

    @property
    def severity(self) -> str:
        return max((f.severity for f in self.findings), key=SEVERITIES.index, default="ok")

    def as_dict(self) -> dict:
        return {"place": self.request.place, "client": self.request.client, "model": self.model_text,
                "documented_model": self.model, "severity": self.severity,
                "findings": [f.as_dict() for f in self.findings]}


def shown(value) -> str:
    """A value as the user would recognise it: JSON-like, the source text for a run-time value."""
    if isinstance(value, Unknown):
        return f"`{value.text}`" if len(value.text) <= 60 else f"`{value.text[:59]}…`"
    if isinstance(value, bool) or value is None:
        return {True: "true", False: "false", None: "null"}[value]
    if isinstance(value, str):
        return repr(value) if len(value) <= 40 else repr(value[:39] + "…")
    if isinstance(value, dict | list):
        text = json.dumps(value, ensure_ascii=False, default=lambda v: f"`{v.text}`")
        if len(text) <= 40:
            return text
        return "{…}" if isinstance(value, dict) else f"[{len(value)} item(s)]"
    return str(value)


class Reviewer:
    """Reviews requests against the docs tables and, where given, a results file's observations."""

    def __init__(self, docs: DocsTables, observations: Observations | None = None, model: str | None = None,
                 openai_params: frozenset = frozenset()):
        self.docs, self.observations, self.assumed_model = docs, observations, model
        self.openai_params = openai_params
        self.listed = listed_params(docs)

    def review(self, request: AppRequest) -> Review:
        from .advice_params import review_request  # the parameters' own rules
        return review_request(self, request)

    # ---- levels ---------------------------------------------------------------------------------

    def finding(self, param: str, claim_id: str, model: str | None, client: str | None, advice: str = "",
                severity: str | None = None, case: str | None = None) -> Finding:
        """A finding on a claim: its level for the model (every model's, when the model is not known),
        the observed verdict, and the severity its promise (or the caller) gives it."""
        if model is None:
            levels = self.levels_across(claim_id)
            if len(levels) > 1:
                spread = "; ".join(f"{level} on {', '.join(models)}" for level, models in levels.items())
                return self._observed(Finding(param, "depends on the model", severity or "check",
                                              advice or f"depends on the model ({spread}): name it, or run with "
                                                        "--model ID", claim_id), claim_id, None, client)
            level = next(iter(levels)) if levels else self.docs.claims[claim_id].level
            claim_id = None if MODEL_PLACEHOLDER in claim_id else claim_id
            promise = self.docs.promises.get(level, "")
        else:
            claim = self.docs.claim_for(claim_id, model)
            claim_id, level, promise = claim.id, claim.level, claim.promise
        severity = severity or SEVERITY_OF_PROMISE.get(promise, "check")
        advice = advice or default_advice(param, level, promise, severity)
        return self._observed(Finding(param, level, severity, advice, claim_id), claim_id, model, client, case)

    def levels_across(self, claim_id: str) -> dict[str, list[str]]:
        """{level: [model ids]} of a claim over every model of the docs' model table."""
        out: dict[str, list[str]] = {}
        for model in self.docs.model_ids:
            out.setdefault(self.docs.claim_for(claim_id, model).level, []).append(model)
        return out

    def _observed(self, finding: Finding, claim_id: str, model: str | None, client: str | None,
                  case: str | None = None) -> Finding:
        if self.observations is None or model is None:
            return finding
        finding.observed = self.observations.of(claim_id, model, client, case)
        if finding.observed and finding.observed.verdict == "differs" and self.observations.is_heroku:
            finding.severity = "change"
            known = f" (a known difference: {finding.observed.known})" if finding.observed.known else ""
            finding.advice = f"{finding.advice + '; ' if finding.advice else ''}Heroku was observed to differ from " \
                             f"its docs here{known}: {finding.observed.reason}"
        return finding

    def models_with(self, column: str, marks: tuple[str, ...]) -> list[str]:
        return [m for m in self.docs.model_ids if self.docs.model_marks(m).get(column) in marks]

    def suggest_model(self, model: str) -> str:
        # An id the docs' id extends (claude-3-5-sonnet -> claude-3-5-sonnet-latest) before a look-alike.
        close = [m for m in self.docs.model_ids if m.startswith(model)]
        close = close or difflib.get_close_matches(model, self.docs.model_ids, n=1, cutoff=0.6)
        return f" (did you mean '{close[0]}'?)" if close else ""


def listed_params(docs: DocsTables) -> dict[str, str]:
    """Every request parameter a parameters table lists: its name -> its first row's claim id."""
    out: dict[str, str] = {}
    for table in docs.data["tables"]:
        if table["kind"] == "parameters":
            for row in table["rows"]:
                out.setdefault(row["label"], f"{table['id']}.{row['id']}")
    return out


def default_advice(param: str, level: str, promise: str, severity: str) -> str:
    if severity == "ok":
        return ""
    return {
        "accepted-without-effect": f"`{param}` is ignored on Heroku: it has no effect",
        "not-supported": f"`{param}` is not supported here",
        "partly-with-effect": f"`{param}` has partial support on Heroku ({level}): check that the part you rely on "
                              "works",
        "observe-only": f"Heroku's docs say nothing checkable about `{param}` here: what it does is undocumented",
        "docs-contradict": f"Heroku's docs give `{param}` two levels: don't rely on it",
        "unpublished-source": f"only a third-party reading of Heroku's docs mentions `{param}`",
        "undocumented": f"Heroku's docs say nothing about `{param}` for this model",
    }.get(promise, f"`{param}`: {level}")


def openai_request_params() -> frozenset:
    """The request parameters the installed openai SDK's `chat.completions.create` accepts (what
    "OpenAI defines" means here: no list kept by hand), with the SDK's version."""
    from openai.types.chat import completion_create_params as params

    keys = set()
    for typed in (params.CompletionCreateParamsNonStreaming, params.CompletionCreateParamsStreaming):
        keys |= set(typed.__required_keys__) | set(typed.__optional_keys__)
    return frozenset(keys)
