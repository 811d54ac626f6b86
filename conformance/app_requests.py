"""The requests an app sends, as `nox -s check` reads them: chat completion bodies logged as JSON
lines (or a JSON array), or the OpenAI SDK call sites of a Python or JavaScript/TypeScript tree.

Each request is a body (what the SDK would send) and where it came from. A value the source does not
spell out literally (a variable, an f-string) is an `Unknown`: its key is known, its value is not.
"""
import json
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ConformanceError

# Logs a source tree may hold beside its code (a tree's .json files are configuration, not logs).
TREE_LOG_SUFFIXES = {".jsonl", ".ndjson"}
PYTHON_SUFFIXES = {".py"}
JS_SUFFIXES = {".js", ".mjs", ".cjs", ".jsx", ".ts", ".mts", ".cts", ".tsx"}
# Folders of a source tree that hold someone else's code (dependencies, builds, caches).
SKIPPED_DIRS = {"node_modules", ".git", ".venv", "venv", "env", ".nox", ".tox", "__pycache__", "dist", "build",
                "site-packages", ".next"}


class Unknown:
    """A value the source computes at run time: shown as its source text, never guessed."""

    def __init__(self, text: str, prefix: str = ""):
        self.text = " ".join(text.split())
        self.prefix = prefix  # the literal start of an f-string or template (`data:image/png;base64,`)

    def __repr__(self) -> str:
        return f"Unknown({self.text!r})"


@dataclass
class AppRequest:
    place: str                  # "requests.jsonl:3" or "app.py:12": where to look
    body: dict                  # the request body, Unknown where a value is not literal
    client: str | None = None   # the SDK of a call site (openai-python, openai-node); None for a log
    method: str = "create"      # create, stream or parse (the SDK's helpers)
    unread: list[str] = field(default_factory=list)  # what the source adds that was not read (**kwargs)


def read_requests(path: Path) -> list[AppRequest]:
    """Every request of a file or a source tree; bad input raises ConformanceError (one line)."""
    if path.is_dir():
        found = []
        for file in sorted(source_files(path)):
            found += read_requests(file)
        return found
    if not path.is_file():
        raise ConformanceError(f"{path}: no such file or folder")
    suffix = path.suffix.lower()
    if suffix in PYTHON_SUFFIXES:
        from .python_calls import python_requests
        return python_requests(path, read_text(path))
    if suffix in JS_SUFFIXES:
        from .js_calls import js_requests
        return js_requests(path, read_text(path))
    return logged_requests(path, read_text(path))


def source_files(root: Path):
    for path in root.rglob("*"):
        if any(part in SKIPPED_DIRS for part in path.relative_to(root).parts[:-1]):
            continue
        if path.is_file() and path.suffix.lower() in PYTHON_SUFFIXES | JS_SUFFIXES | TREE_LOG_SUFFIXES:
            yield path


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as err:
        raise ConformanceError(f"{path}: cannot read: {err.strerror}") from None
    except UnicodeDecodeError as err:
        raise ConformanceError(f"{path}: not UTF-8 text (byte {err.object[err.start]:#04x} at offset "
                               f"{err.start})") from None


def logged_requests(path: Path, text: str) -> list[AppRequest]:
    """JSON lines, one body a line (blank lines skipped), or one JSON array of bodies."""
    if text.lstrip().startswith("["):
        return _array_requests(path, text)
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            body = json.loads(line)
        except ValueError as err:
            raise ConformanceError(f"{path}:{number}: not JSON: {_json_problem(err)}") from None
        found.append(AppRequest(f"{path}:{number}", _request_body(path, number, body)))
    if not found:
        raise ConformanceError(f"{path}: no requests in it (one JSON object a line, or a JSON array)")
    return found


def _array_requests(path: Path, text: str) -> list[AppRequest]:
    """A JSON array of bodies, each named by the line it starts on."""
    try:
        items = json.loads(text)
    except ValueError as err:
        raise ConformanceError(f"{path}:{getattr(err, 'lineno', '?')}: not JSON: {_json_problem(err)}") from None
    decoder, at, found = json.JSONDecoder(), text.index("[") + 1, []
    for item in items:
        at = _skip_separators(text, at)
        line = text.count("\n", 0, at) + 1
        _, at = decoder.raw_decode(text, at)  # the same text parsed again: only to find where each starts
        found.append(AppRequest(f"{path}:{line}", _request_body(path, line, item)))
    if not found:
        raise ConformanceError(f"{path}: an empty array: no requests in it")
    return found


def _skip_separators(text: str, at: int) -> int:
    while text[at] in " \t\r\n,":
        at += 1
    return at


def _request_body(path: Path, line: int, body) -> dict:
    if not isinstance(body, dict):
        raise ConformanceError(f"{path}:{line}: not a request body: a JSON {_json_type(body)}, expected an object")
    if "messages" not in body:
        raise ConformanceError(f"{path}:{line}: not a chat completion request: it has no `messages` "
                               f"(keys: {', '.join(body) or 'none'})")
    return body


def _json_problem(err: ValueError) -> str:
    if isinstance(err, json.JSONDecodeError):
        return f"{err.msg} (column {err.colno})"
    return str(err).splitlines()[0]


def _json_type(value) -> str:
    return {list: "array", str: "string", bool: "boolean", type(None): "null"}.get(type(value), "number")
