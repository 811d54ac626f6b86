"""The Known limitations table: each row states something that does not work; the check shows
whether it still does not (HONOURED: the limitation holds) or works after all (IGNORED: the docs
are out of date). A refusal the check cannot tie to the limitation says nothing (REJECTED)."""
import json

from ..exchange import Exchange, clip
from ..findings import ACCEPTED, ERROR, HONOURED, IGNORED, REJECTED, UNANSWERED, UNCLEAR, Finding
from ..verdicts import NOT_ABOUT_THE_CLAIM
from .common import answered, not_answered
from .parameters import ignored_param_changes_nothing, json_schema_answer, n_returns_one_choice, seed_changes_nothing
from .registry import check

# What an API says for a path or method it does not serve.
NOT_SERVED = {400, 404, 405, 501}


def batch_shaped(ex: Exchange) -> bool:
    """A batch object (OpenAI's `{"object": "batch", "id": ...}`) or a list of them."""
    body = ex.body if isinstance(ex.body, dict) else {}
    if body.get("object") == "batch" and body.get("id"):
        return True
    return body.get("object") == "list" and isinstance(body.get("data"), list)


@check
def batch_api_absent(probe: Exchange, listed: Exchange, created: Exchange) -> Finding:
    """The Batch API is not served: GET and POST /v1/batches are refused as a path that is not there,
    while the same base URL answers chat completions (so the refusal is not a wrong base URL).

    Sample: "POST /v1/batches answered HTTP 200 with a batch object (id 'batch_ref'): the Batch API
    works after all"
    """
    if found := answered(probe, "the chat completion at the same base URL"):
        return found  # a refused chat completion: a missing batch endpoint says nothing (inconclusive)
    for ex, what in ((listed, "GET /v1/batches"), (created, "POST /v1/batches")):
        if ex.ok and batch_shaped(ex):
            ident = ex.body.get("id") or f"a list of {len(ex.body.get('data') or [])}"
            return Finding(IGNORED, f"{what} answered HTTP {ex.status} with a batch object ({ident!r}): the "
                                    "Batch API works after all")
    refusals = []
    for ex, what in ((listed, "GET /v1/batches"), (created, "POST /v1/batches")):
        if ex.ok:  # a 2xx that is no batch: an HTML page, a catch-all route
            return Finding(UNCLEAR, f"{what} answered HTTP {ex.status} with something that is not a batch "
                                    f"({clip(ex.not_json or str(ex.body), 60)})")
        found = not_answered(ex, what)
        if found.observed != REJECTED:
            return found
        if found.status not in NOT_SERVED:
            return found  # 401, 403, 429, a 5xx: not a statement that batches are unsupported
        refusals.append(f"{what} HTTP {ex.status} {clip(ex.error_message or 'no message', 50)}")
    return Finding(HONOURED, f"not served: {'; '.join(refusals)}; chat completions answered at the same base URL")


def content_variant(ex: Exchange) -> str:
    """How the assistant message with tool_calls carries its content: '', null, or no key at all."""
    for message in ex.request.get("messages") or []:
        if isinstance(message, dict) and message.get("tool_calls"):
            return json.dumps(message["content"]) if "content" in message else "absent"
    return "?"


@check
def tool_calls_need_content(probe: Exchange, empty: Exchange, null: Exchange, absent: Exchange) -> Finding:
    """An assistant message with tool_calls needs non-empty content: with content '', null or absent
    the conversation is refused with a 4xx; the same conversation with text content is answered.

    Sample: "an assistant message with tool_calls and content null was answered (HTTP 200): non-empty
    content is not required after all"
    """
    if found := answered(probe, "the conversation whose tool-calling assistant message has text content"):
        if found.observed == REJECTED:  # inconclusive, unless a 5xx: then a server error
            return Finding(REJECTED, f"{found.reason}: refused even with content, so a refusal without it says "
                                     "nothing", found.status)
        return found
    refusals = []
    for ex in (empty, null, absent):
        variant = content_variant(ex)
        if ex.ok:
            return Finding(IGNORED, f"an assistant message with tool_calls and content {variant} was answered "
                                    f"(HTTP {ex.status}, {clip(ex.text, 40)}): non-empty content is not required "
                                    "after all")
        found = not_answered(ex, f"content {variant}")
        if found.observed != REJECTED or found.status in NOT_ABOUT_THE_CLAIM or found.status >= 500:
            return found  # no answer, throttled, or a server error (never a clean refusal)
        refusals.append(f"{variant}: HTTP {ex.status} {clip(ex.error_message or 'no message', 50)}")
    return Finding(HONOURED, f"content required: {'; '.join(refusals)}; with text content it is answered")


