"""The Python openai SDK as a client: a request dict in, an Exchange out, one attempt.

Parameters the SDK's `create()` knows are passed as arguments; anything else (Heroku's extensions
such as `extended_thinking`) goes in `extra_body`, exactly as a user of the SDK would send it. The
wire part of the exchange is the HTTP answer as it came; the client's view is what the SDK made of
it: the object it returned (and whether its own types accept the answer), the exception it raised,
the chunks it yielded, the request id it exposes.
"""
import inspect
import time

import openai
import pydantic
from openai.resources.chat.completions import Completions
from openai.types.chat import ChatCompletion, ChatCompletionChunk

from ..errors import describe_error
from ..exchange import ClientView, Exchange
from ..wire.answers import take_answer, take_stream
from ..wire.cassettes import NetworkBlocked, NotRecorded
from ..wire.http import http_transport
from ..wire.keys import WRONG_KEY
from ..wire.sender import closed_unanswered

SDK_PARAMS = frozenset(inspect.signature(Completions.create).parameters) - {"self", "extra_body"}
NAME = "openai-python"
FINISH_REASONS = {"stop", "length", "tool_calls", "content_filter", "function_call"}


def _cause_chain(err: BaseException):
    while err is not None:
        yield err
        err = err.__cause__ or err.__context__


def _raise_if_replay_miss(err: BaseException) -> None:
    """The SDK wraps transport failures; unwrap the cases that mean 'no cassette for this'."""
    for cause in _cause_chain(err):
        name = type(cause).__name__
        if name == "ReplayMiss":
            raise NotRecorded(str(cause).splitlines()[0]) from None
        if name == "CannotOverwriteExistingCassetteException":
            raise NotRecorded(str(cause).splitlines()[0]) from None
        if "Network is disabled" in str(cause):
            raise NetworkBlocked(str(cause).splitlines()[0]) from None


# What a connection broken while a body was being read looks like, in httpx, httpx2 and urllib3.
CUT_ERRORS = {"RemoteProtocolError", "ReadError", "IncompleteRead", "ProtocolError", "ChunkedEncodingError"}


def _stream_cut(err: BaseException) -> str | None:
    for cause in _cause_chain(err):
        if type(cause).__name__ in CUT_ERRORS:
            return describe_error(cause)
    return None


def _connection_problem(err: BaseException) -> str:
    """The SDK's connection error and what lies under it ("Connection error." alone says little)."""
    causes = list(_cause_chain(err.__cause__ or err.__context__))
    root = causes[-1] if causes else None
    said = f"{type(err).__name__}: {err}"
    return f"{said} ({describe_error(root)})" if root is not None and str(root) else said


def split_params(request: dict) -> tuple[dict, dict]:
    known = {k: v for k, v in request.items() if k in SDK_PARAMS}
    extra = {k: v for k, v in request.items() if k not in SDK_PARAMS}
    return known, extra


# ---- what the SDK's own types accept ----------------------------------------------------------

def _first_validation_error(err: pydantic.ValidationError) -> str:
    first = err.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    return f"{where}: {first['msg']}"


def completion_types_problem(body) -> str | None:
    """What keeps a plain answer from being the ChatCompletion the SDK's types describe, or None."""
    if not isinstance(body, dict):
        return "the body is not a JSON object"
    try:
        ChatCompletion.model_validate(body)
    except pydantic.ValidationError as err:
        return f"not a chat completion the openai SDK accepts ({_first_validation_error(err)})"
    if body.get("object") != "chat.completion":
        return f"object is {body.get('object')!r}, not 'chat.completion'"
    if not body["choices"]:
        return "choices is empty"
    message = body["choices"][0]["message"]
    if message.get("role") != "assistant":
        return f"message.role is {message.get('role')!r}, not 'assistant'"
    if body["choices"][0].get("finish_reason") not in FINISH_REASONS:
        return f"finish_reason {body['choices'][0].get('finish_reason')!r} is not an OpenAI value"
    usage = body.get("usage")
    if usage is None:
        return None  # optional in the SDK's types and OpenAI's schema; the usage row asks for it
    if not isinstance(usage, dict):
        return f"usage is {usage!r}, not an object"
    for key in ("prompt_tokens", "completion_tokens", "total_tokens"):
        if not isinstance(usage.get(key), int):
            return f"usage.{key} is {usage.get(key)!r}, not a count"
    return None


