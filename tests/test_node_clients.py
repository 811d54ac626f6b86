"""The Node.js clients beside the Python SDK: the same answers through every client, what each makes
of them, and where they disagree, flagged in the results and the report."""
import json
import re
import shutil

import pytest
from fake_servers import Base, completion, serve
from senders import python_sender

from conformance.clients import choose_sdks
from conformance.clients.node import DriverError, NodeClient, NodeDriver, node_missing
from conformance.errors import ConformanceError
from conformance.report.render import render
from conformance.wire.loopback import LoopbackServer
from conformance.wire.sender import Sender

NODE = node_missing()
needs_node = pytest.mark.skipif(NODE is not None, reason=f"the Node.js clients cannot run here: {NODE}")
SECRET = "inf-0123456789abcdefNODESECRET"


def chunk(delta: dict, finish=None) -> dict:
    return {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}


class Answers(Base):
    """Answers every request with one fixed answer: a status and JSON body, or SSE text."""
    status, payload, sse = 200, None, None

    def do_POST(self):
        self.body()
        if self.sse is None:
            return self.send_json(self.status, self.payload)
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.end_headers()
        self.wfile.write(self.sse.encode())


ANSWERS = {
    # finish_reason outside OpenAI's set: the Python SDK's types reject it, openai-node hands it over,
    # the AI SDK hands over none (it drops the value it does not know)
    "end_turn": {"payload": completion("m", "1, 2, 3", "end_turn")},
    # a status without a class of its own: three clients, three exception classes
    "413": {"status": 413, "payload": {"error": {"message": "too large", "type": "invalid_request_error",
                                                 "code": 413}}},
    # a keep-alive ping between chunks, as Anthropic's API sends them: no client can use its `{}`
    "named-ping": {"sse": f"data: {json.dumps(chunk({'role': 'assistant', 'content': '1'}))}\n\n"
                          "event: ping\ndata: {}\n\n"
                          f"data: {json.dumps(chunk({}, 'stop'))}\n\ndata: [DONE]\n\n"},
    # an error event mid-stream: both openai SDKs raise, the AI SDK ends the stream with an error part
    "error-in-stream": {"sse": f"data: {json.dumps(chunk({'role': 'assistant', 'content': '1'}))}\n\n"
                               f"data: {json.dumps({'error': {'message': 'overloaded', 'type': 'server_error'}})}\n\n"},
}


@pytest.fixture(scope="module")
def driver():
    started = NodeDriver()
    yield started
    started.stop()


def views_of(answer: str, driver) -> dict:
    """What each client made of the same answer, sent live through its own path."""
    url, stop = serve(type("Fixed", (Answers,), ANSWERS[answer]))
    loopback = LoopbackServer(10).forward_to(url, SECRET)
    request = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
    if "sse" in ANSWERS[answer]:
        request["stream"] = True
    try:
        senders = [python_sender(url, SECRET), Sender(NodeClient("openai-node", driver, loopback, 10)),
                   Sender(NodeClient("ai-sdk", driver, loopback, 10))]
        return {s.client.name: s.send(request) for s in senders}
    finally:
        loopback.stop()
        stop()


