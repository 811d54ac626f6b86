"""How a streamed tool call is read: from the raw SSE events on the wire, fragment by fragment, and as
the openai Python SDK's own stream accumulator hands it to its user. Helpers of the tools checks (no
check is registered here): the server is judged on the wire, whichever client sent the request.
"""
import json
import warnings

from ..exchange import Exchange, clip


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


def first_choice_events(ex: Exchange) -> list[dict]:
    """The stream's events with only choice 0 in each (other choices are not this call's)."""
    kept = []
    for event in ex.events:
        choices = [c for c in event.get("choices") or [] if isinstance(c, dict) and c.get("index", 0) == 0]
        kept.append({**event, "choices": choices})
    return kept


def streamed_calls(ex: Exchange) -> tuple[list[dict], list[str], int, list[str]]:
    """(the calls of a stream, problems, how many fragments, notes), read by `index`: the first fragment
    of a call gives its id and name (and type, which OpenAI's chunk schema leaves optional: its absence
    is only noted), the later ones only pieces of its arguments. An id or name a later fragment repeats
    is a problem: OpenAI's clients append it (the name becomes 'get_weatherget_weather'). The calls
    keep the first fragment's id and name: what the server meant, beside what a client makes of it
    (`client_calls`)."""
    calls: dict[int, dict] = {}
    problems: list[str] = []
    notes: list[str] = []
    fragments = 0
    for event in first_choice_events(ex):
        for choice in event["choices"]:
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
                                            f"OpenAI's clients append: they get {clip(str(first) + value, 60)}")
                call["function"]["arguments"] += function.get("arguments") or ""
    indexes = sorted(calls)
    if indexes != list(range(len(indexes))):
        problems.append(f"the calls' indexes are {indexes}, not 0 to {len(indexes) - 1}")
    return [calls[i] for i in indexes], problems, fragments, notes


def client_calls(ex: Exchange) -> tuple[list[dict], str | None]:
    """(the calls the openai Python SDK's stream accumulator makes of the raw events, None), or ([],
    why it could not). The SDK's own code is the judge of what a client gets: it appends every string
    a fragment repeats, and replaces only index and type."""
    try:  # in openai 1.x the class is not exported from the package: its module is the same in 1.x-3.x
        from openai import NOT_GIVEN
        from openai._models import construct_type
        from openai.lib.streaming.chat._completions import ChatCompletionStreamState
        from openai.types.chat import ChatCompletionChunk
    except ImportError as err:  # a client without the stream helper: nothing to compare against
        return [], f"this openai release has no stream accumulator ({err})"
    state = ChatCompletionStreamState(input_tools=[], response_format=NOT_GIVEN)  # nothing to parse: never raises
    try:
        with warnings.catch_warnings():  # pydantic warns of a field of the wrong type: judged by other rows
            warnings.simplefilter("ignore")
            for event in first_choice_events(ex):
                state.handle_chunk(construct_type(type_=ChatCompletionChunk, value=event))
            choices = state.current_completion_snapshot.choices
    except Exception as err:  # noqa: BLE001 - the SDK raising on the stream is what a client meets
        return [], f"the openai SDK's stream accumulator fails on this stream: {type(err).__name__}: " \
                   f"{clip(str(err), 80)}"
    calls = (choices[0].message.tool_calls or []) if choices else []
    return [{"id": c.id, "type": c.type, "function": {"name": c.function.name if c.function else None,
                                                      "arguments": c.function.arguments if c.function else None}}
            for c in calls], None


def client_problem(ex: Exchange, calls: list[dict], declared: dict) -> str | None:
    """Why the calls the SDK's accumulator hands its user differ from the calls the server sent (by
    their first fragments), or None: a name that is no longer the declared one the server gave, an
    id changed, arguments that no longer parse."""
    got, failed = client_calls(ex)
    if failed:
        return None if failed.startswith("this openai release") else failed
    for sent, seen in zip(calls, got, strict=False):
        name = sent["function"]["name"]
        if seen["function"]["name"] != name and name in declared:
            return (f"the openai SDK's stream accumulator makes the call's name {seen['function']['name']!r}, not "
                    f"the declared {name!r}")
        if seen["id"] != sent["id"]:
            return f"the openai SDK's stream accumulator makes the call's id {seen['id']!r}, not {sent['id']!r}"
        if (seen["function"]["arguments"] or "") != sent["function"]["arguments"]:
            return (f"the openai SDK's stream accumulator makes the arguments "
                    f"{clip(str(seen['function']['arguments']), 60)}")
    if len(got) != len(calls):
        return f"the openai SDK's stream accumulator makes {len(got)} call(s) of the {len(calls)} sent"
    return None
