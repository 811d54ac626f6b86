"""Checks of the Advanced table's tools and tool_choice rows: single requests, one call each.

A tool call is judged as a client would use it: an `id` to answer it with, type "function", the name
of a declared tool, and `arguments` as a JSON string whose object validates against that tool's
`parameters` schema (jsonschema), with finish_reason "tool_calls". An answer in text without any
call says nothing about the server unless tool_choice forced a call: a weak model may not call tools.
"""
import json

import jsonschema

from ..exchange import Exchange, clip
from ..findings import ACCEPTED, ERROR, HONOURED, IGNORED, REJECTED, UNANSWERED, UNCLEAR, Finding
from .common import answered, spent_before_answering
from .registry import check
from .tool_streams import streamed_calls


def declared_tools(ex: Exchange) -> dict[str, dict]:
    """name -> parameters schema of the function tools the request declares."""
    declared = {}
    for tool in ex.request.get("tools") or []:
        function = tool.get("function") if isinstance(tool, dict) else None
        if isinstance(function, dict) and isinstance(function.get("name"), str):
            parameters = function.get("parameters")
            declared[function["name"]] = parameters if isinstance(parameters, dict) else {}
    return declared


def forced_tool(ex: Exchange) -> str | None:
    """What tool_choice forces: 'required', the named function's name, or None (auto, none, absent)."""
    choice = ex.request.get("tool_choice")
    if isinstance(choice, dict):
        return str((choice.get("function") or {}).get("name"))
    return "required" if choice == "required" else None


def arguments_problem(arguments: object) -> str | None:
    """Why a call's arguments are not what the server must send: a JSON string of an object."""
    if not isinstance(arguments, str):
        return f"wrong type: arguments is a {type(arguments).__name__}, not a JSON string"
    try:
        value = json.loads(arguments)
    except ValueError:
        return f"invalid JSON: arguments {clip(arguments, 60)} do not parse"
    if not isinstance(value, dict):
        return f"invalid JSON: arguments parse to a {type(value).__name__}, not an object"
    return None


def call_problem(call: object) -> str | None:
    """Why one entry of message.tool_calls is not in the shape a client can use (the server's doing), or None."""
    if not isinstance(call, dict):
        return f"wrong type: a call is a {type(call).__name__}, not an object"
    if not isinstance(call.get("id"), str) or not call["id"]:
        return f"missing id: the call's id is {call.get('id')!r}, not a non-empty string"
    if call.get("type") != "function":
        return f"wrong type: the call's type is {call.get('type')!r}, not 'function'"
    function = call.get("function")
    if not isinstance(function, dict):
        return f"wrong type: the call's function is {clip(repr(function), 40)}, not an object"
    if not isinstance(function.get("name"), str) or not function["name"]:
        return f"missing name: the call's function.name is {function.get('name')!r}"
    problem = arguments_problem(function.get("arguments"))
    return f"{function['name']}: {problem}" if problem else None


def choice_problem(call: dict, declared: dict[str, dict]) -> str | None:
    """Why a well-formed call is not a valid call of a declared tool: an invented name, or arguments
    that do not match the tool's schema. Both are the model's choice: Heroku ignores `strict`."""
    name = call["function"]["name"]
    if name not in declared:
        return f"unknown tool name {name!r} (declared: {', '.join(declared)})"
    value = json.loads(call["function"]["arguments"])
    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(declared[name]).iter_errors(value))
    return f"{name}: schema mismatch at {error.json_path}: {error.message}" if error is not None else None


def describe(calls: list) -> str:
    return ", ".join(f"{c['function']['name']}({c['function']['arguments']})" for c in calls)


def calls_made(probe: Exchange) -> tuple[list, Finding | None]:
    """(the answer's tool calls, None), or (them, a Finding) when they cannot be used as they are."""
    calls = (probe.choice.get("message") or {}).get("tool_calls")
    if calls in (None, []):
        if probe.finish_reason == "tool_calls":
            return [], Finding(ERROR, "finish_reason is 'tool_calls', but the message has no tool_calls")
        return [], None
    if not isinstance(calls, list):
        return [], Finding(ERROR, f"wrong type: message.tool_calls is a {type(calls).__name__}, not an array")
    return calls, judged_calls(probe, calls)