@needs_node
def test_the_same_answer_through_each_client(driver):
    from conformance.checks.common import client_problem, dropped

    odd = views_of("end_turn", driver)
    assert {name: ex.status for name, ex in odd.items()} == dict.fromkeys(odd, 200)  # one wire for all
    assert "finish_reason" in client_problem(odd["openai-python"])  # its types reject the value
    assert client_problem(odd["openai-node"]) is None and dropped(odd["openai-node"]) is None
    assert client_problem(odd["ai-sdk"]) is None
    assert dropped(odd["ai-sdk"]) == "drops finish_reason 'end_turn' (handed over as None)"

    large = views_of("413", driver)
    raised = {name: (ex.sdk.exception_class, ex.sdk.exception["status"]) for name, ex in large.items()}
    assert raised == {"openai-python": ("APIStatusError", 413), "openai-node": ("APIError", 413),
                      "ai-sdk": ("AI_APICallError", 413)}
    assert {ex.error_message for ex in large.values()} == {"too large"}

    ping = views_of("named-ping", driver)
    assert all(ex.named_events == ["ping"] for ex in ping.values())
    assert "chunk 1 as yielded has no choices" in client_problem(ping["openai-python"])
    assert "chunk 1 as yielded has no choices" in client_problem(ping["openai-node"])
    assert "AI_TypeValidationError: choices" in client_problem(ping["ai-sdk"])

    cut = views_of("error-in-stream", driver)
    assert cut["openai-python"].sdk.exception_class == cut["openai-node"].sdk.exception_class == "APIError"
    assert cut["ai-sdk"].sdk.outcome == "returned" and "error part" in client_problem(cut["ai-sdk"])
    assert all(len(ex.events) == 2 for ex in cut.values())  # the wire is the same whoever sent


@needs_node
def test_the_key_never_reaches_the_node_process_and_is_scrubbed_from_what_came_back(driver):
    class EchoesAuthorization(Base):
        def do_POST(self):
            self.body()
            self.send_json(401, {"error": {"message": f"bad key {self.headers.get('authorization')}",
                                           "type": "authentication_error", "code": 401}})

    url, stop = serve(EchoesAuthorization)
    loopback = LoopbackServer(10).forward_to(url, SECRET)
    try:
        sender = Sender(NodeClient("openai-node", driver, loopback, 10), secrets=[SECRET])
        refused = sender.send({"model": "m", "messages": [{"role": "user", "content": "hi"}]})
    finally:
        loopback.stop()
        stop()
    assert refused.status == 401 and "Bearer" in refused.error_message  # the key itself arrived upstream
    assert SECRET not in json.dumps(refused.body) and SECRET not in json.dumps(refused.sdk.exception)
    assert "placeholder" not in refused.error_message  # swapped for the real key on the way out


def results_of(run) -> dict:
    """(row, sdk) -> set of verdicts."""
    out: dict = {}
    for r in run.results["results"]:
        out.setdefault((r["row"], r["sdk"]["name"]), set()).add(r["verdict"])
    return out


@needs_node
@pytest.mark.parametrize("switch, wire_row, differing", [
    # every chunk named `event: chunk`: today's clients read the data whatever the name (openai-node 4.x
    # yielded an {event, data} wrapper instead), so the wire differs and no client does
    ("stream-named-events", "streaming.framing/unnamed-events", set()),
    # openai-node's stream helper and the AI SDK both refuse a stream without a finish_reason
    ("stream-no-finish", "streaming.framing/one-finish", {"openai-node", "ai-sdk"}),
])
def test_clients_that_disagree_about_the_same_answers_are_flagged(suite, reference_server, switch, wire_row,
                                                                  differing):
    url = reference_server(breaks=switch)
    for path in suite.cases.glob("*.yaml"):
        if path.name not in ("response.yaml", "streaming.yaml", "docs-tables.yaml", "targets.yaml"):
            path.unlink()
    run = suite.run("--mode", "live", "--base-url", url, "--models=claude-4-5-haiku", "--sdk", "all")
    assert run.code == 1, run.output
    verdicts = results_of(run)
    # The wire is judged alike for every client: the framing row differs through each.
    assert all(verdicts[(wire_row, sdk)] == {"differs"} for sdk in ("openai-python", "openai-node", "ai-sdk"))
    # What the client made of it: its own verdict on the SDK row.
    sdk_row = "prose.response-structure/sdk-types"
    assert {sdk for sdk in ("openai-python", "openai-node", "ai-sdk") if verdicts[(sdk_row, sdk)] == {"differs"}} \
        == differing
    warned = {r["sdk"]["name"] for r in run.results["results"] if r.get("client_problem")}
    assert warned == differing  # beside every verdict of the probes it broke
    page = render(run.results)
    assert f"Clients disagree ({1 if differing else 0})" in page
    assert all(f"⚠ breaks {sdk}" in page for sdk in differing)


