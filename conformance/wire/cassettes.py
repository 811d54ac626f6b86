"""Cassettes: where they live, how they are read, and how a request finds its recorded answer.

vcrpy writes them (wire/recording.py); replay reads them here, for every client alike: the Python
SDK through an in-process transport (wire/replay.py), other clients over loopback (wire/loopback.py).
A request finds its answer by method, path and JSON body (key order aside), each recorded answer
played once, in order, as vcrpy plays them. Nothing here can reach the network.
"""
import functools
import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from ..errors import describe_error

# Of a recorded request, the headers kept besides those its case planned: its content type, and the
# mark of a request sent with the suite's deliberately wrong key.
WRONG_KEY_MARK = "x-conformance-wrong-key"
KEPT_REQUEST_HEADERS = {"content-type", WRONG_KEY_MARK}

# libyaml's loader, where PyYAML was built with it, reads a cassette ~10x faster than the pure-Python one.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class NotRecorded(Exception):
    """Replay found no recorded answer for this request."""


class NetworkBlocked(Exception):
    """Replay mode blocks the network and the request was not in a cassette."""


class UnreadableCassette(Exception):
    """The cassette file is not one this suite can read."""


def safe_name(name: str) -> str:
    """A model or target id as one file name: vLLM-style ids hold slashes (org/model)."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]", "_", name).lstrip(".")
    return cleaned or "_"


def cassette_path(root: Path, target: str, case_file_stem: str, case_id: str, model: str) -> Path:
    return root / safe_name(target) / case_file_stem / case_id / f"{safe_name(model)}.yaml"


def json_or_raw(body):
    """A request body as parsed JSON (so key order never matters), or as text when it is not JSON."""
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="replace")
    try:
        return json.loads(body) if body else None
    except ValueError:
        return body


def load_interactions(path: Path) -> tuple[list[dict], dict]:
    """(interactions, provenance) of a cassette file. The last few read are kept: a case replayed
    through each client reads its cassette once, not once per client."""
    try:
        stat = path.stat()
    except OSError as err:
        raise UnreadableCassette(f"{path} is not a readable cassette ({describe_error(err)})") from None
    return _load(path, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=8)
def _load(path: Path, mtime_ns: int, size: int) -> tuple[list[dict], dict]:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
        interactions = data["interactions"]
        for it in interactions:
            it["request"]["method"], it["request"]["uri"], it["response"]["status"]["code"]  # noqa: B018
    except (OSError, ValueError, KeyError, TypeError, yaml.YAMLError, UnicodeDecodeError) as err:
        raise UnreadableCassette(f"{path} is not a readable cassette ({describe_error(err)})") from None
    provenance = ((data.get("metadata") or {}).get("provenance")) or {}
    return interactions, provenance


# Headers that described the recorded bytes in transit, not the answer: the stored body is decoded and whole.
TRANSIT_HEADERS = ("content-encoding", "transfer-encoding", "content-length")


class Cassette:
    """The cassette being replayed: which request gets which recorded answer."""

    def __init__(self, path: Path | None = None, interactions: list[dict] | None = None):
        self.path, self.interactions, self.played = path, interactions or [], set()
        self.bodies: dict[int, object] = {}  # recorded request bodies, parsed once

    def answer(self, method: str, path: str, body, planned: dict | None = None,
               ) -> tuple[int, list[tuple[str, str]], bytes] | None:
        """(status, headers, content) recorded for this request, played once; None when there is none.
        `planned`: the request's own headers by its case's plan (names lower-cased), which the recorded
        request must have carried, and no others."""
        method, wanted = method.upper(), json_or_raw(body)
        for i, it in enumerate(self.interactions):
            recorded = it["request"]
            if i in self.played or recorded["method"].upper() != method or urlsplit(recorded["uri"]).path != path:
                continue
            if planned is not None and planned_headers_of(recorded) != planned:
                continue
            if i not in self.bodies:
                self.bodies[i] = json_or_raw(recorded.get("body"))
            if self.bodies[i] != wanted:
                continue
            self.played.add(i)
            return recorded_answer(it["response"])
        return None

    def miss(self, method: str, path: str) -> str:
        return f"no recorded answer in {self.path} for {method.upper()} {path} with this body (and headers)"


def planned_headers_of(recorded: dict) -> dict[str, str]:
    """The planned headers a recorded request carried: all it kept but those kept of every request."""
    return {name.lower(): values[0] if isinstance(values, list) and values else values
            for name, values in (recorded.get("headers") or {}).items() if name.lower() not in KEPT_REQUEST_HEADERS}


def recorded_answer(recorded: dict) -> tuple[int, list[tuple[str, str]], bytes]:
    content = (recorded.get("body") or {}).get("string") or b""
    if isinstance(content, str):
        content = content.encode("utf-8")
    headers = [(name, value) for name, values in (recorded.get("headers") or {}).items() for value in values
               if name.lower() not in TRANSIT_HEADERS]
    return recorded["status"]["code"], headers, content