def chunk_types_problem(i: int, event: dict) -> str | None:
    """What keeps one streamed chunk from being the ChatCompletionChunk the SDK's types describe."""
    try:
        ChatCompletionChunk.model_validate(event)
    except pydantic.ValidationError as err:
        return f"chunk {i} is not a chunk the openai SDK accepts ({_first_validation_error(err)})"
    if event.get("object") != "chat.completion.chunk":
        return f"chunk {i} has object={event.get('object')!r}, not 'chat.completion.chunk'"
    return None


# ---- what it hands its user -------------------------------------------------------------------

def _reasoning_text(message) -> str | None:
    """The reasoning a message or delta carries, as text: Heroku's `reasoning: {"thinking": "..."}`, or
    a `reasoning` or `reasoning_content` string as other servers send it (vLLM, DeepSeek, llama.cpp)."""
    for name in ("reasoning", "reasoning_content"):
        value = getattr(message, name, None)
        if isinstance(value, dict):
            value = value.get("thinking")
        elif value is not None and not isinstance(value, str):
            value = getattr(value, "thinking", None)
        if isinstance(value, str) and value:
            return value
    return None


def _calls(calls) -> list[dict]:
    out = []
    for call in calls or []:
        function = getattr(call, "function", None)
        out.append({"id": getattr(call, "id", None), "name": getattr(function, "name", None),
                    "arguments": getattr(function, "arguments", None)})
    return out


def _usage(usage) -> dict | None:
    if usage is None:
        return None
    return {k: getattr(usage, k, None) for k in ("prompt_tokens", "completion_tokens", "total_tokens")}


def _exposed_fields(model) -> list[str]:
    """The fields a parsed object exposes: those the answer set, and any it carried beyond the types."""
    return sorted(set(getattr(model, "model_fields_set", ())) | set(getattr(model, "model_extra", None) or {}))


def completion_result(parsed) -> dict:
    """What `create()` hands its user, in OpenAI's names (attributes read as user code reads them)."""
    choice = (getattr(parsed, "choices", None) or [None])[0]
    message = getattr(choice, "message", None)
    return {"text": getattr(message, "content", None), "finish_reason": getattr(choice, "finish_reason", None),
            "tool_calls": _calls(getattr(message, "tool_calls", None)),
            "usage": _usage(getattr(parsed, "usage", None)),
            "reasoning": _reasoning_text(message),
            "message_fields": _exposed_fields(message) if message is not None else []}


class StreamReader:
    """Iterates the SDK's Stream as a user would (`for chunk in stream`), and keeps what they get."""

    def __init__(self):
        self.count, self.text, self.finish_reason, self.usage, self.reasoning = 0, "", None, None, None
        self.calls: dict[int, dict] = {}
        self.fields: set[str] = set()
        self.problem: str | None = None

    def read(self, stream) -> None:
        for chunk in stream:
            self.count += 1
            choices = getattr(chunk, "choices", None)
            if not isinstance(choices, list):
                self.problem = self.problem or f"chunk {self.count - 1} as yielded has no choices list"
                continue
            if getattr(chunk, "usage", None) is not None:
                self.usage = _usage(chunk.usage)
            for choice in choices:
                self._take(choice)

    def _take(self, choice) -> None:
        if getattr(choice, "index", 0) != 0:
            return
        delta = getattr(choice, "delta", None)
        self.fields |= set(_exposed_fields(delta)) if delta is not None else set()
        self.text += getattr(delta, "content", None) or ""
        if piece := _reasoning_text(delta):  # streamed in fragments, like the text
            self.reasoning = (self.reasoning or "") + piece
        for call in getattr(delta, "tool_calls", None) or []:  # fragments joined by index, as the SDK's helper does
            into = self.calls.setdefault(getattr(call, "index", 0), {"id": None, "name": None, "arguments": ""})
            function = getattr(call, "function", None)
            into["id"] = into["id"] or getattr(call, "id", None)
            into["name"] = into["name"] or getattr(function, "name", None)
            into["arguments"] += getattr(function, "arguments", None) or ""
        self.finish_reason = getattr(choice, "finish_reason", None) or self.finish_reason

    def result(self) -> dict:
        return {"text": self.text, "finish_reason": self.finish_reason,
                "tool_calls": [self.calls[i] for i in sorted(self.calls)], "usage": self.usage,
                "reasoning": self.reasoning, "message_fields": sorted(self.fields)}


