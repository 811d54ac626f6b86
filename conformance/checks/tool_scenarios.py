"""Checks of the Advanced table's tools row that take more than one request, or more than one call:
a round trip (call, tool result, final answer), parallel calls, calls streamed in fragments, and
repeated samples of a call's arguments (pass@k).

Each call is judged as tools.py judges one (an id, type function, a declared name, arguments valid
for the tool's schema). What a model chooses (to call at all, to call two tools at once, to use a
result) is never the server's fault on its own: a model that does not set the situation up is
UNCLEAR, and only what a sound answer shows is held against the server.
"""
import json
import re

from ..exchange import Exchange, clip
from ..findings import ERROR, HONOURED, IGNORED, UNCLEAR, Finding
from .common import answered, not_answered, spent_before_answering
from .registry import check
from .tool_streams import client_problem, streamed_calls
from .tools import (
    arguments_problem,
    call_problem,
    choice_problem,
    declared_tools,
    describe,
    forced_tool,
    judged_calls,
    not_forced,
    unanswered_or_unusable,
)

NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def no_call(probe: Exchange, what: str) -> Finding:
    """An answer in text where a call was wanted: a weak model, or, where tool_choice forced a call, a
    server not forcing, which advanced.tool_choice judges: no call to judge here either way."""
    if forced_tool(probe):
        return not_forced(probe)
    return Finding(UNCLEAR, f"the model answered in text without calling a tool ({clip(probe.text, 60)}): {what}")


# --- a round trip: call, tool result, final answer -----------------------------------------------------

def leaves(data) -> list[str]:
    """The strings and numbers in a JSON value, as text (keys and booleans say nothing)."""
    if isinstance(data, dict):
        return [v for value in data.values() for v in leaves(value)]
    if isinstance(data, list):
        return [v for value in data for v in leaves(value)]
    if isinstance(data, bool) or data is None:
        return []
    return [str(data)]


def result_values(ex: Exchange) -> list[list[str]]:
    """The values in each tool result a request sends back (a result that is not JSON is one value)."""
    results = []
    for message in ex.request.get("messages") or []:
        if isinstance(message, dict) and message.get("role") == "tool":
            try:
                data = json.loads(message.get("content"))
            except (TypeError, ValueError):
                data = message.get("content")
            results.append(leaves(data))
    return results


UNITS = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen " \
        "seventeen eighteen nineteen".split()
TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()


