"""Checks of the Advanced and Metadata tables (except tools and tool_choice), and of the page's prose
about allow_ignored_params: Ignored parameters, refusals that must name a parameter, structured
output, and identifiers that must change nothing.

A real model is not perfectly repeatable even at temperature 0, so an answer is compared with the
spread of several controls (a repeated step), never with one: a probe outside a spread the controls
themselves do not agree on says nothing.
"""
import difflib
import json
import re

import jsonschema

from ..exchange import Exchange, clip
from ..findings import ACCEPTED, ERROR, HONOURED, IGNORED, REJECTED, UNANSWERED, UNCLEAR, Finding
from .band import EFFECT, NO_EFFECT, band
from .common import answered, error_text, spent_before_answering
from .registry import check

# Statuses a check may read as "refused what was asked"; the others (401, 403, 408, 429) are about
# the key, access or load and are left to the verdict rules.
REFUSALS = {400, 404, 409, 413, 415, 422}
FENCE = re.compile(r"^```[a-zA-Z]*\s*\n(.*)\n```$", re.DOTALL)
WORD = re.compile(r"\w+")


def normalised(text: str) -> str:
    """The answer's words: case, punctuation and whitespace, which a real model varies even at
    temperature 0, are not a different answer. What the probes' parameters would change (a word
    repeated or not, a forced token, a sampled number) is."""
    return " ".join(WORD.findall(text.lower()))


def control_problem(controls: list[Exchange]) -> Finding | None:
    """UNCLEAR when a control (the request without the parameter) did not give a usable answer:
    with nothing to compare, the parameter's effect cannot be judged either way."""
    for i, ex in enumerate(controls):
        what = f"control {i + 1} (the request without the parameter)"
        if finding := answered(ex, what) or spent_before_answering(ex, what):
            return Finding(UNCLEAR, f"{finding.reason}: nothing to compare the probe with")
    return None


def distance(a: str, b: str) -> int:
    """How many words one answer must lose and gain to become the other (after `normalised`)."""
    left, right = a.split(), b.split()
    kept = sum(block.size for block in difflib.SequenceMatcher(None, left, right, autojunk=False).get_matching_blocks())
    return len(left) + len(right) - 2 * kept


def compared_with_controls(probe: Exchange, controls: list[Exchange], what: str) -> tuple[str, str]:
    """("same" | "changed" | "unclear", why): the probe's answer against the controls' spread.

    The measure is a distance in words: the probe's to its nearest control, held (band.py) against
    each control's to its nearest other control, from 0 (a control is its own answer). An answer as
    close to the controls as they are to each other is "same"; one clearly farther is "changed".
    Controls that share half their words or less leave no room for an effect to stand out: "unclear"."""
    texts = [normalised(ex.text) for ex in controls]
    answer = normalised(probe.text)
    if answer in texts:
        agreeing = texts.count(answer)
        return "same", (f"with {what} the answer {clip(probe.text, 60)} is the one {agreeing} of "
                        f"{len(controls)} controls without it gave")
    apart = [min(distance(t, other) for j, other in enumerate(texts) if j != i) for i, t in enumerate(texts)]
    length = sum(len(t.split()) for t in texts) / len(texts)
    if max(apart) >= length:  # controls that share half their words or less: no effect could stand out
        return "unclear", (f"with {what} the answer {clip(probe.text, 60)} cannot be compared: the controls "
                           f"share too little among themselves ({max(apart)} words apart, {length:.0f} words "
                           "long), so the model's own spread would hide any effect")
    moved = band(min(distance(answer, t) for t in texts), [0, *apart])
    said = moved.said("words apart", "between the controls themselves")
    if moved.outcome == NO_EFFECT:
        return "same", (f"with {what} the answer {clip(probe.text, 60)} differs from the controls no more than "
                        f"they differ among themselves ({said})")
    if moved.outcome == EFFECT:
        return "changed", (f"with {what} the answer is {clip(probe.text, 60)}; without it, {len(controls)} "
                           f"controls answered {clip(controls[0].text, 60)} ({said})")
    return "unclear", (f"with {what} the answer {clip(probe.text, 60)} matches none of the controls, but not "
                       f"clearly farther than the model's own spread ({said})")


