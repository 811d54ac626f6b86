"""Verdicts as data: results.json, the only input of the report.

Format `heroku-conformance-results`, version 3 (documented in README.md and
conformance/schemas/results.schema.json):
{format, version, suite_version, run: {...}, docs: <the docs tables>, results: [Result...], totals}
Version 2 added, without changing any field of version 1: `applies_when` in the docs tables, and
each entry of `evidence.requests` carries the request body sent and the response excerpt (or the
streamed chunks). Version 3 added each result's `sdk` (the client it went through, part of the key
that merges results) and `expected` / `known` (whether it fails the run). Versions 1 and 2 are still
read: their results went through the Python openai SDK and were all as expected but differences.
"""
import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

from ..atomic import write_text_atomic
from ..verdicts import VERDICTS

FORMAT = "heroku-conformance-results"
VERSION = 3
READABLE_VERSIONS = (1, 2, 3)  # what read_results accepts: every version whose fields still mean the same
PYTHON_SDK = "openai-python"  # the one client of versions 1 and 2


@dataclass
class Result:
    target: str
    mode: str
    model: str
    case_id: str
    test_id: str
    row: str                 # claim id, e.g. core.max_tokens
    table: str
    documented: str          # the documented level: Full, Ignored, ✓, ...
    observed: str            # honoured | ignored | rejected | error | unanswered | unclear | not recorded
    verdict: str             # agrees | differs | inconclusive | not recorded
    reason: str
    status: int | None = None
    params: dict = field(default_factory=dict)       # explored values, e.g. {"temperature": 0.5}
    evidence: dict = field(default_factory=dict)     # cassette, request ids, response excerpt
    tokens: dict = field(default_factory=dict)       # prompt/completion/total of this probe
    elapsed_ms: float | None = None
    # False when nothing could be learnt because of the service's state, not its behaviour: no
    # answer, throttled, timed out, upstream down. A run with such results is incomplete.
    obtained: bool = True
    # The client the requests went through: {"name": "openai-python", "version": "3.57.0"}.
    sdk: dict | None = None
    # False when this result fails the run (conformance/expectations.py decides); `known`: why a
    # difference was expected (a target's known difference, or a case marked xfail).
    expected: bool = True
    known: str | None = None
    # What the client could not use of an answer the server gave it ("ai-sdk: …"), a warning beside
    # the verdict: an answer correct by OpenAI's spec can still break a named client.
    client_problem: str | None = None


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def record(result: Result) -> dict:
    """A result as a JSON-ready dict. Its fields are plain values and dicts already, so a shallow
    copy does (dataclasses.asdict would deep-copy every evidence dict, a measurable cost per test)."""
    return dict(vars(result))


def totals(results: list[Result]) -> dict:
    return totals_of([record(r) for r in results])


def totals_of(results: list[dict]) -> dict:
    """Verdict counts and tokens of result records (dicts, as in results.json)."""
    counts = {v: 0 for v in VERDICTS}
    for r in results:
        counts[r["verdict"]] += 1
    # A probe that speaks to several rows is one request: count its tokens once (per client).
    seen, tokens, by_model = set(), _zero_tokens(), {}
    for r in results:
        key = (sdk_name(r), r["test_id"], json.dumps(r.get("params") or {}, sort_keys=True))
        if key in seen:
            continue
        seen.add(key)
        mine = by_model.setdefault(r["model"], _zero_tokens())
        for k in ("prompt", "completion", "total", "requests"):
            used = int((r.get("tokens") or {}).get(k) or 0)
            tokens[k] += used
            mine[k] += used
    return {"verdicts": counts, "tokens": tokens, "tokens_by_model": by_model, "results": len(results)}


def sdk_name(r: dict) -> str:
    return (r.get("sdk") or {}).get("name") or PYTHON_SDK


def _zero_tokens() -> dict:
    return {"prompt": 0, "completion": 0, "total": 0, "requests": 0}


def document(run: dict, docs: dict, results: list[Result]) -> dict:
    # Sorted by test (stably: a test's own results keep their order), so a parallel run writes the
    # same file as a serial one.
    records = sorted((record(r) for r in results), key=lambda r: (sdk_name(r), r["test_id"], r["row"]))
    return {
        "format": FORMAT,
        "version": VERSION,
        "suite_version": run.get("suite_version"),
        "run": run,
        "docs": docs,
        "results": records,
        "totals": totals_of(records),
    }


def write_json_atomic(path: Path, data: dict) -> None:
    """One line per top-level key, and per result: readable and diffable, and written by the C
    encoder (an `indent` makes json use its pure-Python one, 0.25 s a run for a 3 MB file)."""
    def dumps(value) -> str:
        return json.dumps(value, ensure_ascii=False)

    lines = []
    for key, value in data.items():
        if key == "results" and isinstance(value, list) and value:
            body = "[\n  " + ",\n  ".join(dumps(r) for r in value) + "\n ]"
        else:
            body = dumps(value)
        lines.append(f" {dumps(key)}: {body}")
    write_text_atomic(path, "{\n" + ",\n".join(lines) + "\n}\n")


def read_results(path: Path) -> dict:
    from ..errors import ConformanceError

    try:
        data = parse_json(path.read_bytes())
    except OSError as err:
        raise ConformanceError(f"{path}: cannot read results: {err.strerror}") from None
    except ValueError as err:
        raise ConformanceError(f"{path}: not valid JSON: {err}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ConformanceError(f"{path}: not a {FORMAT} file")
    if data.get("version") not in READABLE_VERSIONS:
        raise ConformanceError(f"{path}: results format version {data.get('version')!r} is not one this suite "
                               f"reads ({', '.join(map(str, READABLE_VERSIONS))})")
    from ..schema import describe, first_error

    error = first_error(data, "results")
    if error is not None:
        raise ConformanceError(f"{path}: not a complete results file: {describe(error)}")
    return upgraded(data)


def parse_json(raw: bytes) -> object:
    """JSON read by orjson where it is installed (a 10,000-result file in two thirds of json's time);
    what orjson refuses (NaN, say) json reads as it always did, or refuses with its own message."""
    try:
        import orjson

        return orjson.loads(raw)
    except (ImportError, ValueError):
        pass
    return json.loads(raw.decode("utf-8"))


def upgraded(data: dict) -> dict:
    """An older document read as the current version: every result names its client, and says
    whether it fails the run (then: a difference did)."""
    if data.get("version") in (1, 2):
        python = {"name": PYTHON_SDK, "version": data["run"].get("openai_sdk")}
        for r in data["results"]:
            r.setdefault("sdk", python)
            r.setdefault("expected", r["verdict"] != "differs")
        data["version"] = VERSION
    return data
