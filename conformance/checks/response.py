"""The response structure, judged on the wire: OpenAI's JSON Schema (the project's own schema files,
written from OpenAI's spec) accepts every answer and chunk, usage adds up, one choice; and what the
client that sent the request made of it (the `sdk-types` variant and the model table's SDK column
read the client's view: for the Python SDK, whether its own types accept the answer)."""
from functools import cache

import jsonschema

from ..exchange import Exchange, clip
from ..findings import ERROR, HONOURED, IGNORED, REJECTED, UNANSWERED, UNCLEAR, Finding
from ..schema import describe, schema
from .common import client_problem, not_answered, not_json
from .errors import plain_request_refused
from .registry import check


def chunk_problem(i: int, event: dict) -> str | None:
    """What keeps one streamed chunk from being a chunk at all (its full shape is the structure row's)."""
    if event.get("object") != "chat.completion.chunk":
        return f"chunk {i} has object={event.get('object')!r}, not 'chat.completion.chunk'"
    choices = event.get("choices")
    if not isinstance(choices, list):
        return f"chunk {i} has no choices list"
    if any(not isinstance(c, dict) or not isinstance(c.get("delta"), dict) for c in choices):
        return f"chunk {i} has a choice without a delta object"
    return None


def stream_problem(probe: Exchange) -> str | None:
    """What is wrong with a stream's wire format, or None."""
    if probe.stream_cut:
        return f"the connection broke after {len(probe.events)} chunk(s) ({probe.stream_cut})"
    if probe.malformed_events:
        return f"an SSE event is not JSON: {clip(probe.malformed_events[0], 60)}"
    if not probe.events:
        return "the stream carried no chunks"
    for i, event in enumerate(probe.events):
        if problem := chunk_problem(i, event):
            return problem
    # `created` may tick from chunk to chunk (llama-server stamps each one); id and model may not.
    for key in ("id", "model"):
        values = {event.get(key) for event in probe.events}
        if len(values) > 1:
            return f"the chunks disagree on {key}: {sorted(map(str, values))[:3]}"
    finishes: dict = {}  # per choice: a stream of n choices finishes each once
    for e in probe.events:
        for c in e.get("choices") or []:
            finishes.setdefault(c.get("index", 0), []).append(c.get("finish_reason"))
    for index, reasons in finishes.items():
        given = [r for r in reasons if r]
        if len(given) != 1:
            return f"{len(given)} chunks of choice {index} carry a finish_reason, expected exactly one"
    if not probe.done_marker:
        return "the stream did not end with `data: [DONE]`"
    if probe.after_done:
        return f"{probe.after_done} event(s) came after `data: [DONE]`"
    return None


def _client(ex: Exchange) -> str:
    return ex.sdk.client if ex.sdk is not None else "the client"


@check
def completion_shape(probe: Exchange) -> Finding:
    """A plain completion reaches the user of the client that sent it: answered as JSON, and the
    client hands it over (the Python SDK: its own types accept it, in OpenAI's standard format).

    Sample: "the response was answered, but openai-python could not use it: not a chat completion the
    openai SDK accepts (usage.completion_tokens: Field required)"
    """
    if finding := not_answered(probe):
        return finding
    if problem := client_problem(probe):
        return Finding(ERROR, f"the response was answered, but {_client(probe)} could not use it: {problem}")
    return Finding(HONOURED, f"a chat completion that {_client(probe)} hands its user"
                             + (" (its types accept it)" if _client(probe) == "openai-python" else ""))


