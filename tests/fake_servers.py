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
        return json.loads(self.rfile.read(int(self.headers.get("content-length", 0))) or b"{}")

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
        if self.parsed.get("model") not in self.MODELS:
            return self.refuse(404, f"The model `{self.parsed.get('model')}` does not exist", "model_not_found")
        if not 0 <= self.parsed.get("temperature", 1) <= 2:
            return self.refuse(400, "Invalid 'temperature': decimal above maximum value.", "decimal_above_max_value")
        super().do_POST()

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