# --- Parameter support: "some OpenAI parameters are ignored (seed, n, penalties)" -------------------
# Each parameter is judged by the Advanced table's own check; this row reads their findings the other
# way round: "no effect" (their IGNORED) is the limitation holding, an effect (their HONOURED) is the
# limitation out of date.


def ignored_parameter_findings(probe: Exchange, seeded: list[Exchange], seed_control: list[Exchange], n: Exchange,
                               frequency: Exchange, presence: Exchange, penalty_control: list[Exchange],
                               repeated: str) -> dict[str, Finding]:
    """The Advanced checks' findings, per parameter, on this case's exchanges."""
    return {
        "seed": seed_changes_nothing(probe, seeded, seed_control),
        "n": n_returns_one_choice(n),
        "frequency_penalty": ignored_param_changes_nothing(frequency, penalty_control, "frequency_penalty",
                                                           repeated=repeated),
        "presence_penalty": ignored_param_changes_nothing(presence, penalty_control, "presence_penalty",
                                                          repeated=repeated, weak_evidence=True),
    }


def _listed(findings: dict[str, Finding], names: list[str]) -> str:
    return "; ".join(f"{name}: {findings[name].reason}" for name in names)


def _penalties(frequency: Finding, presence: Finding) -> Finding:
    """The claim's "penalties" as one part. The frequency penalty's probe is the strong one: it shows
    "ignored". A presence penalty's "no effect" proves little (ACCEPTED), so it cannot show it, but
    its effect still counts against the limitation."""
    both = f"frequency_penalty: {frequency.reason}; presence_penalty: {presence.reason}"
    for found in (frequency, presence):
        if found.observed not in (IGNORED, ACCEPTED, UNCLEAR):  # an effect, a refusal, an error: as it is
            return Finding(found.observed, both, found.status)
    if frequency.observed == IGNORED and presence.observed in (IGNORED, ACCEPTED):
        return Finding(IGNORED, both)
    return Finding(UNCLEAR, both)


@check
def ignored_params_limitation(probe: Exchange, seeded: list[Exchange], seed_control: list[Exchange], n: Exchange,
                              frequency: Exchange, presence: Exchange, penalty_control: list[Exchange],
                              repeated: str) -> Finding:
    """The limitation "some OpenAI parameters are ignored (seed, n, penalties)" holds: each of its
    three parts is accepted and shown to have no effect (each judged as the Advanced table's check
    judges it). A claim about several things agrees only when each was seen, so the row takes the
    weakest part: any part with its effect is IGNORED (the limitation is out of date); else a server
    error or no answer as that part's check says; else any part refused with a 4xx (not "ignored")
    is REJECTED; else any part that could not show anything (a model that does not sample shows no
    seed's effect; one that does not repeat a word gives a penalty nothing to act on) is UNCLEAR;
    only when all three were shown ignored, HONOURED. Every part's finding is in the reason.

    The probe and `seeded` carry a seed on a sampled prompt, `seed_control` none; `n` asks for two
    choices; `frequency` and `presence` put the strongest penalty on a prompt whose answer repeats
    `repeated`, and `penalty_control` is that prompt without them. The penalties are one part: the
    frequency penalty shows "ignored" (a presence penalty's "no effect" proves too little), and an
    effect of either counts.
    Sample: "parameters that had an effect: n: n=2 returned 2 choices: n had its effect"
    """
    found = ignored_parameter_findings(probe, seeded, seed_control, n, frequency, presence, penalty_control,
                                       repeated)
    parts = {"seed": found["seed"], "n": found["n"],
             "penalties": _penalties(found["frequency_penalty"], found["presence_penalty"])}
    every = _listed(parts, list(parts))
    by_kind: dict[str, list[str]] = {}
    for name, part in parts.items():
        by_kind.setdefault(part.observed, []).append(name)
    if effect := by_kind.get(HONOURED):
        return Finding(IGNORED, f"parameters that had an effect: {', '.join(effect)} ({every})")
    for name, part in parts.items():  # a server error, no answer, throttling: as the parameter's check says
        if part.observed in (ERROR, UNANSWERED) or (part.observed == REJECTED and (
                part.status in NOT_ABOUT_THE_CLAIM or (part.status or 0) >= 500)):
            return Finding(part.observed, f"{name}: {part.reason}", part.status)
    if refused := by_kind.get(REJECTED):
        return Finding(REJECTED, f"refused, not ignored: {', '.join(refused)} ({every})", parts[refused[0]].status)
    if not_shown := [name for name in parts if parts[name].observed != IGNORED]:
        return Finding(UNCLEAR, f"not every part could be shown ignored ({', '.join(not_shown)}): {every}")
    return Finding(HONOURED, f"accepted with no effect: seed, n, penalties ({every})")