def judged_calls(probe: Exchange, calls: list) -> Finding | None:
    """Why an answer's calls (as returned, or reassembled from a stream) cannot be used, or None.
    The server's format (ERROR) is judged before the model's choices (UNCLEAR)."""
    problems = [p for p in map(call_problem, calls) if p]
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        cut = " (the answer was cut by the token limit)" if probe.finish_reason == "length" else ""
        observed = UNCLEAR if cut else ERROR
        return Finding(observed, f"a tool call is unusable: {problems[0]}{more}{cut}")
    ids = [c["id"] for c in calls]
    shared = sorted({i for i in ids if ids.count(i) > 1})
    if shared:  # each tool result names the call it answers: two calls with one id cannot both be answered
        return Finding(ERROR, f"{ids.count(shared[0])} calls share the id {shared[0]!r}: a client cannot answer each")
    # OpenAI ends a call that tool_choice forced with finish_reason 'stop': allowed there, not otherwise.
    finishes = ("tool_calls", "stop") if forced_tool(probe) else ("tool_calls",)
    if probe.finish_reason not in finishes:
        return Finding(ERROR, f"{len(calls)} tool call(s), but finish_reason is "
                              f"{probe.finish_reason!r}, not 'tool_calls'")
    declared = declared_tools(probe)
    choices = [p for p in (choice_problem(c, declared) for c in calls) if p]
    if choices:
        more = f" (and {len(choices) - 1} more)" if len(choices) > 1 else ""
        return Finding(UNCLEAR, f"the model's call does not fit the declared tools: {choices[0]}{more}; Heroku "
                                "does not enforce a tool's schema (strict is ignored), so this is the model's choice")
    return None


def unanswered_or_unusable(probe: Exchange, what: str) -> tuple[list, Finding | None]:
    """The usable calls of an answered probe, or a Finding that ends the check."""
    if finding := answered(probe, what):
        return [], finding
    calls, finding = calls_made(probe)
    if finding is None and not calls:
        finding = spent_before_answering(probe, what)
    return calls, finding


def not_forced(probe: Exchange) -> Finding:
    """On the tools row, a forced request answered in text: forcing is advanced.tool_choice's claim,
    judged there; here there is no call whose use could be judged."""
    return Finding(UNCLEAR, f"tool_choice forced a call, but the answer is text ({clip(probe.text, 60)}): the "
                            "advanced.tool_choice row judges forcing; there is no call here to judge")


@check
def tool_call_valid(probe: Exchange) -> Finding:
    """With one function tool declared and a prompt that needs it, the answer calls it: a non-empty
    id, type function, a declared name, arguments that are a JSON object valid for the tool's
    schema, and finish_reason tool_calls (or stop where tool_choice forced the call). Text beside the
    calls is allowed. A text answer without any call is UNCLEAR: a weak model, or, where tool_choice
    forced a call, a server not forcing, which advanced.tool_choice judges.

    Sample: "a tool call is unusable: get_weather: schema mismatch at $: 'city' is a required property"
    """
    calls, finding = unanswered_or_unusable(probe, "the request with tools")
    if finding:
        return finding
    if not calls:
        if forced_tool(probe):
            return not_forced(probe)
        return Finding(UNCLEAR, f"the model answered in text without calling a tool ({clip(probe.text, 60)}): "
                                "a model that does not call tools says nothing about the server")
    return Finding(HONOURED, f"{len(calls)} valid tool call(s): {clip(describe(calls), 100)}; "
                             f"finish_reason {probe.finish_reason!r}")


