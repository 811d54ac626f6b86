"""Recording: what goes into a cassette, and the recorder that opens the right one around each test.

vcrpy records the requests of every client (the Python SDK's own, and the loopback server's for the
Node.js clients); replay reads them back (wire/cassettes.py), matching method, path and JSON body.

Measured pitfalls this module answers (see the project notes on recording):
- secrets: request AND response headers are scrubbed, and the key's value anywhere in a body; of a
  request only what replay matches on, its content type and the headers its case planned are kept
  (replay matches on method, path and body alone, as vcrpy's recording did);
- the request body is matched (as parsed JSON), so a changed parameter never replays an old answer;
- 401 (except the refusal of the suite's own wrong key) and 5xx answers (except one that outlasted every
  retry, or answers a request made invalid on purpose) are never recorded, so replay never replays a
  refused key or a passing fault; a 429 is kept, in order before the answer its retry got, so that replay
  meets it again (its sender sends again at once, never sleeping) and judges the rate-limit row as the
  recording run did;
- compressed bodies are stored decoded and SSE bodies as readable literal blocks;
- each cassette carries provenance: target, model, case, the client, suite version, recorded-at;
- cassettes are written whole, through a temporary file: never half-written.
"""
import contextlib
import datetime as dt
import json
from pathlib import Path

import yaml

from .. import __version__
from ..atomic import write_text_atomic
from ..secrets import meaningful, scrub_sse, scrub_text
from .cassettes import (
    KEPT_REQUEST_HEADERS,
    SAFE_LOADER,
    WRONG_KEY_MARK,
    Cassette,
    NotRecorded,
    UnreadableCassette,
    json_or_raw,
    load_interactions,
)
from .keys import WRONG_KEY

REPLAY, LIVE, RECORD = "replay", "live", "record"
MODES = (REPLAY, LIVE, RECORD)
SECRET_HEADERS = {
    "authorization", "api-key", "x-api-key", "cookie", "set-cookie", "proxy-authorization",
    "openai-organization", "openai-project", "x-heroku-app", "x-auth-token",
}


class LiteralDumper(yaml.SafeDumper):
    """Multi-line strings (SSE bodies) as literal blocks: one event per line, byte-exact on replay."""


def _represent_str(dumper, data):
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


LiteralDumper.add_representer(str, _represent_str)


class ReadableYamlSerializer:
    @staticmethod
    def serialize(cassette_dict: dict) -> str:
        return yaml.dump(cassette_dict, Dumper=LiteralDumper, allow_unicode=True, sort_keys=False, width=100)

    @staticmethod
    def deserialize(text: str) -> dict:
        return yaml.load(text, Loader=SAFE_LOADER)


class AtomicPersister:
    """Writes a cassette whole (temp file + rename) and stamps it with provenance. Recording starts
    every cassette empty: the old file stays until the new one replaces it (replay reads cassettes
    itself, wire/cassettes.py)."""

    def __init__(self):
        self.provenance: dict = {}
        self.discard = False  # set when the test failed half-way: keep the old cassette

    def load_cassette(self, cassette_path, serializer):
        from vcr.persisters.filesystem import CassetteNotFoundError

        raise CassetteNotFoundError()

    def save_cassette(self, cassette_path, cassette_dict, serializer):
        from vcr.serialize import serialize

        if self.discard:
            return

        stamped = dict(cassette_dict)
        stamped["metadata"] = {**(cassette_dict.get("metadata") or {}), "provenance": self.provenance}
        write_text_atomic(Path(cassette_path), serialize(stamped, serializer))


def json_body_matcher(r1, r2) -> None:
    """Bodies match when they are the same JSON (key order aside); no diff is built on a miss."""
    if json_or_raw(r1.body) != json_or_raw(r2.body):
        raise AssertionError("request bodies differ")



def _malformed_json(body) -> bool:
    """Whether a request body is one the suite broke on purpose: not JSON at all."""
    if not body:
        return False
    try:
        json.loads(body)
    except ValueError:
        return True
    return False


