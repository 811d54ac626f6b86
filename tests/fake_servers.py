"""Tiny misbehaving servers on loopback, for faults the reference server has no switch for."""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def serve(handler_cls):
    """Start handler_cls on a free loopback port; returns (base_url, stop)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_cls)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def stop():
        server.shutdown()
        server.server_close()

    return f"http://127.0.0.1:{server.server_address[1]}/v1", stop


class Base(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def body(self) -> dict:
        body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))) or b"{}")
        # The harness's route check posts an empty body first: refuse it, as any server would.
        return body if "model" in body else {"model": None, "messages": []}

    def send_json(self, status: int, payload: dict):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.send_json(404, {"error": {"message": "not here"}})


def completion(model: str, text: str, finish: str = "stop") -> dict:
    return {"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": finish}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}


class CutsStreams(Base):
    """Answers plainly with a count; breaks every stream after two chunks."""

    def do_POST(self):
        body = self.body()
        if not body.get("stream"):
            return self.send_json(200, completion(body["model"], "1, 2, 3"))
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("content-length", "100000")  # promises more than it sends
        self.end_headers()
        chunk = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": body["model"],
                 "choices": [{"index": 0, "delta": {"content": "1, "}, "finish_reason": None}]}
        self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode() * 2)
        self.wfile.flush()
        self.close_connection = True


class RefusesMaxTokens(Base):
    """Like OpenAI's reasoning models: max_tokens is refused, everything else answered."""

    def do_POST(self):
        body = self.body()
        if "max_tokens" in body:
            return self.send_json(400, {"error": {"message": "Unsupported parameter: 'max_tokens'. Use "
                                                             "'max_completion_tokens' instead.",
                                                  "code": "unsupported_parameter"}})
        self.send_json(200, completion(body["model"], "OK"))


class ConformingVariant(Base):
    """Honours every documented claim, but makes the other choices real servers make: dated model
    ids, a `created` that ticks per chunk, no role in the first chunk, a usage chunk at the end,
    extra fields, and a wider accepted range (temperature up to 2, any max_tokens)."""

    def do_POST(self):
        from reference_server import responder

        body = self.body()
        if body["model"] == "conformance-no-such-model":
            return self.send_json(404, {"error": {"message": "The model does not exist", "code": "model_not_found"}})
        if not 0 <= body.get("temperature", 1) <= 2 or body.get("max_tokens", 1) < 1:
            return self.send_json(400, {"error": {"message": "bad value", "type": "invalid_request_error"}})
        text, _ = responder.apply_stop(responder.compose(body["messages"]), body.get("stop"))
        text, cut = responder.truncate(text, body.get("max_tokens"))
        finish = "length" if cut else "stop"
        model = body["model"] + "-2025-01-01"
        if not body.get("stream"):
            answer = completion(model, text, finish)
            answer["usage"]["completion_tokens"] = responder.count_tokens(text)
            answer["service_tier"] = "default"
            return self.send_json(200, answer)
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.end_headers()
        pieces = responder.pieces(text)
        for i, piece in enumerate(pieces):
            last = i == len(pieces) - 1
            chunk = {"id": "resp_1", "object": "chat.completion.chunk", "created": 100 + i, "model": model,
                     "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": finish if last else None}]}
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
        usage = {"id": "resp_1", "object": "chat.completion.chunk", "created": 999, "model": model, "choices": [],
                 "usage": {"prompt_tokens": 1, "completion_tokens": len(pieces), "total_tokens": 1 + len(pieces)}}
        self.wfile.write(f"data: {json.dumps(usage)}\n\ndata: [DONE]\n\n".encode())


def count_words(text: str) -> int:
    return len(str(text).split())