@check
def sdk_types_accept(probe: Exchange, streamed: Exchange) -> Finding:
    """The client accepts the plain response and every chunk of the streamed one: the Python SDK's
    own types accept them; a Node.js client neither throws nor yields a chunk it cannot use.

    Sample: "the plain request was answered, but ai-sdk could not use it: raised AI_APICallError: Invalid JSON
    response (AI_TypeValidationError: choices.0.message.reasoning: Invalid input: expected string)"
    """
    if finding := not_answered(probe, "the plain request") or not_answered(streamed, "the streamed request"):
        return finding
    if problem := client_problem(probe):
        return Finding(ERROR, f"the plain request was answered, but {_client(probe)} could not use it: {problem}")
    if _stream_ignored(streamed):
        return Finding(HONOURED, f"{_client(probe)} accepts the plain response, and the streamed request's "
                                 "answer (one JSON body, not a stream: core.stream's business)")
    if problem := client_problem(streamed):
        return Finding(ERROR, f"the streamed request was answered, but {_client(streamed)} could not use it: "
                              f"{problem}")
    if not streamed.events:
        return _unusable(streamed, "the streamed request") or Finding(ERROR, "the stream carried no chunks")
    count = streamed.sdk.chunk_count if streamed.sdk is not None and streamed.sdk.chunk_count is not None \
        else len(streamed.events)
    return Finding(HONOURED, f"{_client(probe)} accepts the plain response and all {count} chunks of the "
                             "streamed one" + (" (its types accept them)" if _client(probe) == "openai-python" else ""))


# The project's JSON Schemas of OpenAI's CreateChatCompletionResponse and ...StreamResponse
# (conformance/schemas/; tests/test_openai_schema_fidelity.py proves them against OpenAI's spec).
COMPLETION_SCHEMA, CHUNK_SCHEMA = "openai-chat-completion", "openai-chat-completion-chunk"
USAGE_KEYS = ("prompt_tokens", "completion_tokens", "total_tokens")


@cache
def _validator(name: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema(name))


def schema_problem(instance: object, name: str) -> str | None:
    """The most relevant way instance breaks the named schema, in one line, or None."""
    error = jsonschema.exceptions.best_match(_validator(name).iter_errors(instance))
    return describe(error) if error is not None else None


def _unusable(ex: Exchange, what: str) -> Finding | None:
    """No answer to look at: none, an HTTP error, or a plain body that is not a JSON object."""
    if ex.transport_error:
        return Finding(UNANSWERED, f"{what} got no answer: {ex.transport_error}")
    if not ex.ok:
        return Finding(REJECTED, f"{what} was rejected: HTTP {ex.status} {ex.error_message!r}", ex.status)
    if not ex.events and not isinstance(ex.body, dict):
        if ex.stream and ex.stream_cut:
            return Finding(UNCLEAR, f"{what}: the connection broke before any chunk ({ex.stream_cut})")
        return Finding(ERROR, f"{what}: {not_json(ex) if ex.not_json is not None else 'no chat completion came back'}")
    return None


def _stream_ignored(streamed: Exchange) -> bool:
    """The server answered stream=true with one JSON body: core.stream's difference, not the shape's.
    The body is judged as the answer it is."""
    return not streamed.events and isinstance(streamed.body, dict)


@check
def openai_schema_accepts(probe: Exchange, streamed: Exchange) -> Finding:
    """OpenAI's JSON Schema (CreateChatCompletionResponse, CreateChatCompletionStreamResponse) accepts the
    plain response and every chunk of the streamed one; fields it does not define are allowed.

    Sample: "the plain response is not valid against OpenAI's schema (created: '1764000000' is not of type
    'integer')"
    """
    if finding := _unusable(probe, "the plain request") or _unusable(streamed, "the streamed request"):
        return finding
    if problem := schema_problem(probe.body, COMPLETION_SCHEMA):
        return Finding(ERROR, f"the plain response is not valid against OpenAI's schema ({problem})")
    if _stream_ignored(streamed):
        if problem := schema_problem(streamed.body, COMPLETION_SCHEMA):
            return Finding(ERROR, f"the streamed request's one JSON body is not valid against OpenAI's schema "
                                  f"({problem})")
        return Finding(HONOURED, "OpenAI's schema accepts the plain response and the streamed request's answer "
                                 "(one JSON body, not a stream: core.stream's business)")
    if streamed.malformed_events:
        return Finding(ERROR, f"an SSE event of the stream is not JSON: {clip(streamed.malformed_events[0], 60)}")
    for i, event in enumerate(streamed.events):
        if problem := schema_problem(event, CHUNK_SCHEMA):
            return Finding(ERROR, f"chunk {i} of the stream is not valid against OpenAI's schema ({problem})")
    return Finding(HONOURED, f"OpenAI's schema accepts the plain response and all {len(streamed.events)} chunks "
                             "of the streamed one")