def probe_and_controls(probe: Exchange, control: list[Exchange], what: str) -> Finding | None:
    return (answered(probe, f"the request with {what}") or spent_before_answering(probe, f"the answer with {what}")
            or control_problem(control))


MIN_REPEATS = 5  # how often the controls must repeat the word a penalty would act on


@check
def ignored_param_changes_nothing(probe: Exchange, control: list[Exchange], parameter: str, repeated: str = "",
                                  weak_evidence: bool = False) -> Finding:
    """An Ignored parameter leaves a deterministic prompt's answer as the controls without it gave it.

    IGNORED: the answer is one of the controls'. HONOURED (the parameter had an effect): the answer
    differs while every control agreed. Controls that disagree among themselves with the probe
    outside them are UNCLEAR, not an effect. The prompt must be one the parameter would visibly
    change if honoured (a penalty: a prompt that repeats one word, at the strongest value, 2.0).
    A frequency penalty grows with every repeat, so ten repeats are pushed far down; a presence
    penalty lowers a repeated token once, by 2 logits, which a strongly predicted copy can outweigh:
    its "no effect" proves too little (`weak_evidence`: ACCEPTED, inconclusive under Ignored). A
    penalty can only act on a word the controls do repeat (`repeated`, at least MIN_REPEATS times in
    each): a model that does not repeat it (a weak one) shows nothing, UNCLEAR. With `repeated`, the
    probe's count of it is held against the controls' counts (band.py): clearly fewer is an effect,
    inside their spread none, anything between UNCLEAR.
    Sample: "with presence_penalty=2.0 the answer is 'apple'; without it, 3 controls all answered
    'apple apple apple apple apple apple apple apple'"
    """
    what = f"{parameter}={probe.request.get(parameter)!r}"
    if finding := probe_and_controls(probe, control, what):
        return finding
    if repeated:
        return _repeats_compared(probe, control, what, repeated, weak_evidence)
    outcome, why = compared_with_controls(probe, control, what)
    if outcome == "same" and weak_evidence:
        return Finding(ACCEPTED, f"{why}; {what} at its strongest may still not break a confident copy, so "
                                 "this does not show it is ignored")
    return Finding({"same": IGNORED, "changed": HONOURED, "unclear": UNCLEAR}[outcome], why)


def _repeats_compared(probe: Exchange, control: list[Exchange], what: str, repeated: str,
                      weak_evidence: bool) -> Finding:
    """A penalty acts on repeats: the probe's count of the repeated word against the controls' counts,
    through the noise floor (band.py). Clearly fewer: its effect; inside their spread: none; else unclear."""
    counts = [normalised(ex.text).split().count(repeated.lower()) for ex in control]
    if min(counts) < MIN_REPEATS:
        return Finding(UNCLEAR, f"the controls repeat {repeated!r} {counts} times, under {MIN_REPEATS}: a "
                                f"penalty would have nothing to act on, so {what} could not show an effect")
    moved = band(normalised(probe.text).split().count(repeated.lower()), counts)
    why = f"with {what} the answer {clip(probe.text, 60)}: {moved.said(f'repeats of {repeated!r}')}"
    if moved.outcome == EFFECT and moved.direction < 0:
        return Finding(HONOURED, why)
    if moved.outcome != NO_EFFECT:
        return Finding(UNCLEAR, f"{why}: not clearly fewer repeats than the controls' own")
    if weak_evidence:
        return Finding(ACCEPTED, f"{why}; {what} at its strongest may still not break a confident copy, so "
                                 "this does not show it is ignored")
    return Finding(IGNORED, why)