class Scrubber:
    """Removes secret headers and every occurrence of a secret value from what is recorded."""

    def __init__(self, secrets: list[str]):
        self.secrets = meaningful(secrets)
        # vcrpy filters a request just before its response (Cassette.append): whether that request
        # carried the suite's deliberately wrong key, the one case whose 401 is worth keeping.
        self.sent_wrong_key = False
        self.sent_malformed_body = False
        self.refusal_expected = False  # set by the runner: the request was made invalid on purpose
        self.planned_headers: frozenset[str] = frozenset()  # set by the runner: a case's own headers, kept

    def text(self, value):
        return scrub_text(value, self.secrets)

    def request(self, request):
        # The mark stays in the cassette, where no key does: it says which refusal was asked for.
        self.sent_wrong_key = any(
            (name.lower() == "authorization" and value == f"Bearer {WRONG_KEY}") or name.lower() == WRONG_KEY_MARK
            for name, value in request.headers.items())
        self.sent_malformed_body = _malformed_json(request.body)
        if self.sent_wrong_key:
            request.headers[WRONG_KEY_MARK] = "the suite's deliberately wrong key was sent"
        for name in list(request.headers):
            # A recording keeps what replay matches on (method, path, body) and the content type: the
            # client's own headers say nothing replay needs (the provenance names the client), and each
            # one kept is read again at every replay. A header the case itself planned is kept as sent
            # (a case may plan no credential: wire/headers.py), so the cassette says what was asked.
            if name.lower() not in KEPT_REQUEST_HEADERS | self.planned_headers:
                del request.headers[name]
            elif self.secrets:
                request.headers[name] = self.text(request.headers[name])
        if self.secrets:  # none in replay, where this runs for every stored request, several times
            request.body = self.text(request.body)
            request.uri = self.text(request.uri)
        return request

    def response(self, response: dict):
        code = response["status"]["code"]
        # Never record a refused key (it would replay as one; only the refusal of the suite's own
        # wrong key, whose header is removed like any other, is kept) or server errors (one may be a
        # passing fault). A server error to a request the suite made invalid on purpose (a malformed
        # body, ...) is kept: never retried, it is the observation. A 429 is kept: what it says about
        # backing off is evidence, and replay meets it again before the answer its retry got.
        faulty = self.sent_malformed_body or self.refusal_expected
        if (code == 401 and not self.sent_wrong_key) or (code >= 500 and not faulty):
            return None
        headers = response.get("headers") or {}
        for name in list(headers):
            if name.lower() in SECRET_HEADERS:
                del headers[name]
            else:
                headers[name] = [self.text(v) for v in headers[name]]
        body = response.get("body") or {}
        if "string" in body and self.secrets:
            text, was_bytes = body["string"], isinstance(body["string"], bytes)
            if was_bytes:
                try:
                    text = text.decode("utf-8")
                except UnicodeDecodeError:
                    return response  # not text: no spelling of a key to find in it
            content_type = " ".join(v for k, vs in headers.items() if k.lower() == "content-type" for v in vs)
            text = scrub_sse(text, self.secrets) if "text/event-stream" in content_type else self.text(text)
            body["string"] = text.encode("utf-8") if was_bytes else text
        return response


class Recorder:
    """Opens the right cassette around a test, in the run's mode. Live mode touches no cassette."""

    def __init__(self, mode: str, root: Path, target: str, secrets: list[str], host: str | None = None):
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}")
        # host: where a recording is taken from (no credentials), kept in each cassette's provenance so
        # that a replay labelled as a known service can be told it came from somewhere else.
        self.mode, self.root, self.target, self.host = mode, root, target, host
        self.persister = AtomicPersister()
        # In replay, the cassette every client's requests are answered from (wire/replay.py in-process,
        # wire/loopback.py for other processes); vcrpy records them. Live runs touch no cassette.
        self.current = Cassette()
        self.planned: dict[str, str] = {}  # the next request's planned headers (plan_headers)
        self.replayed: dict = {}
        self.scrubber = Scrubber(secrets)
        self.vcr = self._recording_vcr(self.scrubber) if mode == RECORD else None

    def _recording_vcr(self, scrubber: "Scrubber"):
        import vcr  # imported late: pytest-recording wants to rewrite vcr's asserts first

        recording = vcr.VCR(
            record_mode="all",
            match_on=["method", "path", "json_body"],
            before_record_request=scrubber.request,
            before_record_response=scrubber.response,
            decode_compressed_response=True,
            serializer="readable-yaml",
        )
        recording.register_serializer("readable-yaml", ReadableYamlSerializer)
        recording.register_matcher("json_body", json_body_matcher)
        recording.register_persister(self.persister)
        return recording

    @property
    def replayed_provenance(self) -> dict:
        """Provenance of the cassette being replayed: shown as evidence beside each verdict."""
        return self.replayed

    def expect_refusal(self, expected: bool) -> None:
        """Whether the next request is made invalid on purpose: its server error is then recorded."""
        self.scrubber.refusal_expected = expected

    def plan_headers(self, headers: dict | None) -> None:
        """The extra headers the next request carries by the case's plan: recorded as sent, and in
        replay matched (`planned`): a changed header never replays an old answer."""
        self.planned = {name.lower(): value for name, value in (headers or {}).items()}
        self.scrubber.planned_headers = frozenset(self.planned)

    def spoil(self) -> None:
        """The current test went wrong half-way: do not save its cassette over the old one."""
        self.persister.discard = True

    @contextlib.contextmanager
    def cassette(self, path: Path, provenance: dict):
        """Yields the cassette path in replay/record, None in live mode."""
        if self.mode == LIVE:
            yield None
            return
        if self.mode == REPLAY:
            if not path.is_file():
                raise NotRecorded(f"no cassette at {path}")
            try:
                interactions, self.replayed = load_interactions(path)
            except UnreadableCassette as err:
                raise NotRecorded(str(err)) from None
            self.current = Cassette(path, interactions)
            try:
                yield path
            finally:
                self.current = Cassette()
            return
        self.persister.provenance = {
            **provenance,
            "target": self.target,
            **({"host": self.host} if self.host else {}),
            "suite_version": __version__,
            "recorded_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        }
        self.persister.discard = False
        with self.vcr.use_cassette(str(path)):
            try:
                yield path
            except BaseException:
                # A run cut short (refused key, Ctrl-C) must not replace a good cassette.
                self.spoil()
                raise