# --- Response format: "limited support for structured output schemas" ------------------------------


def schema_feature_outcome(ex: Exchange) -> tuple[str, Finding]:
    """("valid" | "invalid" | "refused" | "unclear" | "stop", the finding) for one schema feature,
    judged by the json_schema row's own check. "stop": an answer that says nothing about any schema
    (no answer, throttling, a server error, a malformed response)."""
    found = json_schema_answer(ex)
    if found.observed == HONOURED:
        return "valid", found
    if found.observed == IGNORED:
        return "invalid", found
    if found.observed == REJECTED and found.status not in NOT_ABOUT_THE_CLAIM and (found.status or 0) < 500:
        return "refused", found
    if found.observed == UNCLEAR:
        return "unclear", found
    return "stop", found


SHORT = {"valid": "accepted and valid", "invalid": "accepted but invalid", "refused": "refused",
         "unclear": "unclear"}


@check
def schema_features_limited(probe: Exchange, enum: Exchange, nested: Exchange, array: Exchange, any_of: Exchange,
                            ref: Exchange, pattern: Exchange, strict: Exchange) -> Finding:
    """The limitation "limited support for structured output schemas" holds: of a ladder of
    json_schema features, some are refused (4xx) or accepted with an answer that does not validate
    (checked with jsonschema, as the json_schema row is).

    The probe is a plain object schema; each step adds one feature: `enum`, a `nested` object, an
    `array` with minItems/maxItems, `any_of`, `ref` ($ref into $defs), a string `pattern`, and
    `strict` (additionalProperties false with strict: true). HONOURED: some feature is refused or
    not honoured (the reason lists each feature's outcome). Every feature answered validly is only
    ACCEPTED: the prompts do not ask against the schemas, so that shows the model, not enforcement.
    A plain object that is itself answered with invalid JSON is a model too weak
    to show anything (UNCLEAR); a plain object refused is REJECTED (the mode, or the model, is
    refused, not a feature). A server error on any step is an ERROR.
    Sample: "pattern: HTTP 500 on a json_schema request: a server error, not a refusal"
    """
    steps = {"plain object": probe, "enum": enum, "nested": nested, "array": array, "any_of": any_of, "ref": ref,
             "pattern": pattern, "strict": strict}
    outcomes = {name: schema_feature_outcome(ex) for name, ex in steps.items()}
    for name, (kind, found) in outcomes.items():
        if kind == "stop":
            return Finding(found.observed, f"{name}: {found.reason}", found.status)
    plain, plain_found = outcomes.pop("plain object")
    if plain == "invalid":
        return Finding(UNCLEAR, f"even the plain object schema is not followed ({plain_found.reason}): a model "
                                "too weak to show which schema features work")
    if plain == "refused":
        return Finding(REJECTED, f"the plain object schema itself is refused ({plain_found.reason}): not about "
                                 "any schema feature", plain_found.status)
    if plain == "unclear":
        return Finding(UNCLEAR, f"plain object: {plain_found.reason}")
    listed = "; ".join(f"{name}: {SHORT[kind]}" + ("" if kind == "valid" else f" ({found.reason})")
                       for name, (kind, found) in outcomes.items())
    failing = [name for name, (kind, _) in outcomes.items() if kind in ("refused", "invalid")]
    if failing:
        return Finding(HONOURED, f"limited: {', '.join(failing)} not supported; plain object: accepted and valid; "
                                 f"{listed}")
    if any(kind == "unclear" for kind, _ in outcomes.values()):
        return Finding(UNCLEAR, f"no feature failed, but not every one could be judged: {listed}")
    # Not IGNORED: the prompts ask for nothing the schemas forbid, so valid answers show a model that
    # can follow every schema, not a server that enforces them. The limitation is neither shown nor refuted.
    return Finding(ACCEPTED, f"every schema feature probed was answered validly (plain object, {', '.join(outcomes)}):"
                             " a capable model follows them all, enforced or not, so 'limited support' is neither "
                             "seen nor refuted")