def usage_problem(usage: object, where: str) -> tuple[str, str] | None:
    """(observed, what is wrong) with a usage object, or None when its counts add up."""
    if not isinstance(usage, dict):
        return ERROR, f"{where} carries no usage object (got {usage!r})"
    counts = {key: usage.get(key) for key in USAGE_KEYS}
    for key, value in counts.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            return ERROR, f"{where}: usage.{key} is {value!r}, not a count"
    prompt, completion, total = counts.values()
    if total != prompt + completion:
        return IGNORED, (f"{where}: total_tokens is {total}, not prompt_tokens {prompt} + completion_tokens "
                         f"{completion} = {prompt + completion}")
    return None


@check
def usage_adds_up(probe: Exchange, streamed: Exchange) -> Finding:
    """usage holds integer counts with total_tokens = prompt_tokens + completion_tokens, in the plain
    response and in the usage chunk of a stream sent with stream_options.include_usage.

    Sample: "the plain response: total_tokens is 26, not prompt_tokens 16 + completion_tokens 9 = 25"
    """
    if finding := _unusable(probe, "the plain request") or _unusable(streamed, "the streamed request"):
        return finding
    if problem := usage_problem(probe.body.get("usage"), "the plain response"):
        return Finding(*problem)
    if _stream_ignored(streamed):
        stream_usage, where = streamed.body.get("usage"), "the streamed request's one JSON body"
    else:
        carriers = [e["usage"] for e in streamed.events if isinstance(e.get("usage"), dict)]
        if not carriers:
            if streamed.stream_cut or not streamed.done_marker:
                return Finding(UNCLEAR, "the stream ended early, before a usage chunk could come: nothing to judge "
                                        f"({streamed.stream_cut or 'no [DONE]'})")
            # Whether it should have is the stream_options row's claim; here there is nothing to add up.
            plain = probe.body["usage"]
            return Finding(HONOURED, f"usage adds up in the plain response ({plain['prompt_tokens']} + "
                                     f"{plain['completion_tokens']} = {plain['total_tokens']}); the stream carried "
                                     "no usage chunk to add up")
        stream_usage, where = carriers[-1], "the stream's usage chunk"
    if problem := usage_problem(stream_usage, where):
        return Finding(*problem)
    plain, streamed_usage = probe.body["usage"], stream_usage
    return Finding(HONOURED, f"usage adds up: plain {plain['prompt_tokens']} + {plain['completion_tokens']} = "
                             f"{plain['total_tokens']}, streamed {streamed_usage['prompt_tokens']} + "
                             f"{streamed_usage['completion_tokens']} = {streamed_usage['total_tokens']}")


def _choice_problem(choices: object, where: str) -> tuple[str, str] | None:
    if not isinstance(choices, list):
        return ERROR, f"{where} has no choices list (got {clip(str(choices), 40)})"
    indexes = [c.get("index") if isinstance(c, dict) else c for c in choices]
    if len(choices) > 1 or any(index != 0 for index in indexes):
        return IGNORED, f"{where} carries choices with index {indexes}, not exactly one with index 0"
    return None


