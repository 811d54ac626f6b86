"""Replay without patching: the shipped cassettes answered through the openai SDK's own transport.

vcrpy writes the cassettes (record mode) and this reads them back. Replay needs none of vcrpy's
machinery (it patches the HTTP library and copies every request several times to match it), so
the SDK gets a transport that answers each request from the current cassette: same method, same
path, same JSON body; each recorded answer once, in order, as vcrpy plays them. Nothing here can
reach the network: a request with no recorded answer is a miss, reported as "not recorded".
"""
import json
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from .client import http_transport
from .errors import describe_error

# libyaml's loader, where PyYAML was built with it, reads a cassette ~10x faster than the pure-Python one.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class ReplayMiss(Exception):
    """The current cassette holds no answer for this request."""


class UnreadableCassette(Exception):
    """The cassette file is not one this suite can read."""


def json_or_raw(body):
    """A request body as parsed JSON (so key order never matters), or as text when it is not JSON."""
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="replace")
    try:
        return json.loads(body) if body else None
    except ValueError:
        return body


def load_interactions(path: Path) -> tuple[list[dict], dict]:
    """(interactions, provenance) of a cassette file."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
        interactions = data["interactions"]
        for it in interactions:
            it["request"]["method"], it["request"]["uri"], it["response"]["status"]["code"]  # noqa: B018
    except (OSError, ValueError, KeyError, TypeError, yaml.YAMLError, UnicodeDecodeError) as err:
        raise UnreadableCassette(f"{path} is not a readable cassette ({describe_error(err)})") from None
    provenance = ((data.get("metadata") or {}).get("provenance")) or {}
    return interactions, provenance


class CassetteTransport(http_transport.BaseTransport):
    """An HTTP transport that answers from one cassette at a time."""

    def __init__(self):
        self.interactions: list[dict] = []
        self.played: set[int] = set()
        self.path: Path | None = None

    def use(self, path: Path | None, interactions: list[dict]) -> None:
        self.path, self.interactions, self.played = path, interactions, set()

    def handle_request(self, request):
        method, path = request.method.upper(), request.url.path
        body = json_or_raw(request.read())
        for i, it in enumerate(self.interactions):
            recorded = it["request"]
            if i in self.played or recorded["method"].upper() != method or urlsplit(recorded["uri"]).path != path:
                continue
            if json_or_raw(recorded.get("body")) != body:
                continue
            self.played.add(i)
            return self._response(it["response"], request)
        raise ReplayMiss(f"no recorded answer in {self.path} for {method} {path} with this body")

    @staticmethod
    def _response(recorded: dict, request):
        content = (recorded.get("body") or {}).get("string") or b""
        if isinstance(content, str):
            content = content.encode("utf-8")
        headers = [(name, value) for name, values in (recorded.get("headers") or {}).items() for value in values
                   if name.lower() not in ("content-encoding", "transfer-encoding", "content-length")]
        return http_transport.Response(recorded["status"]["code"], headers=headers, content=content, request=request)
