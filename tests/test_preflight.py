"""Only an OpenAI-compatible server is judged as one: a base URL whose chat route answers anything but
an OpenAI-shaped JSON answer or JSON error stops a live run before any case, in one line saying what
came back; real servers that refuse the route check's empty body with a JSON error still pass."""
import socket
import subprocess
import sys
import time

import pytest
from fake_servers import not_an_api

LIVE = ("--mode", "live", "--target", "x", "--models=m")
KEY = {"OPENAI_API_KEY": "k-123456"}


def refused_in_one_line(run, *expected: str):
    assert run.code == 4, run.output
    assert "Traceback" not in run.output and run.results is None or run.results["results"] == []
    (line,) = [line for line in run.output.splitlines() if "conformance:" in line]
    for text in expected:
        assert text in line, line
    assert "is not an OpenAI-compatible chat completions API" in line, line


@pytest.mark.parametrize("status, content_type, text, shown", [
    (200, "text/html", "<!DOCTYPE html>\n<html><title>Hi</title></html>", "HTTP 200 (text/html): '<!DOCTYPE html>'"),
    (501, "text/html", "<html>Unsupported method ('POST')</html>", "HTTP 501 (text/html)"),
    (404, "text/plain", "Not Found\nsecond line", "HTTP 404 (text/plain): 'Not Found'"),
    (302, "", "", "HTTP 200 (text/html): '<!DOCTYPE html>'"),  # followed to the login page
    (400, "text/plain", "Bad Request", "HTTP 400 (text/plain): 'Bad Request'"),
])
def test_a_server_that_is_not_an_openai_api_stops_the_run_in_one_line(suite, fake, status, content_type, text, shown):
    url = fake(not_an_api(status, content_type, text))
    run = suite.run(*LIVE, "--base-url", url, select="core.yaml", env=KEY)
    refused_in_one_line(run, shown, "POST ", "/chat/completions")
    assert "second line" not in run.output


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_python_http_server_is_not_judged_as_an_openai_api(suite, tmp_path):
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"], cwd=tmp_path,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(600):  # until it listens (a guard against a hang, not a measure of speed)
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        run = suite.run(*LIVE, "--base-url", f"http://127.0.0.1:{port}/v1", select="core.yaml", env=KEY)
    finally:
        server.terminate()
        server.wait(timeout=30)
    refused_in_one_line(run, "HTTP 501 (text/html")
    assert "differs" not in run.output


@pytest.mark.parametrize("status, body", [
    (400, {"error": {"message": "messages is required", "type": "invalid_request_error"}}),
    (422, {"detail": [{"loc": ["body", "messages"], "msg": "field required"}]}),
    (500, {"error": {"code": 500, "message": "'messages' is required", "type": "server_error"}}),  # llama-server
])
def test_a_chat_route_refusing_the_empty_body_with_a_json_error_passes(status, body):
    from conformance.exchange import Exchange
    from conformance.preflight import check_route
    from conformance.targets import Target

    class Answers:
        def send(self, request, transport=None, refusal_expected=False):
            assert refusal_expected  # the empty body is invalid on purpose: a 500 to it is not retried
            return Exchange(request=request, status=status, headers={"content-type": "application/json"}, body=body)

    target = Target(name="t", base_url="http://127.0.0.1:9/v1", api_key="k", key_source="$K", models=("m",))
    check_route(target, Answers())  # no error


def test_a_text_error_body_is_kept_as_the_text_it_is_with_its_content_type():
    from conformance.evidence import exchange_evidence
    from conformance.exchange import Exchange
    from conformance.wire.answers import take_answer, take_stream

    for reader, stream in ((take_answer, False), (take_stream, True)):
        ex = Exchange(request={"model": "m", "stream": stream}, stream=stream)
        reader(ex, 404, {"content-type": "text/plain"}, b"404")  # a bare number is not a JSON answer here
        evidence = exchange_evidence(ex)
        assert ex.body is None and evidence["response_text"] == "404" and evidence["content_type"] == "text/plain"
        assert "response" not in evidence


def test_a_page_in_a_reason_is_summarised_never_whole():
    from conformance.checks.common import not_json
    from conformance.exchange import Exchange

    page = "<!DOCTYPE html>\n<html>" + "x" * 5000 + "</html>"
    ex = Exchange(request={}, status=200, headers={"content-type": "text/html"}, not_json=page)
    assert not_json(ex) == "response is not JSON: HTTP 200 (text/html): '<!DOCTYPE html>'"
