"""Minimal tool calling for the scripted model, shaped as Heroku answers (Claude on Bedrock).

The scripted model calls a tool when the last user message names it ("use the get_weather tool for
Paris"); `tool_choice` none/auto/required/named and `parallel_tool_calls` are honoured in the
simplest way. A call looks like Heroku's: id `tooluse_<22 chars>`, type function, arguments as a
JSON string valid for the tool's parameters, non-empty text content beside it, finish_reason
tool_calls. A stream carries each call in OpenAI's fragments: one opening with its index, id, type
and name, then pieces of its arguments. A conversation that ends with tool results (each answering a
call of the assistant message before it, by id) gets a final answer that quotes them.

Break switches: `tools` sends arguments that are not JSON (a Python repr); the
`tool-choice-*` switches each ignore one value of tool_choice (required, a named function, none);
`tool-result-ignored` answers as if each tool result were empty ("get_weather returned no data for
Paris."); `tool-stream-fragments-broken` streams each argument fragment under an index of its own;
`parallel-calls-same-id` gives parallel calls one id; `tool-choice-required-ignored-when-streamed` and
`tool-choice-named-ignored-when-streamed` ignore a forcing tool_choice on streamed requests only;
`tools-repeat-name-in-stream` repeats the call's name in every argument fragment (OpenAI's clients append
it); `tools-truncated-args-without-length` cuts a call at max_tokens but ends it with finish_reason
tool_calls, as if it were whole.

max_tokens counts the text beside the calls, then their arguments: a call it ends is cut mid-arguments,
with finish_reason length (a limit spent before any call leaves the text alone).
"""
import hashlib
import json
import re

from .responder import count_tokens, truncate
from .validation import bad

CAPITALISED = re.compile(r"\b[A-Z][\w-]*")
QUOTED = re.compile(r'"([^"]+)"')  # a passage quoted after a tool's name is its string argument, whole
# Within this many characters after a tool's name, a capitalised word is taken as its string argument.
ARGUMENT_WINDOW = 40


def functions(body: dict) -> list[dict]:
    """The `function` objects of the request's tools, in order."""
    return [t["function"] for t in body.get("tools") or []
            if isinstance(t, dict) and t.get("type") == "function" and isinstance(t.get("function"), dict)]


def heroku_tools(body: dict) -> list[dict]:
    """The request's `heroku_tool` entries (Heroku's own apps send them to this endpoint)."""
    return [t for t in body.get("tools") or [] if isinstance(t, dict) and t.get("type") == "heroku_tool"]


def validate_tools(body: dict) -> None:
    tools = body.get("tools")
    if tools is None:
        return
    # A heroku_tool runs on a Heroku app: this server runs none, so it refuses each by name, as an
    # unknown tool is refused, never answering as if it had run.
    if asked := heroku_tools(body):
        raise bad(f"heroku_tool {asked[0].get('name')!r}: this server runs no Heroku tools")
    if not isinstance(tools, list) or len(functions(body)) != len(tools):
        raise bad("tools must be an array of {type: function, function: {name, description, parameters}}")
    if any(not isinstance(f.get("name"), str) or not f["name"] for f in functions(body)):
        raise bad("every tool needs a function.name")
    choice = body.get("tool_choice")
    names = {f["name"] for f in functions(body)}
    if isinstance(choice, dict):
        named = (choice.get("function") or {}).get("name")
        if named not in names:
            raise bad(f"tool_choice names the function {named!r}, which is not among the tools")
    elif choice is not None and choice not in ("none", "auto", "required"):
        raise bad("tool_choice must be none, auto, required or {type: function, function: {name}}")
    validate_tool_results(body.get("messages") or [])


def validate_tool_results(messages: list) -> None:
    """As upstream (Bedrock): each tool message answers, by tool_call_id, a call of the assistant
    message just before it (other tool results may come between), and every call gets its result."""
    open_calls: set = set()
    for i, message in enumerate(messages):
        if not isinstance(message, dict):
            continue
        if message.get("role") == "tool":
            if message.get("tool_call_id") not in open_calls:
                raise bad(f"messages[{i}].tool_call_id {message.get('tool_call_id')!r} answers no tool call of "
                          "the assistant message before it")
            open_calls.discard(message["tool_call_id"])
            continue
        if open_calls:
            raise bad(f"messages[{i}]: tool call(s) {', '.join(sorted(open_calls))} have no tool result")
        calls = message.get("tool_calls") if message.get("role") == "assistant" else None
        open_calls = {c.get("id") for c in calls if isinstance(c, dict)} if isinstance(calls, list) else set()
    if open_calls:
        raise bad(f"tool call(s) {', '.join(sorted(open_calls))} have no tool result")


def chosen_functions(body: dict, prompt: str, parallel: bool, breaks: frozenset[str] = frozenset()) -> list[dict]:
    """Which tools the scripted model calls for this prompt."""
    tools = functions(body)
    choice = body.get("tool_choice", "auto")
    if isinstance(choice, str) and f"tool-choice-{choice}" in breaks:  # required or none, taken as auto
        choice = "auto"
    forcing = "named" if isinstance(choice, dict) else choice
    if body.get("stream") and f"tool-choice-{forcing}-ignored-when-streamed" in breaks:
        choice = "auto"
    if not tools or choice == "none":
        return []
    if isinstance(choice, dict):
        named = choice["function"]["name"]
        if "tool-choice-named" in breaks:  # another tool than the one named, when there is one
            return ([f for f in tools if f["name"] != named] or tools)[:1]
        return [f for f in tools if f["name"] == named][:1]
    chosen = sorted((f for f in tools if f["name"] in prompt), key=lambda f: prompt.index(f["name"]))
    if not chosen and choice == "required":
        chosen = tools[:1]
    return chosen if parallel else chosen[:1]