def called_names(probe: Exchange) -> tuple[list[str], str | None]:
    """(the names of the functions the answer calls, None), or ([], why they cannot be read). A streamed
    call is named by its first fragment, as the server meant it (a name repeated later is the tools
    row's difference); a plain one by message.tool_calls. Its arguments are not read: forcing is about
    which function is called."""
    if probe.stream and probe.events:
        calls, problems, _, _ = streamed_calls(probe)
        names = [c["function"]["name"] for c in calls if c["function"]["name"]]  # fragments that open no call:
        if (calls or problems) and not names:  # the tools row's difference, unless no call is named at all
            return [], problems[0] if problems else "no streamed call names a function"
        return names, None
    calls = (probe.choice.get("message") or {}).get("tool_calls") or []
    if not isinstance(calls, list):
        return [], f"message.tool_calls is a {type(calls).__name__}, not an array"
    names = []
    for c in calls:
        function = c.get("function") if isinstance(c, dict) else None
        if not isinstance(function, dict) or not isinstance(function.get("name"), str) or not function["name"]:
            return [], f"a call names no function: {clip(json.dumps(c), 60)}"
        names.append(function["name"])
    return names, None


def forcing(probe: Exchange, what: str) -> Finding:
    """Whether the function tool_choice forces was called, plain or streamed: a call (of the named
    function, where one is named). No call is IGNORED (the server did not force one), unless the token
    limit ended the answer first (UNCLEAR: a model may write before its call). The call's arguments
    are advanced.tools' to judge."""
    if finding := answered(probe, what):
        return finding
    named = forced_tool(probe) or ""
    names, unreadable = called_names(probe)
    if unreadable:
        return Finding(ERROR, f"{what}: the answer's calls cannot be read: {unreadable}")
    if not names:
        if probe.finish_reason == "tool_calls":
            return Finding(ERROR, "finish_reason is 'tool_calls', but the answer has no tool call")
        if probe.finish_reason == "length":
            return Finding(UNCLEAR, f"{what}: the token limit ended the answer before any call "
                                    f"({clip(probe.text, 60) or 'no text'}): forcing was not seen")
        return Finding(IGNORED, f"{what}, but the answer makes no tool call: {clip(probe.text, 60)}")
    others = sorted(set(names) - {named}) if named != "required" else []
    if others:
        return Finding(IGNORED, f"tool_choice names {named}, but the answer calls {', '.join(others)}")
    streamed = " (streamed)" if probe.stream and probe.events else ""
    return Finding(HONOURED, f"{what}: the answer calls {', '.join(names)}{streamed}; whether the call is usable "
                             "is judged on advanced.tools")


@check
def tool_choice_required_calls(probe: Exchange) -> Finding:
    """tool_choice "required", with a prompt that names no tool, plain or streamed: the server forces
    a call anyway (its arguments are advanced.tools' to judge).

    Sample: "tool_choice 'required', but the answer makes no tool call: 'It is sunny in Paris today.'"
    """
    return forcing(probe, "tool_choice 'required'")


@check
def tool_choice_named_calls(probe: Exchange) -> Finding:
    """tool_choice naming one of two declared functions, plain or streamed: that function, and no
    other, is called (the prompt asks for the other one, so a server that ignores the choice shows it).

    Sample: "tool_choice names get_time, but the answer calls get_weather"
    """
    return forcing(probe, f"tool_choice names {forced_tool(probe) or ''}")


@check
def tool_choice_none_answers_in_text(probe: Exchange) -> Finding:
    """tool_choice "none", with a prompt that names the declared tool: no tool call, a text answer.

    Sample: "tool_choice 'none', but the answer calls get_weather"
    """
    if finding := answered(probe, "the request with tool_choice 'none'"):
        return finding
    calls = (probe.choice.get("message") or {}).get("tool_calls")
    if calls:
        names = [c["function"].get("name") if isinstance(c, dict) and isinstance(c.get("function"), dict) else c
                 for c in (calls if isinstance(calls, list) else [calls])]
        return Finding(IGNORED, f"tool_choice 'none', but the answer calls {', '.join(map(str, names))}")
    if probe.finish_reason == "tool_calls":
        return Finding(IGNORED, "tool_choice 'none', but finish_reason is 'tool_calls' (with no calls listed)")
    if finding := spent_before_answering(probe, "the answer with tool_choice 'none'"):
        return finding
    if not probe.text.strip():
        return Finding(ERROR, f"tool_choice 'none': no tool call, but no text either (finish_reason "
                              f"{probe.finish_reason!r})")
    return Finding(HONOURED, f"tool_choice 'none': no tool call, a text answer {clip(probe.text, 60)}")