class WeakModel(Base):
    """A real server with a model too weak to follow instructions: every turn reaches it (the
    prompt tokens say so) but it always answers 'OK'."""

    def do_POST(self):
        body = self.body()
        if body.get("model") == "conformance-no-such-model":
            return self.send_json(404, {"error": {"message": "model not found", "type": "invalid_request_error"}})
        answer = completion(body["model"], "OK")
        prompt = sum(count_words(m.get("content", "")) for m in body["messages"])
        answer["usage"] = {"prompt_tokens": prompt, "completion_tokens": 1, "total_tokens": prompt + 1}
        self.send_json(200, answer)


class EchoesAnyModel(Base):
    """Answers every request, naming whatever model it was asked for (a default model behind it)."""

    def do_POST(self):
        from reference_server import responder

        body = self.body()
        self.send_json(200, completion(body["model"], responder.compose(body["messages"])))


class MangledStream(Base):
    """Streams the right numbers but drops the spaces between chunks: '1,2,3' for '1, 2, 3'."""

    def do_POST(self):
        from reference_server import responder

        body = self.body()
        text = responder.compose(body["messages"])
        if not body.get("stream"):
            return self.send_json(200, completion(body["model"], text))
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.end_headers()
        for piece in responder.pieces(text):
            chunk = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": body["model"],
                     "choices": [{"index": 0, "delta": {"content": piece.strip()}, "finish_reason": None}]}
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
        last = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": body["model"],
                "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
        self.wfile.write(f"data: {json.dumps(last)}\n\ndata: [DONE]\n\n".encode())


class RejectsFineTemperatures(Base):
    """Takes temperatures with at most two decimals only: the boundary values pass, random draws
    inside the documented range do not."""

    def do_POST(self):
        body = self.body()
        temperature = body.get("temperature")
        if temperature is not None and round(temperature, 2) != temperature:
            return self.send_json(400, {"error": {"message": "temperature has too many decimals"}})
        if temperature is not None and not 0 <= temperature <= 1:
            return self.send_json(400, {"error": {"message": "temperature out of range"}})
        self.send_json(200, completion(body["model"], "1, 2, 3, 4, 5"))


class EchoesKey(Base):
    """Echoes the key it was sent in every spelling a careless server might: in x-request-id, JSON-
    escaped in an error-like field, URL-encoded and base64 in the text, and split across chunks."""

    def do_POST(self):
        import base64
        from urllib.parse import quote

        body = self.body()
        key = self.headers.get("authorization", "").removeprefix("Bearer ")
        escaped = "".join(f"\\u{ord(c):04x}" if c == "-" else c for c in key)
        text = f"url {quote(key, safe='')} b64 {base64.b64encode(('user:' + key).encode()).decode()}"
        if not body.get("stream"):
            raw = json.dumps(completion(body["model"], text)).replace('"object"', f'"echo": "{escaped}", "object"', 1)
            data = raw.encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("x-request-id", f"req-{key}")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("x-request-id", f"req-{key}")
        self.end_headers()
        half = len(key) // 2
        for piece in ["your key: ", key[:half], key[half:], " end"]:
            chunk = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": body["model"],
                     "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
        last = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": body["model"],
                "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
        self.wfile.write(f"data: {json.dumps(last)}\n\ndata: [DONE]\n\n".encode())


class AlwaysThrottles(Base):
    """Every request is refused with 429, as a provider at its rate limit does."""

    def do_POST(self):
        self.body()
        self.send_response(429)
        self.send_header("content-type", "application/json")
        self.send_header("retry-after", "0")
        data = json.dumps({"error": {"message": "Rate limit exceeded", "type": "rate_limit_error"}}).encode()
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class Slow(Base):
    """Answers like the reference model, each request after a pause: a run long enough to stop."""
    delay = 0.3

    def do_POST(self):
        import time

        from reference_server import responder

        body = self.body()
        time.sleep(self.delay)
        if body["model"] == "conformance-no-such-model":
            return self.send_json(404, {"error": {"message": "unknown model"}})
        self.send_json(200, completion(body["model"], responder.compose(body.get("messages") or [])))