@check
def seed_changes_nothing(probe: Exchange, seeded: list[Exchange], control: list[Exchange]) -> Finding:
    """A seed neither makes a sampled answer reproducible nor changes it.

    A seed's effect is reproducibility, which only shows where answers vary: the prompt asks for a
    random number at the default temperature. The probe and the `seeded` repeats carry the same seed;
    the controls carry none. IGNORED: the seeded answers vary among themselves (the seed fixes
    nothing). HONOURED (the seed had its effect): the seeded answers are all the same, and none of
    the controls gave that answer. When the repeated seeded answer is one the controls gave too, the
    model may simply favour it (or not sample this prompt at all): the seed could not have shown
    anything, so UNCLEAR, never "no effect" and never "an effect".
    Sample: "with seed=12345, 3 answers are all '417', which none of 3 controls without a seed gave
    ('52', '771', '9913')"
    """
    what = f"seed={probe.request.get('seed')!r}"
    for i, ex in enumerate([probe, *seeded]):
        if finding := answered(ex, f"seeded request {i + 1}") or spent_before_answering(ex, f"seeded answer {i + 1}"):
            return finding
    if finding := control_problem(control):
        return finding
    with_seed = sorted({normalised(ex.text) for ex in [probe, *seeded]})
    without = sorted({normalised(ex.text) for ex in control})
    listed = ", ".join(clip(t, 20) for t in without[:3])
    if len(with_seed) > 1:
        return Finding(IGNORED, f"with {what}, {len(seeded) + 1} requests gave {len(with_seed)} different answers: "
                                "the seed does not make sampling reproducible")
    same = clip(with_seed[0], 40)
    if with_seed[0] in without:
        why = ("the model does not sample this prompt" if len(without) == 1 else
               "the controls gave it too, so the model's favourite answer could explain the repeats")
        return Finding(UNCLEAR, f"with {what} every answer is {same}; without a seed the answers are {listed}: "
                                f"{why}, and a seed could not have shown its effect")
    return Finding(HONOURED, f"with {what}, {len(seeded) + 1} answers are all {same}, which none of "
                             f"{len(control)} controls without a seed gave ({listed})")


@check
def n_returns_one_choice(probe: Exchange) -> Finding:
    """n is Ignored: a request with n=2 still gets exactly one choice.

    Two or more choices mean n had its effect (HONOURED, which differs from Ignored).
    Sample: "n=2 returned 2 choices: n had its effect"
    """
    what = f"n={probe.request.get('n')!r}"
    if finding := answered(probe, f"the request with {what}"):
        return finding
    count = len(probe.body.get("choices") or [])
    if count > 1:
        return Finding(HONOURED, f"{what} returned {count} choices: n had its effect")
    return Finding(IGNORED, f"{what} returned exactly one choice, {clip(probe.text, 40)}")


@check
def logit_bias_changes_nothing(probe: Exchange, control: list[Exchange]) -> Finding:
    """A logit_bias that would force a token leaves the answer as the controls without it gave it.

    Token ids depend on the tokenizer, which is unknown for Claude and Nova, so the probe cannot bias
    against the tokens of the expected answer: a miss would look like "no effect". Instead it puts
    +100 on a low token id, which every real vocabulary has: a server that honours logit_bias then
    emits that token at nearly every step (or stops at once, if it is an end token), whatever the
    token is, and the answer no longer looks like the controls'. The control answers must be several
    words long: a short one could be the forced output itself, or too short to tell, and is UNCLEAR.
    IGNORED: the answer is one of the controls'. HONOURED (the bias had its effect): it differs while
    every control agreed.
    Sample: "with logit_bias={'1000': 100} the answer is 'ingingingingingingingingingingingingingingingingin';
    without it, 3 controls all answered '1, 2, 3, 4, 5, 6, 7, 8, 9, 10'"
    """
    bias = probe.request.get("logit_bias") or {}
    what = f"logit_bias={bias!r}"
    if not any(isinstance(v, (int, float)) and v >= 50 for v in bias.values()):
        return Finding(UNCLEAR, f"the case sends {what}, no strong positive bias (>= 50) to force a token")
    if finding := probe_and_controls(probe, control, what):
        return finding
    shortest = min(control, key=lambda ex: len(normalised(ex.text).split()))
    if len(normalised(shortest.text).split()) < 3:
        return Finding(UNCLEAR, f"a control answer is only {clip(shortest.text, 30)}: too short to tell a forced "
                                "token from the model's own answer")
    outcome, why = compared_with_controls(probe, control, what)
    return Finding({"same": IGNORED, "changed": HONOURED, "unclear": UNCLEAR}[outcome], why)


