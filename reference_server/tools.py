"""Minimal tool calling for the scripted model, shaped as Heroku answers (Claude on Bedrock).

The scripted model calls a tool when the last user message names it ("use the get_weather tool for
Paris"); `tool_choice` none/auto/required/named and `parallel_tool_calls` are honoured in the
simplest way. A call looks like Heroku's: id `tooluse_<22 chars>`, type function, arguments as a
JSON string valid for the tool's parameters, non-empty text content beside it, finish_reason
tool_calls. A stream carries the calls whole, in one delta after the text.

Break switches: `tools` sends arguments without the tool's required properties; the
`tool-choice-*` switches each ignore one value of tool_choice (required, a named function, none).
"""
import hashlib
import json
import re

from .validation import bad

CAPITALISED = re.compile(r"\b[A-Z][\w-]*")
# Within this many characters after a tool's name, a capitalised word is taken as its string argument.
ARGUMENT_WINDOW = 40


def functions(body: dict) -> list[dict]:
    """The `function` objects of the request's tools, in order."""
    return [t["function"] for t in body.get("tools") or []
            if isinstance(t, dict) and t.get("type") == "function" and isinstance(t.get("function"), dict)]


def validate_tools(body: dict) -> None:
    tools = body.get("tools")
    if tools is None:
        return
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


def chosen_functions(body: dict, prompt: str, parallel: bool, breaks: frozenset[str] = frozenset()) -> list[dict]:
    """Which tools the scripted model calls for this prompt."""
    tools = functions(body)
    choice = body.get("tool_choice", "auto")
    if isinstance(choice, str) and f"tool-choice-{choice}" in breaks:  # required or none, taken as auto
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


def arguments(function: dict, prompt: str, breaks: frozenset[str] = frozenset()) -> dict:
    after = prompt[prompt.find(function["name"]) + len(function["name"]):] if function["name"] in prompt else ""
    words = CAPITALISED.findall(after[:ARGUMENT_WINDOW])
    hint = words[0] if words else "example"
    parameters = function.get("parameters") or {}
    properties = parameters.get("properties") or {}
    left_out = set(parameters.get("required") or []) if "tools" in breaks else set()
    return {name: value_for(schema, hint) for name, schema in properties.items() if name not in left_out}


def call_id(seed: str, index: int) -> str:
    return "tooluse_" + hashlib.sha256(f"{seed}/{index}".encode()).hexdigest()[:22]


def tool_calls(body: dict, prompt: str, seed: str, parallel: bool = True,
               breaks: frozenset[str] = frozenset()) -> list[dict]:
    """The tool calls of the answer, or [] when the scripted model answers in text."""
    last = (body.get("messages") or [{}])[-1]
    if last.get("role") == "tool":
        return []  # a tool result came back: answer it in text, never loop
    return [{"id": call_id(seed, i), "type": "function",
             "function": {"name": f["name"], "arguments": json.dumps(arguments(f, prompt, breaks))}}
            for i, f in enumerate(chosen_functions(body, prompt, parallel, breaks))]


def preamble(calls: list[dict]) -> str:
    """The text Heroku sends beside tool calls (Claude announces what it is about to do)."""
    names = " and ".join(c["function"]["name"] for c in calls)
    return f"I will call {names}."