@needs_node
def test_an_error_each_client_raises_as_its_own_class_is_held_to_its_own_rule(suite, fake):
    class RefusesHotTemperatures(Base):
        def do_POST(self):
            body = self.body()
            if body.get("temperature", 0) > 1:
                return self.send_json(413, {"error": {"message": "too hot", "type": "invalid_request_error",
                                                      "code": 413}})
            self.send_json(200, completion(body["model"], "OK"))

    for path in suite.cases.glob("*.yaml"):
        if path.name not in ("docs-tables.yaml", "targets.yaml"):
            path.unlink()
    (suite.cases / "errors.yaml").write_text(
        "cases:\n  - id: error-413\n    rows: [prose.errors/out-of-range]\n    title: a 413 with its class\n"
        "    request: {messages: [{role: user, content: hi}]}\n"
        "    steps: [{name: refused, overrides: {temperature: 5}}]\n"
        "    expect_error: {status: 413, type: invalid_request_error, sdk_exception: APIStatusError}\n")
    run = suite.run("--mode", "live", "--target", "odd", "--base-url", fake(RefusesHotTemperatures), "--models=m1",
                    "--sdk", "all", env={"OPENAI_API_KEY": "k-123456"})
    verdicts = results_of(run)
    # openai-node names the class APIError; the AI SDK raises one class for every status, carrying 413
    assert verdicts[("prose.errors/out-of-range", "openai-python")] == {"agrees"}
    assert verdicts[("prose.errors/out-of-range", "ai-sdk")] == {"agrees"}
    assert verdicts[("prose.errors/out-of-range", "openai-node")] == {"differs"}
    reason = next(r["reason"] for r in run.results["results"] if r["sdk"]["name"] == "openai-node")
    assert "openai-node raised APIError, not APIStatusError" in reason
    assert "Clients disagree (1)" in render(run.results)


@needs_node
def test_replay_through_node_never_goes_live_and_names_what_to_record(recorded_suite):
    missing = recorded_suite.cassettes / "reference" / "core" / "stop" / "claude-4-5-haiku.yaml"
    missing.unlink()
    run = recorded_suite.run("--sdk", "node", select="core.yaml")
    assert run.code == 0, run.output  # not recorded is a skip, with the command that records it
    stop = [r for r in run.results["results"] if r["case_id"] == "stop" and r["model"] == "claude-4-5-haiku"]
    assert [r["verdict"] for r in stop] == ["not recorded"]
    assert stop[0]["sdk"]["name"] == "openai-node"
    assert "nox -s record -- --target reference --sdk openai-node --models claude-4-5-haiku" in stop[0]["reason"]
    assert "[claude-4-5-haiku@openai-node]" in stop[0]["test_id"]
    others = [r for r in run.results["results"] if r["verdict"] != "not recorded"]
    assert others and all(r["sdk"]["name"] == "openai-node" for r in others)


@needs_node
def test_recording_through_node_scrubs_the_key_and_replays_through_every_client(suite, reference_server):
    url = reference_server(api_key=SECRET)
    recorded = suite.run("--mode", "record", "--base-url", url, "--api-key-env", "CONFORMANCE_KEY",
                         "--models=claude-4-5-haiku", "--sdk", "node", select="core.yaml",
                         env={"CONFORMANCE_KEY": SECRET})
    assert recorded.code == 0, recorded.output
    texts = [p.read_text() for p in suite.cassettes.rglob("*.yaml")]
    assert texts and not any(SECRET in t or "placeholder" in t for t in texts)
    assert all("name: openai-node" in t for t in texts)  # the provenance names the client that recorded
    replayed = suite.run("--sdk", "all", "--models=claude-4-5-haiku", select="core.yaml")
    assert replayed.code == 0, replayed.output
    by_probe: dict = {}
    for r in replayed.results["results"]:
        by_probe.setdefault((r["case_id"], r["row"], json.dumps(r["params"])), {})[r["sdk"]["name"]] = r["verdict"]
    assert by_probe and all(len(v) == 3 and len(set(v.values())) == 1 for v in by_probe.values())