def names(text: str, param: str) -> bool:
    """Does an error text name the parameter? As a whole word: `n` is not the n of 'nova-lite'."""
    return re.search(rf"(?<![A-Za-z0-9_]){re.escape(param)}(?![A-Za-z0-9_])", text) is not None


@check
def refused_naming(probe: Exchange, control: Exchange, params: list, without_flag: Exchange = None) -> Finding:
    """The request is refused with a 4xx whose error names the parameter(s) that caused it, and the
    same request without them (the control) is answered.

    HONOURED needs the name in the error (its message, or OpenAI's `error.param`), as a whole word,
    and an answered control: a 400 for another reason (an unknown model, a bad value elsewhere) never
    counts. A control refused too, or a 4xx that names none of them, is REJECTED, a finding of its
    own (e.g. allow_ignored_params itself is refused), which the runner tells from a refused model
    with a baseline request; a control that got no usable answer otherwise is UNCLEAR. With several
    parameters, naming at least one is enough: a server may report only the first problem, and each
    parameter is also probed on its own. An answer is IGNORED: the request was not refused.
    The optional step `without_flag` sends the same request without allow_ignored_params: refused
    the same way there too, the flag was never shown to matter (the server refuses the value
    whatever the flag, as Claude refuses n=2), so UNCLEAR; the plain row reports that refusal.
    Sample: "accepted (HTTP 200) with allow_ignored_params=False and seed: nothing was refused"
    """
    sent = ", ".join(p for p in params if p in probe.request) or ", ".join(params)
    flag = probe.request.get("allow_ignored_params", "unset")
    if probe.transport_error:
        return Finding(UNANSWERED, f"the request got no answer: {probe.transport_error}")
    if probe.ok:
        return Finding(IGNORED, f"accepted (HTTP {probe.status}) with allow_ignored_params={flag} and {sent}: "
                                f"nothing was refused; answer {clip(probe.text, 40)}")
    if probe.status not in REFUSALS:
        return Finding(REJECTED, f"HTTP {probe.status} {probe.error_message!r}", probe.status)
    text = error_text(probe)
    named = [p for p in params if names(text, p)]
    if not named:
        return Finding(REJECTED, f"refused with HTTP {probe.status}, but the error {clip(text.strip(), 100)} names "
                                 f"none of {sent}: a user cannot tell what to change", probe.status)
    if control.status in REFUSALS:
        # Not about these parameters: the model, or allow_ignored_params itself, is refused. The
        # runner's baseline request tells the two apart.
        return Finding(REJECTED, f"refused naming {', '.join(named)}, but the same request without {sent} is refused "
                                 f"too ({control.summary()}): the refusal is not about {sent}", probe.status)
    if finding := answered(control, f"the same request without {sent}"):
        return Finding(UNCLEAR, f"refused naming {', '.join(named)}, but {finding.reason}: nothing shows the "
                                "refusal is about them")
    if without_flag is not None and without_flag.status in REFUSALS and any(
            names(error_text(without_flag), p) for p in named):
        return Finding(UNCLEAR, f"refused naming {', '.join(named)}, but the same request without "
                                f"allow_ignored_params is refused the same way ({without_flag.summary()}): the "
                                "flag made no difference")
    unnamed = [p for p in params if p not in named]
    rest = f" (not {', '.join(unnamed)}: a server may name only the first problem)" if unnamed else ""
    return Finding(HONOURED, f"refused with HTTP {probe.status} naming {', '.join(named)}{rest}: "
                             f"{clip(text.strip(), 100)}; without {sent} the request is answered", probe.status)


def content_as_json(probe: Exchange) -> tuple[object, str | None]:
    """(the parsed content, None) or (None, why it is not JSON)."""
    text = probe.text.strip()
    try:
        return json.loads(text), None
    except ValueError:
        pass
    fenced = FENCE.match(text)
    if fenced:
        try:
            json.loads(fenced.group(1))
            return None, "is not JSON: it is JSON inside a Markdown code fence, which json.loads refuses"
        except ValueError:
            pass
    return None, f"is not JSON: {clip(text, 60)}"


def structured_output_problem(probe: Exchange, mode: str) -> Finding | None:
    """What stops a structured answer from being judged, or a plain failure to be one."""
    if finding := answered(probe, f"the request with response_format {mode}"):
        return finding
    return spent_before_answering(probe, f"the {mode} answer")


