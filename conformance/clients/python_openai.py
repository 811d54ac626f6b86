"""The Python openai SDK as a client: a request dict in, an Exchange out, one attempt.

Parameters the SDK's `create()` knows are passed as arguments; anything else (Heroku's extensions
such as `extended_thinking`) goes in `extra_body`, exactly as a user of the SDK would send it.
"""
import inspect
import time

import openai
from openai.resources.chat.completions import Completions

from ..errors import describe_error
from ..exchange import Exchange
from ..wire.answers import take_answer, take_stream
from ..wire.cassettes import NetworkBlocked, NotRecorded
from ..wire.http import http_transport
from ..wire.keys import WRONG_KEY
from ..wire.sender import CLOSED_UNANSWERED

SDK_PARAMS = frozenset(inspect.signature(Completions.create).parameters) - {"self", "extra_body"}


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


# A persistent connection the server had already closed: the request got no byte back, so it was never
# answered (llama-server closes the connection after every stream while announcing keep-alive).
UNANSWERED_CLOSE = ("Server disconnected without sending a response", "Remote end closed connection without response")


def _closed_unanswered(err: BaseException) -> bool:
    return any(text in str(cause) for cause in _cause_chain(err) for text in UNANSWERED_CLOSE)


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


class PythonOpenAI:
    """The openai package, one client per run (building one costs ~20 ms), its own retries off."""

    name = "openai-python"
    version = openai.__version__

    def __init__(self, base_url: str, api_key: str, timeout: float = 60.0, transport=None):
        # `transport` answers instead of the network (replay: conformance/wire/replay.py)
        http_client = openai.DefaultHttpxClient(transport=transport) if transport is not None else None
        self.sdk = openai.OpenAI(base_url=base_url, api_key=api_key, max_retries=0, timeout=timeout,
                                 http_client=http_client)

    def attempt(self, request: dict, transport: dict) -> tuple[Exchange, dict]:
        """One attempt: (the exchange, the answer's headers)."""
        exchange = Exchange(request=request, stream=bool(request.get("stream")))
        known, extra = split_params(request)
        sdk = self.sdk.with_options(api_key=WRONG_KEY) if transport.get("api_key") else self.sdk
        headers: dict = {}
        started = time.perf_counter()
        try:
            if "raw_body" in transport:
                self._send_raw(sdk, transport["raw_body"], exchange)
            elif "path" in transport:
                self._send_elsewhere(sdk, transport["path"], transport.get("method", "POST"), request, exchange)
            elif exchange.stream:
                self._send_streaming(sdk, known, extra, exchange)
            else:
                self._send_plain(sdk, known, extra, exchange)
        except openai.APIStatusError as err:
            exchange.status = err.status_code
            exchange.sdk_exception = type(err).__name__
            headers = err.response.headers
            exchange.request_id = err.request_id
            try:
                exchange.body = err.response.json()
            except ValueError:
                exchange.body = {"error": {"message": err.response.text[:500]}}
        except openai.APIConnectionError as err:
            _raise_if_replay_miss(err)
            cut = _stream_cut(err) if exchange.stream else None
            if _closed_unanswered(err):
                exchange.transport_error = f"{CLOSED_UNANSWERED} ({type(err).__name__}: {err})"
            elif cut:
                # While recording, vcrpy reads the whole body before the SDK sees a chunk, so a cut
                # stream surfaces here rather than mid-iteration: the same outcome, fewer chunks.
                exchange.stream_cut = cut
            else:
                exchange.transport_error = _connection_problem(err)
        except Exception as err:
            _raise_if_replay_miss(err)  # vcrpy's "no match in cassette" can arrive unwrapped
            raise
        exchange.elapsed_ms = round((time.perf_counter() - started) * 1000, 1)
        return exchange, headers

    def _send_raw(self, sdk: openai.OpenAI, body: str, exchange: Exchange) -> None:
        """Bytes the SDK would never send (malformed JSON): through the SDK's own transport."""
        options = {"headers": {"Content-Type": "application/json"}}
        try:
            raw = sdk.post("/chat/completions", cast_to=http_transport.Response, content=body.encode("utf-8"),
                           options=options)
        except TypeError:  # an SDK without `content=`: raw bytes went in `body`
            raw = sdk.post("/chat/completions", cast_to=http_transport.Response, body=body.encode("utf-8"),
                           options=options)
        take_answer(raw.status_code, raw.headers, raw.text, exchange)

    def _send_elsewhere(self, sdk: openai.OpenAI, path: str, method: str, request: dict, exchange: Exchange) -> None:
        """Another endpoint than chat completions (e.g. /batches), through the SDK's own transport."""
        if method == "GET":
            raw = sdk.get(path, cast_to=http_transport.Response)
        else:
            raw = sdk.post(path, body=request, cast_to=http_transport.Response)
        take_answer(raw.status_code, raw.headers, raw.text, exchange)

    def _send_plain(self, sdk: openai.OpenAI, known: dict, extra: dict, exchange: Exchange) -> None:
        raw = sdk.chat.completions.with_raw_response.create(**known, extra_body=extra or None)
        if not take_answer(raw.status_code, raw.headers, raw.text, exchange):
            return
        try:
            raw.parse()  # what an SDK user gets; a failure here is a compatibility problem
        except Exception as err:  # noqa: BLE001 - any parse failure is an observation
            exchange.sdk_error = f"openai SDK could not parse the response: {type(err).__name__}: {err}"

    def _send_streaming(self, sdk: openai.OpenAI, known: dict, extra: dict, exchange: Exchange) -> None:
        with sdk.chat.completions.with_streaming_response.create(
            **known, extra_body=extra or None
        ) as response:
            exchange.status = response.status_code
            exchange.request_id = response.headers.get("x-request-id")
            content_type = response.headers.get("content-type", "")
            lines = []
            try:
                for line in response.iter_lines():
                    lines.append(line)
            except Exception as err:  # noqa: BLE001 - the transport's own error type varies by SDK version
                _raise_if_replay_miss(err)
                exchange.stream_cut = describe_error(err)
        take_stream(lines, content_type, exchange)