def test_the_clients_of_a_run_as_asked(monkeypatch):
    import conformance.clients as clients

    monkeypatch.setattr(clients, "node_missing", lambda: None)
    assert choose_sdks(None) == (["openai-python", "openai-node", "ai-sdk"], None)
    assert choose_sdks(None, recording=True) == (["openai-python"], None)  # one client writes each cassette
    assert choose_sdks("node,python")[0] == ["openai-node", "openai-python"]
    assert choose_sdks("all")[0] == ["openai-python", "openai-node", "ai-sdk"]
    with pytest.raises(ConformanceError, match="unknown client java"):
        choose_sdks("java")
    with pytest.raises(ConformanceError, match="a recording goes through one client"):
        choose_sdks("all", recording=True)
    monkeypatch.setattr(clients, "node_missing", lambda: "Node.js is not installed: install it")
    sdks, note = choose_sdks(None)
    assert sdks == ["openai-python"] and "skipped: Node.js is not installed" in note  # one line, and on we go
    with pytest.raises(ConformanceError, match="--sdk node: Node.js is not installed"):
        choose_sdks("node")


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
def test_a_driver_that_dies_is_a_one_line_harness_error(tmp_path, monkeypatch):
    import conformance.clients.node as node

    dying = tmp_path / "driver.mjs"
    dying.write_text("console.log(JSON.stringify({ready: true, node: 'x', clients: {}}));\n"
                     "process.stdin.once('data', () => { console.error('boom: out of memory'); process.exit(3); });\n")
    monkeypatch.setattr(node, "DRIVER", dying)
    driver = NodeDriver()
    driver.start()
    with pytest.raises(DriverError, match="the Node.js driver exited .*boom: out of memory"):
        driver.ask({"client": "openai-node"}, timeout=10)
    driver.stop()