def content_as_object(probe: Exchange) -> tuple[dict | None, str | None]:
    """(the content as a JSON object, None) or (None, why it is not one)."""
    value, problem = content_as_json(probe)
    if problem is None and not isinstance(value, dict):
        problem = f"is JSON, but not an object: a {type(value).__name__}"
    return (value, None) if problem is None else (None, problem)


def structured_part_fails(probe: Exchange, mode: str, problem: str) -> Finding:
    """A structured mode that did not give what it promises: a part of "Partial" that does not work
    here, unless the token limit cut the answer."""
    if probe.finish_reason == "length":
        return Finding(UNCLEAR, f"the answer was cut by the token limit (finish_reason 'length') and {problem}")
    return Finding(IGNORED, f"response_format {mode} accepted, but the content {problem}")


@check
def json_object_answer(probe: Exchange) -> Finding:
    """With response_format json_object the content parses as a JSON object.

    Content that is not a JSON object (prose, JSON in a code fence) is IGNORED: this part of a
    "Partial" row does not work here, which the docs allow (a server that only prompts the model, as
    Heroku's schema suggests, cannot promise more; a weak model cannot either). A server error or a
    malformed response still differs. A truncated answer (finish_reason 'length') is UNCLEAR.
    Sample: "response_format json_object accepted, but the content is not JSON: 'Paris is the capital…'"
    """
    if finding := structured_output_problem(probe, "json_object"):
        return finding
    value, problem = content_as_object(probe)
    if problem is None:
        return Finding(HONOURED, f"the content is a JSON object with keys {sorted(value)[:6]}")
    return structured_part_fails(probe, "json_object", problem)


def schema_of(probe: Exchange) -> dict | None:
    try:
        schema = probe.request["response_format"]["json_schema"]["schema"]
    except (KeyError, TypeError):
        return None
    return schema if isinstance(schema, dict) else None


@check
def json_schema_answer(probe: Exchange) -> Finding:
    """With response_format json_schema the content is JSON that validates against the sent schema.

    Checked with the jsonschema package; a failure is classified: not JSON, not an object, or a
    schema mismatch with the path that fails, and is IGNORED: this part of a "Partial" row does not
    work here (see json_object_answer). A truncated answer (finish_reason 'length') is UNCLEAR.
    Sample: "response_format json_schema accepted, but the content does not match the schema at
    $.population_millions: 'about two' is not of type 'number'"
    """
    schema = schema_of(probe)
    if schema is None:
        return Finding(UNCLEAR, "the case sends no response_format.json_schema.schema to validate against")
    if finding := structured_output_problem(probe, "json_schema"):
        return finding
    value, problem = content_as_object(probe)
    if problem is None:
        error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(schema).iter_errors(value))
        if error is None:
            return Finding(HONOURED, f"the content validates against the sent schema: {clip(probe.text, 60)}")
        problem = f"does not match the schema at {error.json_path}: {error.message}"
    return structured_part_fails(probe, "json_schema", problem)


@check
def identifier_changes_nothing(probe: Exchange, control: list[Exchange], parameter: str) -> Finding:
    """An identifier (user, metadata) is accepted and the answer is the one the controls without it gave.

    Such a parameter tags the request for its owner; it has no visible effect to look for, so a sound,
    unchanged answer is ACCEPTED. An answer that changes while every control agreed is an ERROR: a tag
    must not steer the model. Controls that disagree among themselves with the probe outside them are
    UNCLEAR.
    Sample: "with user=\"conformance-user-1\" the answer is 'I cannot help'; without it, 3 controls all
    answered '1, 2, 3, 4, 5'"
    """
    shown = json.dumps(probe.request.get(parameter))
    what = f"{parameter}={shown if len(shown) <= 40 else shown[:39] + '…'}"
    if finding := probe_and_controls(probe, control, what):
        return finding
    outcome, why = compared_with_controls(probe, control, what)
    if outcome == "same":
        return Finding(ACCEPTED, f"accepted; {why}")
    return Finding(ERROR if outcome == "changed" else UNCLEAR, why)
