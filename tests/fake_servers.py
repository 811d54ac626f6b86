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
    every comparison with controls must then be inconclusive, never a difference."""

    def model(self, text: str) -> str:
        import random

        return f"{text} (take {random.randint(1, 10**9)})"
