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
from .tools import declared_tools, describe, forced_tool, judged_calls, unanswered_or_unusable

NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def no_call(probe: Exchange, what: str) -> Finding:
    """An answer in text where a call was wanted: the server's fault only when tool_choice forced one."""
    if forced_tool(probe):
        return Finding(IGNORED, f"tool_choice forced a call, but the answer is text: {clip(probe.text, 60)}")
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

def _fragment_problem(part: object) -> str | None:
    if not isinstance(part, dict):
        return f"a tool-call fragment is a {type(part).__name__}, not an object"
    if not isinstance(part.get("index"), int) or isinstance(part.get("index"), bool):
        return f"a tool-call fragment has no integer index: {clip(json.dumps(part), 80)}"
    if part.get("function") is not None and not isinstance(part["function"], dict):
        return f"a tool-call fragment's function is not an object: {clip(json.dumps(part), 80)}"
    arguments = (part.get("function") or {}).get("arguments")
    if arguments is not None and not isinstance(arguments, str):
        return f"a fragment's arguments are a {type(arguments).__name__}, not a piece of a JSON string"
    return None


def streamed_calls(ex: Exchange) -> tuple[list[dict], list[str], int, list[str]]:
    """(the calls of a stream, problems, how many fragments, notes), joined the way the openai SDK's
    stream helper joins them: by `index`, the first fragment of a call giving its id and name (and
    type, which OpenAI's chunk schema leaves optional: its absence is only noted), the later ones only
    pieces of its arguments (a string repeated in a later fragment would be appended)."""
    calls: dict[int, dict] = {}
    problems: list[str] = []
    notes: list[str] = []
    fragments = 0
    for event in ex.events:
        for choice in event.get("choices") or []:
            if not isinstance(choice, dict) or choice.get("index", 0) != 0:
                continue
            parts = (choice.get("delta") or {}).get("tool_calls")
            if parts is not None and not isinstance(parts, list):
                problems.append(f"delta.tool_calls is a {type(parts).__name__}, not an array")
                continue
            for part in parts or []:
                fragments += 1
                if problem := _fragment_problem(part):
                    problems.append(problem)
                    continue
                function = part.get("function") or {}
                call = calls.get(part["index"])
                if call is None:
                    call = calls[part["index"]] = {"id": part.get("id"), "type": part.get("type"),
                                                   "function": {"name": function.get("name"), "arguments": ""}}
                    lacks = [k for k, v in (("id", part.get("id")), ("function.name", function.get("name"))) if not v]
                    if lacks:
                        problems.append(f"the first fragment of call {part['index']} lacks {', '.join(lacks)}: "
                                        f"{clip(json.dumps(part), 80)}")
                    if part.get("type") is None:  # OpenAI's chunk schema requires only index; the SDK assumes function
                        call["type"] = "function"
                        notes.append(f"call {part['index']} opened without type")
                    elif part["type"] != "function":
                        problems.append(f"the first fragment of call {part['index']} has type {part['type']!r}, "
                                        "not 'function'")
                else:
                    for key, value, first in (("id", part.get("id"), call["id"]),
                                              ("function.name", function.get("name"), call["function"]["name"])):
                        if value and value != first:
                            problems.append(f"call {part['index']}: a later fragment gives another {key} {value!r} "
                                            f"(the first said {first!r})")
                        elif value:
                            problems.append(f"call {part['index']}: a later fragment repeats {key} {value!r}, which "
                                            f"the openai SDK's stream helper appends ({clip(first + value, 60)})")
                call["function"]["arguments"] += function.get("arguments") or ""
    indexes = sorted(calls)
    if indexes != list(range(len(indexes))):
        problems.append(f"the calls' indexes are {indexes}, not 0 to {len(indexes) - 1}")
    return [calls[i] for i in indexes], problems, fragments, notes


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
    if finding := judged_calls(probe, calls):
        return finding
    noted = f" ({'; '.join(notes)}: OpenAI's chunk type makes it optional)" if notes else ""
    return Finding(HONOURED, f"{len(calls)} streamed call(s) in {fragments} fragment(s), each opened with its id "
                             f"and name{noted}; the arguments reassemble: {clip(describe(calls), 100)}")


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
    if forced_tool(probe) and outcomes.count("text"):
        return Finding(IGNORED, f"tool_choice forced a call, but {outcomes.count('text')} of {k} samples answer in "
                                "text", evidence=evidence)
    return Finding(UNCLEAR, f"pass@{k} could not be measured: no sample made a call ({', '.join(outcomes)})",
                   evidence=evidence)