class _BrokenOff(http_transport.SyncByteStream):
    """The bytes that came, then the connection breaking, as the SDK met them while reading."""

    def __init__(self, content: bytes, cut: str):
        self.content, self.cut = content, cut

    def __iter__(self):
        yield self.content
        raise http_transport.RemoteProtocolError(self.cut)


# ---- the client -------------------------------------------------------------------------------

class PythonOpenAI:
    """The openai package, one client per run (building one costs ~20 ms), its own retries off."""

    name = NAME
    version = openai.__version__

    def __init__(self, base_url: str, api_key: str, timeout: float = 60.0, transport=None):
        # `transport` answers instead of the network (replay: conformance/wire/replay.py)
        http_client = openai.DefaultHttpxClient(transport=transport) if transport is not None else None
        self.sdk = openai.OpenAI(base_url=base_url, api_key=api_key, max_retries=0, timeout=timeout,
                                 http_client=http_client)

    def attempt(self, request: dict, transport: dict) -> Exchange:
        """One attempt: what came back, and what the SDK made of it."""
        exchange = Exchange(request=request, stream=bool(request.get("stream")))
        view = exchange.sdk = ClientView(NAME, self.version)
        known, extra = split_params(request)
        sdk = self.sdk.with_options(api_key=WRONG_KEY) if transport.get("api_key") else self.sdk
        headers = transport.get("headers") or None  # per request, as a user passes them (extra_headers)
        started = time.perf_counter()
        try:
            if "raw_body" in transport:
                self._send_raw(sdk, transport["raw_body"], exchange, headers)
            elif "path" in transport:
                self._send_elsewhere(sdk, transport["path"], transport.get("method", "POST"), request, exchange,
                                     headers)
            elif exchange.stream:
                self._send_streaming(sdk, known, extra, exchange, headers)
            else:
                self._send_plain(sdk, known, extra, exchange, headers)
        except openai.APIStatusError as err:
            take_answer(exchange, err.status_code, err.response.headers, err.response.content)
            view.outcome = "raised"
            view.exception = {"class": type(err).__name__, "status": err.status_code,
                              "message": str(err).splitlines()[0] if str(err) else "", "request_id": err.request_id}
        except openai.APIConnectionError as err:
            _raise_if_replay_miss(err)
            cut = _stream_cut(err) if exchange.stream else None
            if closed := closed_unanswered(err):
                exchange.transport_error = closed
            elif cut:
                # While recording, vcrpy reads the whole body before the SDK sees a chunk, so a cut
                # stream surfaces here rather than mid-iteration: the same outcome, fewer chunks.
                exchange.stream_cut = cut
            else:
                exchange.transport_error = _connection_problem(err)
            view.outcome, view.exception = "raised", {"class": type(err).__name__, "message": str(err)}
        except Exception as err:
            _raise_if_replay_miss(err)  # vcrpy's "no match in cassette" can arrive unwrapped
            raise
        exchange.elapsed_ms = round((time.perf_counter() - started) * 1000, 1)
        return exchange

    def _send_raw(self, sdk: openai.OpenAI, body: str, exchange: Exchange, headers: dict | None) -> None:
        """Bytes the SDK would never send (malformed JSON): through the SDK's own transport."""
        options = {"headers": {**(headers or {}), "Content-Type": "application/json"}}
        try:
            raw = sdk.post("/chat/completions", cast_to=http_transport.Response, content=body.encode("utf-8"),
                           options=options)
        except TypeError:  # openai 1.x has no `content=`: its HTTP client sends them, its error classes still apply
            own = {k: v for k, v in {**sdk.default_headers, **sdk.auth_headers}.items() if isinstance(v, str)}
            raw = sdk._client.post(f"{str(sdk.base_url).rstrip('/')}/chat/completions", content=body.encode("utf-8"),
                                   headers={**own, **options["headers"]})
            if raw.status_code >= 400:
                raw.read()
                raise sdk._make_status_error_from_response(raw) from None
        take_answer(exchange, raw.status_code, raw.headers, raw.content)

    def _send_elsewhere(self, sdk: openai.OpenAI, path: str, method: str, request: dict, exchange: Exchange,
                        headers: dict | None) -> None:
        """Another endpoint than chat completions (e.g. /batches), through the SDK's own transport."""
        options = {"headers": headers} if headers else {}
        if method == "GET":
            raw = sdk.get(path, cast_to=http_transport.Response, options=options)
        else:
            raw = sdk.post(path, body=request, cast_to=http_transport.Response, options=options)
        take_answer(exchange, raw.status_code, raw.headers, raw.content)

    def _send_plain(self, sdk: openai.OpenAI, known: dict, extra: dict, exchange: Exchange,
                    headers: dict | None) -> None:
        raw = sdk.chat.completions.with_raw_response.create(**known, extra_body=extra or None, extra_headers=headers)
        take_answer(exchange, raw.status_code, raw.headers, raw.http_response.content)
        view = exchange.sdk
        try:
            parsed = raw.parse()  # what create() hands its user; a failure here is a compatibility problem
        except Exception as err:  # noqa: BLE001 - any parse failure is an observation
            view.outcome = "raised"
            view.exception = {"class": type(err).__name__, "message": str(err).splitlines()[0] if str(err) else ""}
            view.problem = f"the openai SDK could not parse the response: {describe_error(err)}"
            return
        view.request_id = getattr(parsed, "_request_id", None)
        view.result = completion_result(parsed)
        if exchange.not_json is not None:
            view.problem = f"the response is not JSON: {exchange.not_json[:120]!r}"
        else:
            view.problem = completion_types_problem(exchange.body)

    def _send_streaming(self, sdk: openai.OpenAI, known: dict, extra: dict, exchange: Exchange,
                        headers: dict | None) -> None:
        raw = sdk.chat.completions.with_raw_response.create(**known, extra_body=extra or None, extra_headers=headers)
        response = raw.http_response
        received = []
        try:
            for piece in response.iter_bytes():
                received.append(piece)
        except Exception as err:  # noqa: BLE001 - the transport's own error type varies by SDK version
            _raise_if_replay_miss(err)
            exchange.stream_cut = describe_error(err)
        finally:
            response.close()
        content = b"".join(received)
        take_stream(exchange, response.status_code, response.headers, content)
        self._view_of_stream(sdk, response, content, exchange)

    def _view_of_stream(self, sdk: openai.OpenAI, response, content: bytes, exchange: Exchange) -> None:
        """The same bytes through the SDK's own Stream, iterated as its user would (a stream that broke
        off breaks off there again)."""
        view, reader = exchange.sdk, StreamReader()
        body = _BrokenOff(content, exchange.stream_cut) if exchange.stream_cut else None
        replayed = http_transport.Response(response.status_code, headers=response.headers,
                                           content=None if body else content, stream=body, request=response.request)
        try:
            reader.read(openai.Stream(cast_to=ChatCompletionChunk, response=replayed, client=sdk))
        except Exception as err:  # noqa: BLE001 - whatever the SDK raises mid-stream is what its user meets
            view.outcome = "raised"
            view.exception = {"class": type(err).__name__, "message": str(err).splitlines()[0] if str(err) else ""}
            reader.problem = reader.problem or f"iterating the stream raised {describe_error(err)}"
        view.request_id = response.headers.get("x-request-id")
        view.chunk_count, view.result = reader.count, reader.result()
        view.problem = reader.problem or next(
            (p for i, e in enumerate(exchange.events) if (p := chunk_types_problem(i, e))), None)