class OpenAIChoices(Base):
    """Honours the newer page's parameters and the request forms, making the other valid choices
    OpenAI's API makes: refuses max_tokens with max_completion_tokens (OpenAI's own 400), refuses a
    whitespace-only stop with a 400 naming stop, answers an audio request with text only, shows
    reasoning as reasoning_content, sends `usage: null` on every chunk but the last, lists logprobs."""

    def do_POST(self):
        from reference_server import responder

        body = self.body()
        if "max_tokens" in body and "max_completion_tokens" in body:
            why = "Setting 'max_tokens' and 'max_completion_tokens' at the same time is not supported."
            return self.send_json(400, {"error": {"message": why, "type": "invalid_request_error",
                                                  "code": "invalid_parameter_combination"}})
        stops = [body["stop"]] if isinstance(body.get("stop"), str) else body.get("stop") or []
        if any(not s.strip() for s in stops):
            return self.send_json(400, {"error": {"message": "stop: a sequence of whitespace only is not supported",
                                                  "type": "invalid_request_error"}})
        messages = [{**m, "content": responder.text_of(m.get("content"))} for m in body["messages"]]
        text, _ = responder.apply_stop(responder.compose(messages), stops)
        text, cut = responder.truncate(text, body.get("max_completion_tokens") or body.get("max_tokens"))
        prompt = sum(responder.count_tokens(m["content"]) for m in messages)
        message = {"role": "assistant", "content": text}
        asked = messages[-1]["content"]
        names = [t["function"]["name"] for t in body.get("tools") or [] if t["function"]["name"] in asked]
        if names:
            names = names[:1] if body.get("parallel_tool_calls") is False else names
            message["tool_calls"] = [{"id": f"call_{i}", "type": "function",
                                      "function": {"name": n, "arguments": "{\"city\": \"Paris\"}"}}
                                     for i, n in enumerate(names)]
        if body.get("reasoning_effort"):
            message["reasoning_content"] = "Seventeen times twenty-three."
        answer = completion(body["model"], text, "tool_calls" if names else "length" if cut else "stop")
        answer["choices"][0]["message"] = message
        answer["usage"] = {"prompt_tokens": prompt, "completion_tokens": responder.count_tokens(text),
                           "total_tokens": prompt + responder.count_tokens(text)}
        if body.get("logprobs"):
            answer["choices"][0]["logprobs"] = {"content": [{"token": t, "logprob": -0.1, "top_logprobs": []}
                                                            for t in responder.TOKEN.findall(text)]}
        if not body.get("stream"):
            return self.send_json(200, answer)
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.end_headers()
        include_usage = (body.get("stream_options") or {}).get("include_usage")
        base = {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": body["model"]}
        for piece in responder.pieces(text):
            chunk = {**base, "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
            self.wfile.write(f"data: {json.dumps(chunk | ({'usage': None} if include_usage else {}))}\n\n".encode())
        last = {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
        self.wfile.write(f"data: {json.dumps(last)}\n\n".encode())
        if include_usage:
            self.wfile.write(f"data: {json.dumps({**base, 'choices': [], 'usage': answer['usage']})}\n\n".encode())
        self.wfile.write(b"data: [DONE]\n\n")


class ConformingVariantWithErrors(ConformingVariant):
    """ConformingVariant that also has every field OpenAI's schema requires and refuses as documented, in
    OpenAI's own way rather than Heroku's: a wrong key gets 401 type invalid_request_error with the string
    code invalid_api_key, an unknown model 404 model_not_found, a body that is not JSON a null code."""

    KEY, MODELS = "k-123456", ("m1", "m2")

    def do_POST(self):
        if self.headers.get("authorization") != f"Bearer {self.KEY}":
            return self.refuse(401, "Incorrect API key provided", "invalid_api_key")
        try:
            self.parsed = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))))
        except ValueError:
            return self.refuse(400, "We could not parse the JSON body of your request.", None)
        if "model" not in self.parsed:
            return self.refuse(400, "you must provide a model parameter", None)
        if self.parsed.get("model") not in self.MODELS:
            return self.refuse(404, f"The model `{self.parsed.get('model')}` does not exist", "model_not_found")
        if problem := self.invalid():
            return self.refuse(400, problem, "invalid_value")
        if not 0 <= self.parsed.get("temperature", 1) <= 2:
            return self.refuse(400, "Invalid 'temperature': decimal above maximum value.", "decimal_above_max_value")
        super().do_POST()

    def invalid(self) -> str | None:
        """OpenAI's refusals of a malformed request, in its words."""
        body, messages = self.parsed, self.parsed.get("messages")
        if not isinstance(messages, list) or not messages:
            return "'messages' must be a non-empty array"
        for i, message in enumerate(messages):
            if message.get("role") not in ("system", "developer", "user", "assistant", "tool"):
                return f"Invalid value: '{message.get('role')}'. Supported values are: 'system', 'user', ..."
            if "content" not in message:
                return f"Missing required parameter: 'messages[{i}].content'."
        if not isinstance(body.get("temperature", 1), (int, float)):
            return "Invalid type for 'temperature': expected a decimal, but got a string instead."
        if isinstance(body.get("stop"), list) and len(body["stop"]) > 4:
            return "'stop' is too long - maximum 4 items"
        if body.get("max_tokens", 1) < 1:
            return "Invalid 'max_tokens': integer below minimum value."
        return None

    def end_headers(self):
        self.send_header("x-request-id", "req_0123456789abcdef")  # OpenAI's form, on every answer
        super().end_headers()

    def body(self) -> dict:
        return self.parsed

    def refuse(self, status: int, message: str, code: str | None):
        self.send_json(status, {"error": {"message": message, "type": "invalid_request_error", "param": None,
                                          "code": code}})

    def send_json(self, status: int, payload: dict):
        usage = payload.get("usage")
        if usage:  # ConformingVariant counts completion tokens but leaves the total as it was
            usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
        for choice in payload.get("choices") or []:
            choice.setdefault("logprobs", None)
            choice["message"].setdefault("refusal", None)
        super().send_json(status, payload)


