"""`python -m conformance.check FILE... [--results FILE] [--model ID] [--json]`: will my code work on
Heroku? Reads the chat completion requests an app sends (JSON lines or a JSON array of request
bodies as logged, or the OpenAI SDK call sites of a Python or JavaScript/TypeScript file or tree) and
says, per request and parameter, Heroku's documented level for the request's model, the verdict a
results file observed (heroku's when it holds them; another server's otherwise, said plainly), and
what to change. Offline: nothing is sent anywhere.

Exit status: 0 when nothing needs a change or a check, 1 when some request does (an Ignored or
unsupported parameter, an unknown model, something the docs leave open or that was observed to
differ on Heroku), 2 for bad input (one line naming the file and line).
"""
import argparse
import json
import os
import sys
from pathlib import Path

from .advice import GATING, Reviewer, openai_request_params
from .app_requests import read_requests
from .docs import load_docs
from .errors import ConformanceError
from .observations import HEROKU, load_observations

DEFAULT_RESULTS = Path("reports/results.json")
# The suite's docs tables: beside the package (a clone, an editable install), else in the working folder.
BESIDE_THE_PACKAGE = Path(__file__).resolve().parent.parent / "cases" / "docs-tables.yaml"
DOCS = Path("cases/docs-tables.yaml")
MARKS = {"ok": "✓", "note": "·", "check": "?", "change": "✗"}
RECORD_HEROKU = "python3 -m nox -s record -- --target heroku"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m conformance.check", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("files", nargs="+", type=Path, help="request logs (.jsonl, .json) or Python/JS/TS files or trees")
    p.add_argument("--results", type=Path, help=f"a results file to read observed verdicts from (default: "
                                                 f"{DEFAULT_RESULTS}, written by `python3 -m nox -s conformance`)")
    p.add_argument("--no-results", action="store_true", help="answer from the docs alone, with no observations")
    p.add_argument("--target", help="the results' target to read (default: heroku when present, else the first)")
    p.add_argument("--model", help="the model id of call sites whose model is not a literal (os.getenv(...))")
    p.add_argument("--docs", type=Path, help=f"the docs tables (default: the suite's own, {DOCS})")
    p.add_argument("--json", action="store_true", help="print JSON for machines instead of text")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    args.docs = args.docs or (BESIDE_THE_PACKAGE if BESIDE_THE_PACKAGE.is_file() else DOCS)
    try:
        requests = [request for path in args.files for request in read_requests(path)]
        docs = load_docs(args.docs)
        if args.results is None and not args.no_results and not DEFAULT_RESULTS.is_file():
            raise ConformanceError(f"{DEFAULT_RESULTS}: no results to read the observed verdicts from (run "
                                   "`python3 -m nox -s conformance` first, name a file with --results, or answer "
                                   "from the docs alone with --no-results)")
        observations = None if args.no_results else load_observations(args.results or DEFAULT_RESULTS, args.target)
    except ConformanceError as err:
        print(f"check: {err}", file=sys.stderr)
        return 2
    reviewer = Reviewer(docs, observations, args.model, openai_request_params())
    reviews = [reviewer.review(request) for request in requests]
    status = 1 if any(r.severity in GATING for r in reviews) else 0
    text = json.dumps(as_json(args, docs, observations, reviews, status), ensure_ascii=False, indent=1) \
        if args.json else "\n".join(text_report(args, docs, observations, reviews, status))
    try:
        print(text)
        sys.stdout.flush()
    except BrokenPipeError:  # `| head` closed the pipe: the status still says what was found
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return status


def source_lines(args, docs, observations) -> list[str]:
    captured = docs.data.get("source", {}).get("captured", "?")
    lines = [f"Documented levels: Heroku's docs tables ({near(args.docs)}, captured {captured})."]
    if observations is None:
        lines.append("Observed verdicts: none (--no-results): only what the docs say.")
    elif observations.is_heroku:
        lines.append(f"Observed verdicts: Heroku's, from {observations.path}.")
    else:
        lines.append(f"Observed verdicts: from {observations.path}, target '{observations.target}': NOT Heroku. They "
                     f"show what that server did and say nothing of Heroku (the file holds no heroku results; record "
                     f"them with `{RECORD_HEROKU}`).")
    if observations is not None and observations.page_ids is None:
        lines.append(f"No report beside {observations.path}: evidence links are left out.")
    return lines


def near(path: Path) -> Path:
    """A path as short as it can be said: relative to the working folder when inside it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return path


VERDICT_WORDS = {"agrees": "agrees with the docs", "differs": "differs from the docs"}


def observed_text(finding) -> str:
    o = finding.observed
    if o is None:
        return "not observed"
    where = "Heroku" if o.target == HEROKU else o.target
    return f"observed on {where}: {VERDICT_WORDS.get(o.verdict, o.verdict)}" + (
        f" ({o.count} results)" if o.count > 1 else "")


def text_report(args, docs, observations, reviews, status) -> list[str]:
    lines = source_lines(args, docs, observations)
    for review in reviews:
        lines += ["", f"{review.request.place}  model {review.model_text}  [{review.severity}]"]
        for f in review.findings:
            lines.append(f"  {MARKS[f.severity]} {f.param} — {f.level}; {observed_text(f)}")
            if f.advice:
                lines.append(f"      {f.advice}")
            if f.observed and f.severity != "ok":
                if f.observed.verdict in ("differs", "inconclusive") and f.observed.reason:
                    lines.append(f"      observed: {f.observed.reason}")
                if f.observed.link:
                    lines.append(f"      evidence: {f.observed.link}")
    counts = {s: sum(1 for r in reviews if r.severity == s) for s in MARKS}
    lines += ["", f"{len(reviews)} request(s): {counts['ok'] + counts['note']} fine, {counts['change']} to change, "
                  f"{counts['check']} to check. Exit status {status}."]
    return lines


def as_json(args, docs, observations, reviews, status) -> dict:
    return {
        "docs": {"path": str(args.docs), "captured": docs.data.get("source", {}).get("captured")},
        "observations": None if observations is None else {
            "results": str(observations.path), "target": observations.target, "heroku": observations.is_heroku},
        "requests": [r.as_dict() for r in reviews],
        "counts": {severity: sum(1 for r in reviews if r.severity == severity) for severity in MARKS},
        "exit_status": status,
    }


if __name__ == "__main__":
    sys.exit(main())