@check
def tool_choice_auto_accepted(probe: Exchange) -> Finding:
    """tool_choice "auto" is accepted; the model may call a tool or answer in text, so nothing is
    measured beyond acceptance and the validity of any call made.

    Sample: "a tool call is unusable: unknown tool name 'weather' (declared: get_weather)"
    """
    calls, finding = unanswered_or_unusable(probe, "the request with tool_choice 'auto'")
    if finding:
        return finding
    if calls:
        return Finding(ACCEPTED, f"tool_choice 'auto' accepted; the model called {clip(describe(calls), 100)}")
    if not probe.text.strip():
        return Finding(ERROR, f"tool_choice 'auto': no tool call, but no text either (finish_reason "
                              f"{probe.finish_reason!r})")
    return Finding(ACCEPTED, f"tool_choice 'auto' accepted; the model answered in text {clip(probe.text, 60)}")


@check
def tool_choice_default_observed(probe: Exchange) -> Finding:
    """Tools declared, no tool_choice, and a prompt no tool helps with: a text answer is what "auto"
    (OpenAI's default) gives; a call is what "required" would force. Observed (a draft page's claim):
    the reason says which default the server behaved as.

    Sample: "with tools and no tool_choice, the answer is text 'Paris': the default behaves as auto"
    """
    calls, finding = unanswered_or_unusable(probe, "the request with tools and no tool_choice")
    if finding:
        return finding
    if calls:
        return Finding(HONOURED, f"with tools and no tool_choice, a prompt that needs no tool got a call "
                                 f"({clip(describe(calls), 80)}): the default behaves as required (or the model "
                                 "chose to call)")
    return Finding(IGNORED, f"with tools and no tool_choice, the answer is text {clip(probe.text, 60)}: the default "
                            "behaves as auto, OpenAI's")


# The heroku_tool the suite sends: a name no Heroku tool has and an app name Heroku cannot give (app
# names start with a letter), so nothing can run on anyone's app whatever the server does with it.
NO_SUCH_HEROKU_TOOL = "conformance_probe_no_such_tool"


@check
def heroku_tool_observed(probe: Exchange) -> Finding:
    """A `heroku_tool` entry in tools, as Heroku's own apps send through the openai SDK, naming a tool
    that does not exist. Observed: whether the endpoint reads the type (an unknown name refused by
    name), refuses it without reading it, or takes it in silence.

    Sample: "a heroku_tool named 'conformance_probe_no_such_tool' got HTTP 500: 'Failed to execute chat'"
    """
    name = NO_SUCH_HEROKU_TOOL
    if probe.transport_error or probe.status is None:
        return Finding(UNANSWERED, f"no answer came: {probe.transport_error}")
    if probe.status >= 500:
        return Finding(ERROR, f"a heroku_tool named {name!r} got HTTP {probe.status}: "
                              f"{clip(probe.error_message or 'no message', 80)}", probe.status)
    if not probe.ok:
        message = probe.error_message or "no message"
        if name in message:
            return Finding(REJECTED, f"the heroku_tool was read and refused by name (HTTP {probe.status} "
                                     f"{clip(message, 80)}): the endpoint takes heroku_tool entries", probe.status)
        return Finding(REJECTED, f"refused without naming the tool (HTTP {probe.status} {clip(message, 80)}): "
                                 "this endpoint may take no heroku_tool at all", probe.status)
    calls = (probe.choice.get("message") or {}).get("tool_calls")
    called = [c for c in calls if isinstance(c, dict) and (c.get("function") or {}).get("name") == name] \
        if isinstance(calls, list) else []
    if called:
        return Finding(ACCEPTED, f"accepted, and the model called {name!r} as a function (nothing can run: "
                                 "no such tool): the entry was passed to the model as an ordinary tool")
    return Finding(ACCEPTED, f"accepted in silence: a heroku_tool naming a tool that does not exist got an "
                             f"answer ({clip(probe.text, 40)}), with no error to say the tool is unknown")