class RefusesNonJsonWith500(Base):
    """Keeps every raw body it receives; answers one that is not JSON with a 500, as llama-server does."""

    received: list[bytes] = []

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("content-length", 0)))
        RefusesNonJsonWith500.received.append(raw)
        try:
            body = json.loads(raw)
        except ValueError:
            return self.send_json(500, {"error": {"message": "parse error", "type": "server_error", "code": 500}})
        self.send_json(200, completion(body["model"], "OK"))


class RefusesEveryKey(Base):
    """Answers 401 to every request, echoing the key it was given (as some services do)."""

    def do_POST(self):
        given = self.headers.get("authorization", "").removeprefix("Bearer ")
        self.send_json(401, {"error": {"message": f"Incorrect API key provided: {given}",
                                       "type": "authentication_error", "code": 401}})


class NeverAnswers(Base):
    """Accepts the connection and the request, then says nothing."""

    def do_POST(self):
        import time

        body = self.body()
        if body["model"] is None:  # the route check: answer it, so the run gets going
            return self.send_json(400, {"error": {"message": "model is required"}})
        time.sleep(30)


class ThrottlesEveryOtherRequest(Base):
    """A 429 (Retry-After: 0), then a real answer, then a 429, ...: a service near its rate limit."""
    count = 0

    def do_POST(self):
        from reference_server import responder

        body = self.body()
        ThrottlesEveryOtherRequest.count += 1
        if ThrottlesEveryOtherRequest.count % 2:
            data = json.dumps({"error": {"message": "Rate limit exceeded", "type": "rate_limit_error"}}).encode()
            self.send_response(429)
            self.send_header("retry-after", "0")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        text, _ = responder.apply_stop(responder.compose(body.get("messages") or []), body.get("stop"))
        self.send_json(200, completion(body["model"], text))


