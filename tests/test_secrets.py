"""The key, in any spelling a server could echo it in, never reaches a file or the terminal."""
import base64
import json
import re
from pathlib import Path
from urllib.parse import quote

import pytest
from fake_servers import EchoesKey, serve

from conformance.secrets import SCRUBBED, meaningful, scrub_events, scrub_sse, scrub_text

ROOT = Path(__file__).resolve().parent.parent
KEY = "inf-0123456789abcdef/SECRET+x"
# What a credential looks like, for the scanner: Heroku's inf- keys, OpenAI-style sk- keys, bearer tokens.
LOOKS_LIKE_A_KEY = re.compile(r"\binf-[A-Za-z0-9_\-]{16,}|\bsk-[A-Za-z0-9_\-]{20,}|Bearer [A-Za-z0-9._\-]{16,}")


@pytest.mark.parametrize("spelling", [
    KEY,
    "inf\\u002d0123456789abcdef\\/SECRET+x",                       # JSON-escaped, some characters
    "".join(f"\\u{ord(c):04X}" for c in KEY),                       # JSON-escaped, every character
    quote(KEY, safe=""),                                             # URL-encoded
    quote(KEY, safe="").replace("%2F", "%2f").replace("%2B", "%2b"),  # URL-encoded, lower-case hex
    base64.b64encode(KEY.encode()).decode(),
    base64.b64encode(b"user:" + KEY.encode()).decode(),              # inside a longer base64 value
    base64.urlsafe_b64encode(b"Bearer " + KEY.encode()).decode(),
])
def test_every_spelling_is_scrubbed(spelling):
    out = scrub_text(f"before {spelling} after", meaningful([KEY]))
    assert SCRUBBED in out and "0123456789abcdef" not in out
    assert "0123456789abcdef" not in base64.b64decode(out.split()[1].replace(SCRUBBED, "") + "==", validate=False
                                                      ).decode("latin-1")


def test_ordinary_text_is_left_alone():
    text = "Count 1, 2, 3; inf- and SECRET and abcdef"
    assert scrub_text(text, meaningful([KEY])) == text


def test_a_key_split_across_stream_chunks_is_masked_in_each_piece():
    events = [{"choices": [{"index": 0, "delta": {"content": piece}}]} for piece in ["key: ", KEY[:7], KEY[7:], "!"]]
    scrubbed = scrub_events(events, meaningful([KEY]))
    joined = "".join(e["choices"][0]["delta"]["content"] for e in scrubbed)
    assert joined == "key: " + "*" * len(KEY) + "!"
    sse = "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"
    assert "0123" not in scrub_sse(sse, meaningful([KEY])) and scrub_sse(sse, meaningful([KEY])).endswith("[DONE]\n\n")


@pytest.mark.parametrize("mode", ["record", "live"])
def test_a_server_echoing_the_key_leaves_no_trace(suite, mode):
    url, stop = serve(EchoesKey)
    try:
        run = suite.run("--mode", mode, "--target", "echo", "--base-url", url, "--models=m", "--api-key-env", "K",
                        "--junitxml", str(suite.root / "reports" / "junit.xml"), select="core.yaml::stream",
                        env={"K": KEY})
    finally:
        stop()
    assert run.results is not None, run.output
    written = [p for p in suite.root.rglob("*") if p.is_file() and p.suffix in (".yaml", ".json", ".html", ".xml")
               and "cases" not in p.parts]
    assert {".json", ".html", ".xml"} <= {p.suffix for p in written}
    for path in written + [None]:
        text = run.output if path is None else path.read_text()
        assert "0123456789abcdef" not in text, path
        assert scrub_text(text, meaningful([KEY])) == text, path  # no other spelling either
        assert not LOOKS_LIKE_A_KEY.search(text), path


def test_nothing_shipped_or_generated_looks_like_a_key():
    for folder in ("cassettes", "reports"):
        for path in (ROOT / folder).rglob("*"):
            if path.is_file():
                found = LOOKS_LIKE_A_KEY.search(path.read_text(errors="replace"))
                assert found is None, f"{path}: {found.group(0)[:12]}…"


def test_credentials_in_the_base_url_reach_no_cassette_results_or_record_command(suite, reference_server):
    # httpx sends user:password@ as Basic auth in place of the key: the server refuses it and echoes it
    url = reference_server().replace("http://", "http://user:pw-in-url-SECRET@")
    run = suite.run("--mode", "record", "--base-url", url, "--models=claude-4-5-haiku", "--junitxml",
                    str(suite.root / "reports" / "junit.xml"), select="core.yaml::stop")
    assert run.code == 3 and "refused the API key" in run.output, run.output
    written = [p for p in suite.root.rglob("*") if p.is_file() and "cases" not in p.parts]
    assert any(p.name == "results.json" for p in written)
    for path in written:
        assert "pw-in-url-SECRET" not in path.read_text(errors="replace"), path
    assert "pw-in-url-SECRET" not in run.output
    # and the record command a missing cassette prints never carries it either
    from conftest import ROOT

    from conformance.session import ConformanceRun, Options
    options = Options(mode="replay", sdk="python", target="adhoc", base_url=url + "?token=q-SECRET", models=["m"],
                      cases_dir=ROOT / "cases")
    command = ConformanceRun.prepare(options).record_command()
    assert "SECRET" not in command and "--base-url" in command
