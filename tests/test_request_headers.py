"""A case's extra request headers (`transport: {headers: ...}`): every client sends them, a Node.js
client that drops one is caught, a header that could carry a secret is refused before anything is
sent, and a recording keeps them as sent (replay matches on method, path and body, as before)."""
import json

import pytest
import yaml
from fake_servers import Base, completion, serve
from senders import python_sender

from conformance.clients.node import DriverError, NodeClient, NodeDriver, node_missing
from conformance.wire.loopback import LoopbackServer
from conformance.wire.sender import Sender

NODE = node_missing()
needs_node = pytest.mark.skipif(NODE is not None, reason=f"the Node.js clients cannot run here: {NODE}")
SECRET = "inf-0123456789abcdefHEADERSECRET"
HEADERS = {"X-Heroku-Prompt-Caching": "false"}
REQUEST = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}


class EchoesHeader(Base):
    """Answers with the X-Heroku-Prompt-Caching header it got (or 'none'), plainly or streamed."""

    def do_POST(self):
        body = self.body()
        got = self.headers.get("x-heroku-prompt-caching") or "none"
        if not body.get("stream"):
            return self.send_json(200, completion("m", got))
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.end_headers()
        chunk = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m",
                 "choices": [{"index": 0, "delta": {"role": "assistant", "content": got}, "finish_reason": "stop"}]}
        self.wfile.write(f"data: {json.dumps(chunk)}\n\ndata: [DONE]\n\n".encode())


@pytest.fixture
def echo():
    url, stop = serve(EchoesHeader)
    yield url
    stop()


def said(ex) -> str:
    return ex.text if not ex.stream else "".join(e["choices"][0]["delta"].get("content", "") for e in ex.events)


@pytest.mark.parametrize("stream", [False, True])
def test_the_python_sdk_sends_the_planned_headers_and_only_when_planned(echo, stream):
    sender = python_sender(echo, SECRET)
    request = {**REQUEST, "stream": stream}
    assert said(sender.send(request, {"headers": HEADERS})) == "false"
    assert said(sender.send(request)) == "none"


@needs_node
@pytest.mark.parametrize("client", ["openai-node", "ai-sdk"])
@pytest.mark.parametrize("stream", [False, True])
def test_each_node_client_sends_the_planned_headers(echo, client, stream):
    driver, loopback = NodeDriver(), LoopbackServer(10).forward_to(echo, SECRET)
    try:
        sender = Sender(NodeClient(client, driver, loopback, 10))
        answered = sender.send({**REQUEST, "stream": stream}, {"headers": HEADERS})
    finally:
        loopback.stop()
        driver.stop()
    assert answered.status == 200 and said(answered) == "false"


@needs_node
def test_a_node_client_that_drops_a_planned_header_is_a_harness_error(echo):
    driver, loopback = NodeDriver(), LoopbackServer(10).forward_to(echo, SECRET)
    asked = driver.ask

    def dropping(line, timeout):  # the client is never told of the case's header: it sends none
        return asked({**line, "headers": {k: v for k, v in line["headers"].items() if k.startswith("x-conf")}},
                     timeout)

    driver.ask = dropping
    try:
        with pytest.raises(DriverError, match="openai-node did not send the planned header "
                                              r"X-Heroku-Prompt-Caching: 'false' \(it sent none\)"):
            Sender(NodeClient("openai-node", driver, loopback, 10)).send(REQUEST, {"headers": HEADERS})
    finally:
        loopback.stop()
        driver.stop()


class Counts:
    """A client that counts what it is asked to send."""
    name, version, sent = "stub", "0", 0

    def attempt(self, request, transport):
        self.sent += 1
        raise AssertionError("nothing should be sent")


@pytest.mark.parametrize("headers, message", [
    ({"Authorization": "Bearer abc"}, "header Authorization carries a credential: a case may not send one"),
    ({"X-Heroku-Prompt-Caching": False}, "header X-Heroku-Prompt-Caching: its value must be text"),
    ({"X-Trace": f"run {SECRET}"}, "header X-Trace: its value holds a secret of the run"),
    ({"X-Trace": "a\r\nInjected: yes"}, "header X-Trace: its value holds a line break"),
    # the same bytes from every client: httpx refuses non-ASCII, Node's Headers trims spaces
    ({"X-Trace": "日本"}, "header X-Trace: its value must be printable ASCII"),
    ({"X-Trace": "a\x00b"}, "header X-Trace: its value must be printable ASCII"),
    ({"X-Heroku-Prompt-Caching": " false "}, "header X-Heroku-Prompt-Caching: its value starts or ends with a space"),
    (["X-Heroku-Prompt-Caching"], "headers must be a mapping of names to text, not list"),
])
def test_a_header_that_could_leak_or_break_the_request_is_refused_before_sending(headers, message):
    client = Counts()
    with pytest.raises(ValueError) as err:
        Sender(client, secrets=[SECRET]).send(REQUEST, {"headers": headers})
    assert message in str(err.value) and "\n" not in str(err.value) and SECRET not in str(err.value)
    assert client.sent == 0


def test_a_recording_keeps_the_planned_header_as_sent_and_replay_matches_on_body_and_headers(echo, tmp_path):
    from conformance.wire.recording import RECORD, REPLAY, Recorder
    from conformance.wire.replay import CassetteTransport

    cassette = tmp_path / "c.yaml"
    recording = Recorder(RECORD, tmp_path, "t", [SECRET])
    live = python_sender(echo, SECRET)
    with recording.cassette(cassette, {"case": "x"}):
        recording.plan_headers(HEADERS)
        live.send(REQUEST, {"headers": HEADERS})
        recording.plan_headers(None)
        live.send(REQUEST)
    first, second = (it["request"]["headers"] for it in yaml.safe_load(cassette.read_text())["interactions"])
    assert {k.lower(): v for k, v in first.items()}["x-heroku-prompt-caching"] == ["false"]
    assert "x-heroku-prompt-caching" not in {k.lower() for k in second}
    assert SECRET not in cassette.read_text() and "authorization" not in cassette.read_text().lower()

    replay = Recorder(REPLAY, tmp_path, "t", [])
    client = python_sender("http://127.0.0.1:9/v1", "k", transport=CassetteTransport(replay))
    with replay.cassette(cassette, {"case": "x"}):  # as the runner does: each request's planned headers first
        replay.plan_headers(None)
        without = said(client.send(REQUEST))
        replay.plan_headers(HEADERS)
        assert [without, said(client.send(REQUEST, {"headers": HEADERS}))] == ["none", "false"]  # not in order


def test_replay_matches_the_planned_headers_so_a_changed_header_never_replays_an_old_answer():
    from conformance.wire.cassettes import Cassette

    def interaction(headers, text):
        return {"request": {"method": "POST", "uri": "http://h/v1/chat/completions", "body": '{"model": "m"}',
                            "headers": {"content-type": ["application/json"], **headers}},
                "response": {"status": {"code": 200}, "headers": {}, "body": {"string": text}}}

    cassette = Cassette()
    cassette.interactions = [interaction({}, "cached"), interaction({"X-Heroku-Prompt-Caching": ["false"]}, "off")]
    body = b'{"model": "m"}'
    # the header's request is answered by the interaction that carried it, whatever the order asked
    assert cassette.answer("POST", "/v1/chat/completions", body, {"x-heroku-prompt-caching": "false"})[2] == b"off"
    assert cassette.answer("POST", "/v1/chat/completions", body, {"x-heroku-prompt-caching": "true"}) is None
    assert cassette.answer("POST", "/v1/chat/completions", body, {})[2] == b"cached"