@needs_node
def test_jobs_split_by_client_merge_into_one_page(recorded_suite, tmp_path):
    """CI's job matrix: each job replays (or records) one target through one client; their results
    files merge into one page, where every client stands beside the others and none is mistaken for
    another's conflicting verdict."""
    import subprocess
    import sys

    files = []
    for sdk in ("python", "node", "ai-sdk"):
        files.append(tmp_path / f"{sdk}.json")
        run = recorded_suite.run("--sdk", sdk, "--results", str(files[-1]), select="response.yaml")
        assert run.code == 0, run.output
    merged = tmp_path / "merged.json"
    proc = subprocess.run([sys.executable, "-m", "conformance.report", *map(str, files), "--write-results", str(merged),
                           "-o", str(tmp_path / "page.html")], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(merged.read_text())
    by_test = {}
    for r in data["results"]:
        by_test.setdefault((r["case_id"], r["model"], r["row"]), set()).add(r["sdk"]["name"])
    assert by_test and all(found == {"openai-python", "openai-node", "ai-sdk"} for found in by_test.values())
    page = (tmp_path / "page.html").read_text()
    for name in ("openai-python", "openai-node", "ai-sdk"):  # each with its version
        assert re.search(rf"{name} \d+\.\d+", page), name
    assert "Clients disagree (0)" in page


def test_the_loopback_server_sends_the_key_only_to_the_target(tmp_path):
    """A request line that is not a path (`POST 8/steal`, `POST @evil/x`) would glue another host
    onto the target's: it is refused, never forwarded with the key."""
    import http.client

    hits = []

    class Records(Base):
        def do_POST(self):
            hits.append(self.headers.get("authorization"))
            self.send_json(200, {})

    url, stop = serve(Records)
    loopback = LoopbackServer(5).forward_to(url, SECRET)
    port = int(loopback.base_url.rsplit(":", 1)[1].split("/")[0])
    try:
        for target in ("8/steal", "@127.0.0.1:1/x", "http://127.0.0.1:9/x"):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.putrequest("POST", target, skip_host=True, skip_accept_encoding=True)
            conn.putheader("authorization", f"Bearer {loopback.placeholder}")
            conn.putheader("content-length", "0")
            conn.endheaders()
            assert conn.getresponse().status == 400, target
            conn.close()
    finally:
        loopback.stop()
        stop()
    assert hits == []
    assert LoopbackServer().placeholder != LoopbackServer().placeholder  # made for each server


@needs_node
def test_the_driver_process_inherits_no_variable_holding_a_key(monkeypatch):
    monkeypatch.setenv("INFERENCE_KEY", SECRET)
    monkeypatch.setenv("SOME_URL", f"https://user:{SECRET}@example.invalid")
    driver = NodeDriver(secrets=[SECRET])
    driver.start()
    try:
        environ = open(f"/proc/{driver.process.pid}/environ", "rb").read()
    finally:
        driver.stop()
    assert SECRET.encode() not in environ and b"PATH=" in environ


class RedirectsToItself(Base):
    """Answers /v1/chat/completions with a 307 to /moved/v1/chat/completions, where it answers."""
    served = 0

    def do_POST(self):
        RedirectsToItself.served += 1
        body = self.body()
        if not self.path.startswith("/moved"):
            self.send_response(307)
            self.send_header("location", "/moved" + self.path)
            self.send_header("content-length", "0")
            self.end_headers()
            return
        self.send_json(200, completion(body.get("model") or "m", "1, 2, 3"))


@needs_node
def test_a_redirect_is_followed_by_every_client_and_replay_never_goes_live(suite, fake):
    for path in suite.cases.glob("*.yaml"):
        if path.name not in ("models.yaml", "docs-tables.yaml", "targets.yaml"):
            path.unlink()
    url = fake(RedirectsToItself)
    env = {"OPENAI_API_KEY": "k-123456"}
    args = ("--target", "moved", "--base-url", url, "--models=m1", "-k", "sdk-response")
    live = suite.run("--mode", "live", *args, "--sdk", "all", env=env)
    assert {(r["sdk"]["name"], r["verdict"]) for r in live.results["results"]} == {
        ("openai-python", "agrees"), ("openai-node", "agrees"), ("ai-sdk", "agrees")}, live.output
    recorded = suite.run("--mode", "record", *args, env=env)
    assert recorded.code == 0, recorded.output
    served = RedirectsToItself.served
    replay = suite.run("--target", "moved", "--models=m1", "-k", "sdk-response", "--sdk", "all",
                       env={"OPENAI_API_KEY": "unused"})
    assert replay.code == 0, replay.output
    assert {r["verdict"] for r in replay.results["results"]} == {"agrees"}
    assert RedirectsToItself.served == served  # the recorded redirect was followed in the recording


class SlowStream(Base):
    """Streams a count, one chunk every 0.8 s: slow, but never silent for longer than the timeout."""

    def do_POST(self):
        import time

        body = self.body()
        if not body.get("stream"):
            return self.send_json(200, completion(body.get("model") or "m", "1, 2, 3"))
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.end_headers()
        for delta, finish in (({"role": "assistant", "content": "1"}, None), ({"content": ", 2"}, None),
                              ({"content": ", 3"}, None), ({}, "stop")):
            self.wfile.write(f"data: {json.dumps(chunk(delta, finish))}\n\n".encode())
            self.wfile.flush()
            time.sleep(0.8)
        self.wfile.write(b"data: [DONE]\n\n")


@needs_node
def test_a_slow_stream_is_as_slow_for_every_client(driver):
    url, stop = serve(SlowStream)
    loopback = LoopbackServer(2).forward_to(url, SECRET)
    request = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": True}
    try:
        answers = {name: Sender(NodeClient(name, driver, loopback, 2)).send(request)
                   for name in ("openai-node", "ai-sdk")}
    finally:
        loopback.stop()
        stop()
    for name, ex in answers.items():  # each read timeout of 2 s is met: the whole stream takes 3.2 s
        assert ex.status == 200 and ex.done_marker and len(ex.events) == 4, (name, ex.summary(), ex.sdk)
        assert ex.sdk.result["text"] == "1, 2, 3", name


class ClosesAfterEachAnswer(Base):
    """Announces keep-alive, then closes the connection after each answer, as llama-server does."""
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = self.body()
        self.send_json(200, completion(body.get("model") or "m", "OK"))
        self.close_connection = True


@needs_node
def test_a_connection_closed_after_an_answer_is_opened_again_for_every_client(driver):
    url, stop = serve(ClosesAfterEachAnswer)
    loopback = LoopbackServer(5).forward_to(url, SECRET)
    request = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
    try:
        sender = Sender(NodeClient("openai-node", driver, loopback, 5), max_retries=2)
        answers = [sender.send(request) for _ in range(4)]
    finally:
        loopback.stop()
        stop()
    assert [ex.status for ex in answers] == [200] * 4, [ex.transport_error for ex in answers]


@needs_node
def test_a_client_that_sends_nothing_leaves_nothing_to_judge_not_a_harness_error(driver):
    loopback = LoopbackServer(5).forward_to("http://127.0.0.1:9/v1", SECRET)
    try:
        # a path the AI SDK has no call for goes by plain fetch; a GET to a closed port gets no answer
        ex = Sender(NodeClient("openai-node", driver, loopback, 5)).send(
            {"model": "m", "messages": [{"role": "user", "content": "hi"}]})
    finally:
        loopback.stop()
    assert ex.status is None and ex.transport_error  # unanswered: inconclusive, never a crash


def test_every_client_of_a_process_shares_one_pace_per_model():
    """The rate limit is the model's: requests through several clients are spaced together (a fake
    clock: nothing here depends on the machine's speed)."""
    from conformance.exchange import Exchange
    from conformance.wire.sender import Pacer

    now = [100.0]

    class Answers:
        name, version = "stub", "0"

        def attempt(self, request, transport):
            return Exchange(request=request, status=200, body={})

    pacer = Pacer(requests_per_minute=60, clock=lambda: now[0])  # one a second per model
    senders = [Sender(Answers(), pacer=pacer) for _ in range(3)]
    for sender in senders:
        sender.sleep = lambda seconds: now.__setitem__(0, now[0] + seconds)
    for i in range(6):
        senders[i % 3].send({"model": "m1"})
    senders[0].send({"model": "m2"})  # another model is not held up
    assert now[0] == 105.0 and pacer.paced == 5.0


@needs_node
def test_every_client_keeps_the_429s_it_waited_out_with_their_headers(driver):
    from fake_servers import ThrottlesEveryOtherRequest

    url, stop = serve(ThrottlesEveryOtherRequest)
    loopback = LoopbackServer(10).forward_to(url, SECRET)
    request = {"model": "m", "messages": [{"role": "user", "content": "Say OK"}]}
    try:
        senders = [python_sender(url, SECRET, max_retries=2)] + [
            Sender(NodeClient(name, driver, loopback, 10), max_retries=2) for name in ("openai-node", "ai-sdk")]
        for sender in senders:
            ThrottlesEveryOtherRequest.count = 0  # each client's first request is throttled
            sender.sleep = lambda seconds: None
            answer = sender.send(request)
            assert answer.status == 200, sender.client.name
            assert answer.throttled == [{"status": 429, "headers": {"retry-after": "0"}, "waited_s": 0.0}], \
                sender.client.name
    finally:
        loopback.stop()
        stop()