@check
def one_choice(probe: Exchange, streamed: Exchange) -> Finding:
    """Without `n`, the plain response has exactly one choice, index 0, and no chunk of a stream carries
    another (a final usage chunk may carry none).

    Sample: "the plain response carries choices with index [0, 1], not exactly one with index 0"
    """
    if finding := _unusable(probe, "the plain request") or _unusable(streamed, "the streamed request"):
        return finding
    if problem := _choice_problem(probe.body.get("choices"), "the plain response"):
        return Finding(*problem)
    if not probe.body["choices"]:
        return Finding(IGNORED, "the plain response carries no choice, not exactly one")
    if _stream_ignored(streamed):
        bodies = [("the streamed request's one JSON body", streamed.body.get("choices"))]
    else:
        bodies = [(f"chunk {i} of the stream", e.get("choices")) for i, e in enumerate(streamed.events)]
    for where, choices in bodies:
        if problem := _choice_problem(choices, where):
            return Finding(*problem)
    if not any(choices for _, choices in bodies):
        if streamed.stream_cut:
            return Finding(UNCLEAR, f"the stream broke before any choice came ({streamed.stream_cut})")
        return Finding(ERROR, "no chunk of the stream carried a choice")
    return Finding(HONOURED, "exactly one choice (index 0) in the plain response, and at most that one in "
                             f"each of the {len(bodies)} streamed chunk(s)")


# Headers a user can quote to the service when reporting a request: OpenAI's (the only one the openai
# SDKs expose, as `_request_id` and on their errors), Anthropic's, and AWS's (Heroku runs on Bedrock).
REQUEST_ID_HEADERS = ("x-request-id", "request-id", "x-amzn-requestid", "x-amz-request-id")


def _request_id_header(ex: Exchange) -> tuple[str, str] | None:
    for name in REQUEST_ID_HEADERS:
        if str(ex.headers.get(name) or "").strip():
            return name, ex.headers[name]
    return None


def _exposed(ex: Exchange) -> str | None:
    """The request id the client hands its user: on an answer, or on the exception it raised."""
    view = ex.sdk
    if view is None or view.sent_by != "sdk":
        return None
    return view.request_id or (view.exception or {}).get("request_id")


@check
def request_ids(probe: Exchange, streamed: Exchange, invalid: Exchange) -> Finding:
    """Every answer, a plain one, a streamed one and an error, carries a request id header a user can log
    and quote (x-request-id, request-id, x-amzn-requestid); the evidence says which, and whether the
    client exposes it (the openai SDKs read x-request-id only). An answer that never came says nothing.

    Sample: "the error answer (HTTP 400) carries no request id header (looked for x-request-id, request-id,
    x-amzn-requestid, x-amz-request-id)"
    """
    answers = {"the plain answer": probe, "the streamed answer": streamed,
               f"the error answer (HTTP {invalid.status})" if not invalid.ok else "the answer to the faulty request":
               invalid}
    silent = [what for what, ex in answers.items() if ex.transport_error or ex.status is None]
    if silent:
        return Finding(UNANSWERED, f"{silent[0]} never came: {answers[silent[0]].transport_error}")
    if not probe.ok:  # the model itself may be refused: no answer of the model to look at
        return plain_request_refused(probe)
    found = {}
    for what, ex in answers.items():
        header = _request_id_header(ex)
        if header is None:
            return Finding(IGNORED, f"{what} carries no request id header (looked for {', '.join(REQUEST_ID_HEADERS)})")
        found[what] = header
    names = sorted({name for name, _ in found.values()})
    exposed = [what for what, ex in answers.items() if _exposed(ex)]
    client = _client(probe)
    shown = (f"; {client} exposes it on {len(exposed)} of {len(answers)}" if exposed else
             f"; {client} exposes none of them (the openai SDKs read x-request-id only)")
    sample = next(iter(found.values()))
    return Finding(HONOURED, f"every answer carries {' or '.join(names)} (e.g. {clip(sample[1], 40)}){shown}",
                   evidence={"request_id_headers": {what: name for what, (name, _) in found.items()},
                             "exposed_by_client": exposed})