def value_for(schema: dict, hint: str):
    """A value valid for a JSON Schema property; strings take the hint from the prompt."""
    if not isinstance(schema, dict):
        return hint
    if schema.get("enum"):
        return schema["enum"][0]
    kind = schema.get("type")
    kind = kind[0] if isinstance(kind, list) and kind else kind
    return {"integer": 1, "number": 1, "boolean": True, "array": [], "object": {}, "null": None}.get(kind, hint)


def arguments(function: dict, prompt: str) -> dict:
    after = prompt[prompt.find(function["name"]) + len(function["name"]):] if function["name"] in prompt else ""
    words = CAPITALISED.findall(after[:ARGUMENT_WINDOW])
    quoted = QUOTED.search(after)
    hint = quoted.group(1) if quoted else words[0] if words else "example"
    parameters = function.get("parameters") or {}
    properties = parameters.get("properties") or {}
    return {name: value_for(schema, hint) for name, schema in properties.items()}


def arguments_text(values: dict, breaks: frozenset[str] = frozenset()) -> str:
    """The arguments as a JSON string; the `tools` break sends Python's repr instead (single quotes: not JSON)."""
    return repr(values) if "tools" in breaks else json.dumps(values)


def call_id(seed: str, index: int) -> str:
    return "tooluse_" + hashlib.sha256(f"{seed}/{index}".encode()).hexdigest()[:22]


def tool_calls(body: dict, prompt: str, seed: str, parallel: bool = True,
               breaks: frozenset[str] = frozenset()) -> list[dict]:
    """The tool calls of the answer, or [] when the scripted model answers in text."""
    last = (body.get("messages") or [{}])[-1]
    if last.get("role") == "tool":
        return []  # a tool result came back: answer it in text, never loop
    calls = [{"id": call_id(seed, i), "type": "function",
              "function": {"name": f["name"], "arguments": arguments_text(arguments(f, prompt), breaks)}}
             for i, f in enumerate(chosen_functions(body, prompt, parallel, breaks))]
    if "parallel-calls-same-id" in breaks:
        calls = [{**c, "id": calls[0]["id"]} for c in calls]
    return calls


def answer_to_results(messages: list[dict], breaks: frozenset[str] = frozenset()) -> str | None:
    """The final answer to a conversation that ends with tool results: each result quoted, beside
    what its call asked for; None when the last message is not a tool result."""
    results = []
    for message in reversed(messages):
        if message.get("role") != "tool":
            break
        results.insert(0, message)
    if not results:
        return None
    asked = {c.get("id"): c.get("function") or {} for m in messages if m.get("role") == "assistant"
             for c in m.get("tool_calls") or [] if isinstance(c, dict)}
    sentences = []
    for result in results:
        function = asked.get(result.get("tool_call_id"), {})
        try:
            about = " ".join(str(v) for v in json.loads(function.get("arguments") or "{}").values())
        except (TypeError, ValueError, AttributeError):
            about = ""
        content = "" if "tool-result-ignored" in breaks else str(result.get("content") or "")
        name = function.get("name", "the tool")
        sentences.append(f"{name} for {about or 'your request'} says: {content}." if content
                         else f"{name} returned no data for {about or 'your request'}.")
    return " ".join(sentences)


def stream_deltas(calls: list[dict], breaks: frozenset[str] = frozenset()) -> list[dict]:
    """The deltas that stream the calls as OpenAI does: per call, one opening its index with id,
    type and name (arguments ""), then the arguments in pieces of a few characters."""
    deltas = []
    for i, call in enumerate(calls):
        opening = {"index": i, "id": call["id"], "type": "function",
                   "function": {"name": call["function"]["name"], "arguments": ""}}
        deltas.append({"tool_calls": [opening]})
        arguments = call["function"]["arguments"]
        for n, start in enumerate(range(0, len(arguments), 7)):
            # the break: each piece under a new index, as if it opened another call
            index = len(calls) + n if "tool-stream-fragments-broken" in breaks else i
            function = {"arguments": arguments[start:start + 7]}
            if "tools-repeat-name-in-stream" in breaks:  # the name again in every fragment
                function = {"name": call["function"]["name"], **function}
            deltas.append({"tool_calls": [{"index": index, "function": function}]})
    return deltas


def preamble(calls: list[dict]) -> str:
    """The text Heroku sends beside tool calls (Claude announces what it is about to do)."""
    names = " and ".join(c["function"]["name"] for c in calls)
    return f"I will call {names}."


def cut_to_limit(content: str, calls: list[dict], limit: int | None,
                 breaks: frozenset[str] = frozenset()) -> tuple[str, list[dict], bool]:
    """(content, calls, whether max_tokens cut them): the text first, then each call's arguments, within
    `limit` tokens. The call the limit ends keeps its arguments' first tokens (not JSON any more); later
    calls are not made. Under the `tools-truncated-args-without-length` break the cut is not reported."""
    if limit is None:
        return content, calls, False
    content, cut = truncate(content, limit)
    if cut:
        return content, [], True
    left, kept = limit - count_tokens(content), []
    for call in calls:
        if left <= 0:
            cut = True
            break
        arguments, cut = truncate(call["function"]["arguments"], left)
        kept.append({**call, "function": {**call["function"], "arguments": arguments}})
        left -= count_tokens(arguments)
        if cut:
            break
    return content, kept, cut and ("tools-truncated-args-without-length" not in breaks or not kept)
