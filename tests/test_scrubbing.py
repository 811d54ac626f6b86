"""Secrets never reach a cassette, a results file, a report or the output."""
SECRET = "inf-0123456789abcdefSECRET"


def test_recorded_cassettes_hold_no_key_cookie_or_org(suite, reference_server):
    url = reference_server(api_key=SECRET, leak_headers=True)
    run = suite.run("--mode", "record", "--base-url", url, "--api-key-env", "MY_KEY",
                    "--models=claude-4-5-haiku", env={"MY_KEY": SECRET})
    assert run.code == 0, run.output
    cassettes = list(suite.cassettes.rglob("*.yaml"))
    assert cassettes
    for path in cassettes:
        text = path.read_text()
        assert SECRET not in text, path
        assert "0123456789abcdef" not in text, path
        lowered = text.lower()
        for header in ("authorization:", "set-cookie:", "openai-organization:", "org-reference-secret"):
            assert header not in lowered, (path, header)
    for path in [suite.results, suite.root / "reports" / "index.html"]:
        assert SECRET not in path.read_text()
    assert SECRET not in run.output


def test_scrubbed_cassettes_still_replay(suite, reference_server):
    url = reference_server(api_key=SECRET, leak_headers=True)
    suite.run("--mode", "record", "--base-url", url, "--api-key-env", "MY_KEY", "--models=claude-4-5-haiku",
              env={"MY_KEY": SECRET}, select="core.yaml::stream")
    run = suite.run("--models=claude-4-5-haiku", select="core.yaml::stream")
    assert run.code == 0, run.output
    assert run.results["results"][0]["verdict"] == "agrees"


def test_refused_keys_and_server_errors_are_never_recorded_and_throttling_is_kept_scrubbed():
    from conformance.wire.recording import Scrubber

    scrubber = Scrubber([SECRET])

    def response(code):
        return {"status": {"code": code, "message": ""}, "headers": {"set-cookie": ["a=b"], "x-request-id": ["r"]},
                "body": {"string": f"echo {SECRET}"}}

    scrubber.request(_Request('{"model": "m"}'))
    for code in (401, 500, 502, 503, 529):
        assert scrubber.response(response(code)) is None, code
    for code in (400, 429):  # a 429 is evidence of what it says about backing off: replay meets it again
        kept = scrubber.response(response(code))
        assert kept["headers"] == {"x-request-id": ["r"]}
        assert kept["body"]["string"] == "echo <scrubbed>"


class _Request:
    def __init__(self, body):
        self.headers, self.body, self.uri = {}, body, "http://127.0.0.1/v1/chat/completions"


def test_a_server_error_to_the_suites_own_malformed_body_is_kept():
    """That request is never retried and its answer is the observation (llama-server answers 500)."""
    from conformance.wire.recording import Scrubber

    scrubber = Scrubber([SECRET])
    answer = {"status": {"code": 500, "message": ""}, "headers": {}, "body": {"string": "server_error"}}
    scrubber.request(_Request('{"model": "m", "messages": ['))
    assert scrubber.response(dict(answer)) is not None
    scrubber.request(_Request(b'{"model": "m"}'))
    assert scrubber.response(dict(answer)) is None
