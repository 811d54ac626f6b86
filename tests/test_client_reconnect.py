"""A keep-alive connection the server had closed (llama-server closes one after every stream while
announcing keep-alive): the request got no answer at all, so it is sent once more, not judged."""
import json

from senders import python_sender

from conformance.wire.http import http_transport
from conformance.wire.sender import Sender

ANSWER = {"id": "c1", "object": "chat.completion", "created": 1, "model": "tiny",
          "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}],
          "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4}}
STREAM = ('data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"tiny","choices":[{"index":0,'
          '"delta":{"content":"hi"},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n')


def client_closing_first(closes: int) -> tuple[Sender, list]:
    seen = []

    def handler(request):
        seen.append(request)
        if len(seen) <= closes:
            raise http_transport.RemoteProtocolError("Server disconnected without sending a response.",
                                                     request=request)
        if json.loads(request.content).get("stream"):
            return http_transport.Response(200, text=STREAM, headers={"content-type": "text/event-stream"})
        return http_transport.Response(200, json=ANSWER)

    return python_sender("http://127.0.0.1:9/v1", "key", transport=http_transport.MockTransport(handler)), seen


def test_a_connection_closed_before_any_answer_is_tried_once_more():
    for stream in (False, True):
        client, seen = client_closing_first(1)
        exchange = client.send({"model": "tiny", "messages": [{"role": "user", "content": "x"}], "stream": stream})
        assert exchange.status == 200 and exchange.text == "hi" and not exchange.stream_cut
        assert len(seen) == 2 and client.sent == 2


def test_closed_twice_is_no_answer_not_a_cut_stream():
    client, seen = client_closing_first(2)
    exchange = client.send({"model": "tiny", "messages": [{"role": "user", "content": "x"}], "stream": True})
    assert exchange.status is None and not exchange.stream_cut
    assert exchange.transport_error.startswith("the server closed the connection without answering")
    assert len(seen) == 2