class BillsHeavily(Base):
    """Answers correctly but reports 5,000 prompt tokens a request (a long cached system prompt)."""

    def do_POST(self):
        from reference_server import responder

        body = self.body()
        text, _ = responder.apply_stop(responder.compose(body.get("messages") or []), body.get("stop"))
        answer = completion(body["model"], text)
        answer["usage"] = {"prompt_tokens": 5000, "completion_tokens": 5, "total_tokens": 5005}
        self.send_json(200, answer)


class ConformingParameters(Base):
    """Honours the Advanced and Metadata claims with other valid choices than the reference server:
    a 422 that names only the first refused parameter, and only in `error.param`; JSON answers
    pretty-printed, with the schema's keys in reverse order; a deterministic model, so a seed's
    effect cannot show (that row is rightly inconclusive)."""

    IGNORED = ("seed", "n", "presence_penalty", "frequency_penalty", "logit_bias")
    KNOWN = {"model", "messages", "max_tokens", "temperature", "top_p", "stream", "stop", "tools", "tool_choice",
             "response_format", "user", "metadata", "allow_ignored_params", *IGNORED}

    def do_POST(self):
        from reference_server import parameters, responder

        body = self.body()
        refused = [p for p in body if p not in self.KNOWN]
        if body.get("allow_ignored_params") is False:
            refused += [p for p in self.IGNORED if p in body]
        if refused:
            return self.send_json(422, {"error": {"message": "Unsupported parameter", "param": refused[0]}})
        text = self.model(responder.compose(body["messages"]))
        kind = (body.get("response_format") or {}).get("type")
        if kind == "json_object":
            text = json.dumps({"answer": text}, indent=2)
        elif kind == "json_schema":
            value = parameters.instance(body["response_format"]["json_schema"]["schema"])
            text = json.dumps(dict(reversed(list(value.items()))), indent=2)
        return self.send_json(200, completion(body["model"], text))

    def model(self, text: str) -> str:
        return text


class NoisyParameters(ConformingParameters):
    """The same server with a model that never answers the same way twice (a weak or hot model):
    every comparison of whole answers with controls must then be inconclusive, never a difference.
    (Its noise leaves a word's repeats alone, so a penalty's count of them still shows no effect.)"""

    def model(self, text: str) -> str:
        import random

        return f"{text} (take {random.randint(1, 10**9)})"


class DefaultSystemPromptTemplate(Base):
    """A chat template like Qwen's: when the conversation does not open with a system (or developer)
    turn, it puts in a default system prompt exactly as long as the requests cases' short developer
    message, so that message's prompt count equals the count without it (every turn arrives). Its
    model is weak: it never repeats a keyword, so only the counts can tell arrived from dropped."""

    DEFAULT = "You are a helpful assistant. The secret keyword is HELIOTROPE."

    def do_POST(self):
        from reference_server import responder

        body = self.body()
        messages = [m for m in body.get("messages") or [] if isinstance(m, dict)]
        opening = messages[:1] if messages and messages[0].get("role") in ("system", "developer") else []
        prompt = responder.count_tokens(self.DEFAULT) if not opening else 0
        prompt += sum(responder.count_tokens(responder.text_of(m.get("content"))) for m in messages)
        answer = completion(body["model"], "This small model gives the same short answer to everything.")
        answer["usage"] = {"prompt_tokens": prompt, "completion_tokens": 11, "total_tokens": prompt + 11}
        self.send_json(200, answer)


class WildParameters(ConformingParameters):
    """The same server with a model whose answers share almost nothing from one request to the next:
    its own spread hides any effect, so every comparison of whole answers must be inconclusive."""

    WORDS = ("river", "lamp", "seven", "orbit", "velvet", "quartz", "maple", "cinder", "harbor", "tulip", "echo")

    def model(self, text: str) -> str:
        import random

        return " ".join(random.choice(self.WORDS) for _ in range(random.randint(4, 9)))