def number_word(value: str) -> str | None:
    """A small whole number in words, as a model may write it ('17': 'seventeen', '21': 'twenty[- ]one')."""
    if not re.fullmatch(r"\d{1,2}", value):
        return None
    n = int(value)
    if n < 20:
        return UNITS[n]
    return TENS[n // 10 - 2] + (rf"[- ]{UNITS[n % 10]}" if n % 10 else "")


def mentions(text: str, value: str) -> bool:
    """A number as a number ('17' in '17°C', not in '170') or a small one in words ('seventeen'); a word
    by its stem ('foggy': 'fog', 'Foggy')."""
    if NUMBER.fullmatch(value):
        word = number_word(value)
        return (re.search(rf"(?<![\d.]){re.escape(value)}(?!\d)", text) is not None
                or (word is not None and re.search(rf"\b{word}\b", text, re.IGNORECASE) is not None))
    stem = value[: max(3, len(value) - 2)]
    return re.search(rf"\b{re.escape(stem)}", text, re.IGNORECASE) is not None


# What an answer says when the tool result it was given is empty: evidence the result did not reach the model.
# Kept narrow: a paraphrase of the result, or a model that says nothing useful, must not match.
NOTHING_RETURNED = re.compile(
    r"\b(?:returned|returns|gave|came back with|provided)\s+(?:no\s+(?:data|results?|output|information|values?)"
    r"|nothing|an?\s+empty\s+(?:result|response|output|object|value))\b"
    r"|\b(?:tool|function)\s+(?:result|response|output)\s+(?:is|was)\s+empty\b", re.IGNORECASE)


def prompt_text(ex: Exchange) -> str:
    return " ".join(m["content"] for m in ex.request.get("messages") or []
                    if isinstance(m, dict) and isinstance(m.get("content"), str))


@check
def tool_result_used(probe: Exchange, with_result: Exchange | None) -> Finding:
    """A round trip: the probe's answer calls the tool; `with_result` sends the conversation back with
    that assistant message and a tool result per call; the final answer uses the results: it mentions
    a value that only the tool result holds (e.g. "foggy", 17 or "seventeen"), of every result when
    there are several.

    A probe without a call is UNCLEAR (the step is not sent: nothing to send a result for). A final
    answer that says a tool returned nothing (no data, an empty result), though every result sent held
    values, is IGNORED: the results did not reach the model. Anything else that mentions no result's
    value is UNCLEAR: a paraphrase ("misty", "63 °F"), a weak model, an answer cut or empty, or one that
    calls a tool again (even with the same arguments: small models loop on tools whatever they are sent);
    so is one that uses some of several results (a model may leave one out).

    Sample: "the final answer says the tool returned nothing ('returned no data'), though the results sent hold 'foggy'"
    """
    calls, finding = unanswered_or_unusable(probe, "the request with tools")
    if finding:
        return finding
    if not calls:
        return no_call(probe, "no tool result to send back, so the round trip could not be made")
    if with_result is None:
        return Finding(UNCLEAR, "the request with the tool result was not sent")
    if finding := answered(with_result, "the request with the tool result"):
        return finding
    said = prompt_text(probe)
    results = [r for r in ([v for v in values if not mentions(said, v)] for values in result_values(with_result)) if r]
    if not results:
        return Finding(UNCLEAR, "the tool results hold no value the prompt does not already say: nothing to look for")
    values = [v for r in results for v in r]
    text = with_result.text
    used = [v for v in values if mentions(text, v)]
    unused = [r for r in results if not any(mentions(text, v) for v in r)]
    # "returned no data" beside every result's values is about something else (e.g. no data on wind)
    if unused and (nothing := NOTHING_RETURNED.search(text)):
        return Finding(IGNORED, f"the final answer says the tool returned nothing ({nothing.group(0)!r}), though the "
                                f"results sent hold {', '.join(map(repr, values))}: {clip(text, 100)}")
    again = (with_result.choice.get("message") or {}).get("tool_calls")
    if again:
        asked_before = [c["function"] for c in calls]
        same = " with the same arguments" if isinstance(again, list) and all(
            isinstance(c, dict) and c.get("function") in asked_before for c in again) else ""
        return Finding(UNCLEAR, f"given the tool result, the model called a tool again{same} instead of answering "
                                f"({clip(json.dumps(again), 80)})")
    if finding := spent_before_answering(with_result, "the final answer"):
        return finding
    if used and not unused:
        return Finding(HONOURED, f"the final answer uses the tool's result ({', '.join(map(repr, used))}): "
                                 f"{clip(text, 100)}")
    if used:
        return Finding(UNCLEAR, f"the final answer uses {len(results) - len(unused)} of {len(results)} tool results "
                                f"({', '.join(map(repr, used))}; none of {', '.join(map(repr, unused[0]))}): a model "
                                f"may leave one out: {clip(text, 80)}")
    asked = [v for c in calls for v in leaves(json.loads(c["function"]["arguments"])) if not NUMBER.fullmatch(v)]
    about = [v for v in asked if mentions(text, v)]
    if about and with_result.finish_reason == "stop":
        return Finding(UNCLEAR, f"the final answer speaks of what the call asked about ({', '.join(about)}) but "
                                f"mentions none of the result's values ({', '.join(map(repr, values))}) nor says the "
                                f"tool returned nothing: a paraphrase or a weak model: {clip(text, 80)}")
    return Finding(UNCLEAR, f"the final answer (finish_reason {with_result.finish_reason!r}) mentions neither the "
                            f"tool's result nor what the call asked about ({', '.join(asked) or 'no text'}): "
                            f"{clip(text, 80)}")


# --- parallel calls ------------------------------------------------------------------------------------

@check
def parallel_calls_made(probe: Exchange) -> Finding:
    """A prompt that needs two declared tools at once: one answer calls each, every call usable and
    with its own id (the tool results name the call they answer). One call, or text, is UNCLEAR:
    calling in parallel is the model's choice. (parallel_tool_calls: false is Dev Center's row,
    judged by its own case.)

    Sample: "2 calls share the id 'tooluse_0': a client cannot answer each"
    """
    calls, finding = unanswered_or_unusable(probe, "the request that needs two tools")
    if finding:
        return finding
    if not calls:
        return no_call(probe, "parallel calls could not be observed")
    needed = sorted(declared_tools(probe))
    missing = sorted(set(needed) - {c["function"]["name"] for c in calls})
    if len(calls) < 2 or missing:
        return Finding(UNCLEAR, f"{len(calls)} call(s) in the answer ({clip(describe(calls), 80)}), not one of each "
                                f"of {', '.join(needed)}: calling in parallel is the model's choice")
    return Finding(HONOURED, f"{len(calls)} calls in one answer, each with its own id: {clip(describe(calls), 100)}")


# --- calls streamed in fragments -------------------------------------------------------------------------

@check
def streamed_tool_call_valid(probe: Exchange) -> Finding:
    """stream: true with a forced call: the call comes in OpenAI's chunk shape, by `index`: its first
    fragment carries the id and the name (type function, or no type: OpenAI's chunk schema requires
    only index), later fragments only pieces of the arguments, which reassemble into a JSON object;
    finish_reason tool_calls (or stop, as a forced call may end). Content "" or none beside the calls
    is fine, and so is any split of the arguments. Arguments that do not match the tool's schema are
    the model's (UNCLEAR). An answer that is not a stream at all is IGNORED (stream's own row says the
    same of plain text; clients that stream tool calls break on it).

    Sample: "the first fragment of call 0 lacks id, function.name: '{\"index\": 0, \"function\": {}}'"
    """
    if finding := not_answered(probe, "the streamed request with tools"):
        return finding
    if not probe.events:
        return Finding(IGNORED, "stream=true with tools was answered without SSE chunks")
    calls, problems, fragments, notes = streamed_calls(probe)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        return Finding(ERROR, f"{problems[0]}{more}")
    if not calls:
        return spent_before_answering(probe, "the streamed answer") or no_call(probe, "no call was streamed")
    if seen := client_problem(probe, calls, declared_tools(probe)):
        return Finding(ERROR, seen)
    if finding := judged_calls(probe, calls):
        return finding
    noted = f" ({'; '.join(notes)}: OpenAI's chunk type makes it optional)" if notes else ""
    return Finding(HONOURED, f"{len(calls)} streamed call(s) in {fragments} fragment(s), each opened with its id "
                             f"and name{noted}; the arguments reassemble: {clip(describe(calls), 100)}")


# --- a forced call cut by max_tokens ---------------------------------------------------------------------

def calls_of(probe: Exchange) -> tuple[list, str | None]:
    """(the answer's calls, plain or streamed, None), or (them, why the server's format is wrong).
    A streamed call is its fragments joined, checked against what the openai SDK's accumulator makes of
    them."""
    if probe.stream and probe.events:
        calls, problems, _, _ = streamed_calls(probe)
        return calls, problems[0] if problems else client_problem(probe, calls, declared_tools(probe))
    calls = (probe.choice.get("message") or {}).get("tool_calls") or []
    if not isinstance(calls, list):
        return [], f"wrong type: message.tool_calls is a {type(calls).__name__}, not an array"
    return calls, None


def shape_problem(call: object) -> str | None:
    """call_problem, but for the arguments' type only: a cut may leave them unparsable."""
    if isinstance(call, dict) and isinstance(call.get("function"), dict):
        arguments = call["function"].get("arguments")
        if isinstance(arguments, str):
            return call_problem({**call, "function": {**call["function"], "arguments": "{}"}})
    return call_problem(call)


@check
def cut_tool_call_flagged(probe: Exchange) -> Finding:
    """A forced call with max_tokens small enough to stop it mid-arguments, plain or streamed: the
    answer has either complete JSON arguments or finish_reason "length". Arguments that do not parse
    under finish_reason tool_calls or stop are an ERROR: a client takes the call as complete and parses
    broken JSON. A call that came whole within the limit (a weak model's short arguments), or no call
    before the limit ended the answer, shows nothing of the cut: UNCLEAR; so does a forced request
    answered in text (advanced.tool_choice judges forcing).

    Sample: "arguments '{\"text\": \"The quick' do not parse, but finish_reason is 'tool_calls': a client takes
    the cut call as complete and parses broken JSON"
    """
    if finding := answered(probe, "the forced call under a small max_tokens"):
        return finding
    if probe.stream and not probe.events:
        return Finding(IGNORED, "stream=true with tools was answered without SSE chunks")
    calls, wrong = calls_of(probe)
    wrong = wrong or next((p for p in map(shape_problem, calls) if p), None)
    if wrong:
        return Finding(ERROR, f"a tool call is unusable: {wrong}")
    finish, limit = probe.finish_reason, probe.request.get("max_tokens")
    if not calls:
        if finish == "length":
            return Finding(UNCLEAR, f"the token limit ({limit}) ended the answer before any call "
                                    f"({clip(probe.text, 60) or 'no text'}): no cut call to see")
        if finish == "tool_calls":
            return Finding(ERROR, "finish_reason is 'tool_calls', but the answer has no tool call")
        return not_forced(probe) if forced_tool(probe) else no_call(probe, "no call to cut")
    broken = [c for c in calls if arguments_problem(c["function"]["arguments"])]
    if broken:
        arguments = clip(broken[0]["function"]["arguments"], 50)
        if finish == "length":
            return Finding(HONOURED, f"the call's arguments are cut ({arguments}) and finish_reason 'length' "
                                     f"says so (max_tokens {limit})")
        return Finding(ERROR, f"arguments {arguments} do not parse, but finish_reason is {finish!r}: a client "
                              "takes the cut call as complete and parses broken JSON")
    if finish == "length":
        declared = declared_tools(probe)  # whole arguments: still the model's to fit the schema
        if mismatch := next((p for p in (choice_problem(c, declared) for c in calls) if p), None):
            return Finding(UNCLEAR, f"the call came whole, but does not fit the declared tools: {mismatch} (the "
                                    "model's choice)")
        return Finding(HONOURED, f"the call came whole ({clip(describe(calls), 80)}) and finish_reason 'length' "
                                 f"says the limit ({limit}) was reached")
    return Finding(UNCLEAR, f"the call came whole within max_tokens {limit} ({clip(describe(calls), 80)}, "
                            f"finish_reason {finish!r}): how a cut call is flagged was not seen")


# --- repeated samples: pass@k ----------------------------------------------------------------------------

def sample_call(call: object) -> object:
    """A call as kept in a sample's evidence: its name and arguments, or the call itself when malformed."""
    function = call.get("function") if isinstance(call, dict) else None
    if not isinstance(function, dict):
        return call
    return {"name": function.get("name"), "arguments": function.get("arguments")}


def sample_of(number: int, ex: Exchange) -> tuple[dict, Finding | None]:
    """One sample's evidence (its calls as sent back, and what was wrong), and the Finding that ends
    the check when the request itself failed. Outcomes: valid, text, invalid (the server's format),
    mismatch (the model's arguments or name do not fit the declared tools), cut."""
    sample = {"sample": number, "request": ex.role, "status": ex.status}
    if failed := answered(ex, f"sample {number}"):
        sample.update(outcome="failed", reason=failed.reason)
        return sample, failed
    calls, finding = unanswered_or_unusable(ex, f"sample {number}")
    sample["calls"] = [sample_call(c) for c in calls]
    if finding is not None:
        # judged_calls is UNCLEAR for a call cut by the token limit, or for the model's choice (any other finish)
        unclear = "cut" if not calls or ex.finish_reason == "length" else "mismatch"
        outcome = {ERROR: "invalid", UNCLEAR: unclear}.get(finding.observed, "failed")
        sample.update(outcome=outcome, reason=finding.reason)
        return sample, finding if outcome == "failed" else None
    sample["outcome"] = "valid" if calls else "text"
    if not calls:
        sample["text"] = clip(ex.text, 80)
    return sample, None


@check
def tool_arguments_pass_at_k(probe: Exchange, samples: list[Exchange]) -> Finding:
    """The same call asked k times (the probe and its `repeat:` samples): a model's arguments vary from
    sample to sample (Heroku does not enforce a tool's schema), so one sample cannot decide. Every
    sample is kept as evidence (`samples`: each one's calls and outcome). ERROR when any sample's call
    is not in the server's format (arguments not a JSON object string, no id, shared ids...);
    otherwise HONOURED when some sample makes a valid call and none a mismatched one; UNCLEAR when
    calls miss the schema (or name an undeclared tool): that is the model's sampling, whatever pass@k
    says; no sample calling is UNCLEAR (IGNORED if forced).

    Sample: "pass@3 fails: 0 of 3 samples make a valid call, but 3 sample(s) make a malformed call: invalid JSON"
    """
    everyone = [probe, *samples]
    k = len(everyone)
    kept, failed = [], None
    for number, ex in enumerate(everyone, start=1):
        sample, finding = sample_of(number, ex)
        kept.append(sample)
        failed = failed or finding
    evidence = {"samples": kept}
    outcomes = [s["outcome"] for s in kept]
    valid, invalid, mismatch = (outcomes.count(o) for o in ("valid", "invalid", "mismatch"))
    tally = f"{valid} of {k} samples make a valid call" + (f" ({mismatch} miss the schema)" if mismatch else "")
    if failed is not None:
        return Finding(failed.observed, failed.reason, failed.status, evidence=evidence)
    if invalid:
        reason = next(s["reason"] for s in kept if s["outcome"] == "invalid")
        return Finding(ERROR, f"pass@{k} {'holds' if valid else 'fails'}: {tally}, but {invalid} sample(s) make a "
                              f"malformed call: {reason.removeprefix('a tool call is unusable: ')}", evidence=evidence)
    if valid and not mismatch:
        return Finding(HONOURED, f"pass@{k}: {tally}", evidence=evidence)
    if mismatch:
        reason = next(s["reason"] for s in kept if s["outcome"] == "mismatch")
        return Finding(UNCLEAR, f"pass@{k} {'holds' if valid else 'fails'}: {tally}; the model's sampling, not the "
                                f"server: {reason}", evidence=evidence)
    if forced_tool(probe) and outcomes.count("text"):  # not forcing: advanced.tool_choice's difference
        return Finding(UNCLEAR, f"tool_choice forced a call, but {outcomes.count('text')} of {k} samples answer in "
                                "text: advanced.tool_choice judges forcing", evidence=evidence)
    return Finding(UNCLEAR, f"pass@{k} could not be measured: no sample made a call ({', '.join(outcomes)})",
                   evidence=evidence)