class FaultsGet503(Base):
    """Answers valid requests; a body that is not JSON gets a 503 with a JSON error every time, as a
    gateway whose parser crashes might. Counts the faulty bodies it got."""
    faulty = 0

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("content-length", 0)))
        try:
            body = json.loads(raw)
        except ValueError:
            FaultsGet503.faulty += 1
            return self.send_json(503, {"error": {"message": "parse failure", "type": "server_error"}})
        self.send_json(200, completion(body.get("model"), "OK"))


class ThrottlesTheFirstFault(Base):
    """Answers valid requests; the first body that is not JSON gets a 429 (Retry-After: 0), later ones
    the documented 400: a service at its rate limit, then honouring the claim."""
    faulty = 0

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("content-length", 0)))
        try:
            body = json.loads(raw)
        except ValueError:
            ThrottlesTheFirstFault.faulty += 1
            if ThrottlesTheFirstFault.faulty == 1:
                data = json.dumps({"error": {"message": "Rate limit exceeded", "type": "rate_limit_error"}}).encode()
                self.send_response(429)
                self.send_header("content-type", "application/json")
                self.send_header("retry-after", "0")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return
            return self.send_json(400, {"error": {"message": "We could not parse the JSON body of your request.",
                                                  "type": "invalid_request_error", "code": None}})
        self.send_json(200, completion(body.get("model"), "OK"))


class CountsThrottles(AlwaysThrottles):
    """AlwaysThrottles, counting the requests it refuses: how many a run sends to a server out of quota."""
    count = 0

    def do_POST(self):
        CountsThrottles.count += 1
        super().do_POST()


class NotAnAPI(Base):
    """Not an OpenAI-compatible API at all: every POST gets `status` with a body of `content_type`
    (an HTML page, a plain-text error), or a redirect to a login page."""
    status, content_type, text = 200, "text/html", "<!DOCTYPE html>\n<html><title>Welcome</title></html>"

    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length", 0)))
        if self.status in (301, 302, 303, 307):
            self.send_response(self.status)
            self.send_header("location", "/login")
            self.send_header("content-length", "0")
            self.end_headers()
            return
        self.send_text(self.status, self.text)

    def do_GET(self):
        if self.path == "/login":
            return self.send_text(200, "<!DOCTYPE html>\n<html><form>Sign in</form></html>", "text/html")
        self.send_text(404, "<html>Not Found</html>", "text/html")

    def send_text(self, status: int, text: str, content_type: str | None = None):
        data = text.encode()
        self.send_response(status)
        self.send_header("content-type", content_type or self.content_type)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class ThrottlesSilently(Base):
    """Every request refused with 429 and nothing that says when to try again."""
    back_off_headers: dict = {}

    def do_POST(self):
        self.body()
        data = json.dumps({"error": {"message": "Rate limit exceeded", "type": "rate_limit_error",
                                     "code": 429}}).encode()
        self.send_response(429)
        self.send_header("content-type", "application/json")
        for name, value in self.back_off_headers.items():
            self.send_header(name, value)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def not_an_api(status: int, content_type: str = "text/html", text: str = "<!DOCTYPE html>\n<html></html>"):
    return type("NotAnAPI", (NotAnAPI,), {"status": status, "content_type": content_type, "text": text})


class ThrottlesHerokuStyle(ThrottlesSilently):
    """429 with only Heroku's draft reset header, as a duration (no Retry-After): unusual, but enough to back off."""
    back_off_headers = {"x-ratelimit-remaining-tokens": "0", "x-ratelimit-reset-tokens": "1m30s"}


class ImagesGet500(Base):
    """Answers text; any image part gets a 500 every time, as llama-server without a vision projector
    does. Counts the image requests."""
    images = 0

    def do_POST(self):
        body = self.body()
        content = (body.get("messages") or [{}])[-1].get("content")
        if isinstance(content, list) and any(isinstance(p, dict) and p.get("type") == "image_url" for p in content):
            ImagesGet500.images += 1
            return self.send_json(500, {"error": {"message": "image input is not supported", "type": "server_error",
                                                  "code": 500}})
        self.send_json(200, completion(body.get("model"), "It is not an image question."))
