"""`python -m conformance.report [results.json ...] [--run DIR] [-o index.html] [--baseline OLD.json]`:
render the report.

Results files of the same target (a run split across machines, by model or case file) are merged;
the same probe with two verdicts is refused. Files of different targets (the reference server,
Heroku, another server), or one file merged from several, are shown side by side, a column group
per target. `--run DIR` rebuilds
the results of a run that was killed before it could write them, from the shards its workers left
in reports/runs/. `--baseline OLD.json` compares with a previous run: regressions (agreed, now
differs; newly differs) and fixes are listed first, on the page and here; `--fail-on-regression`
then exits 1 when there is a regression, so a scheduled CI run fails on a new difference.
"""
import argparse
import contextlib
import gc
import sys
from pathlib import Path

from ..errors import ConformanceError, describe_error
from ..results import read_results, write_json_atomic
from ..results.merge import merge_documents
from ..results.rebuild import rebuild_from_run
from .diff import compare, summary_line
from .render import render_to_file

DEFAULT_RESULTS = "reports/results.json"


def split_by_target(doc: dict) -> list[dict]:
    """A results document per target: a file merged from several targets (its results each name
    their target; `run.targets`, where present, holds each target's own run) becomes one per target."""
    run = doc["run"]
    targets = list(dict.fromkeys(str(r["target"]) for r in doc["results"])) or [str(run.get("target"))]
    if targets == [str(run.get("target"))]:
        return [doc]
    runs = {str(t.get("target")): t for t in run.get("targets") or [] if isinstance(t, dict)}
    out = []
    for target in targets:
        results = [r for r in doc["results"] if str(r["target"]) == target]
        tested = {r["model"] for r in results}  # without its own run, a target's models are those it has results for
        own = runs.get(target) or {**run, "models": [m for m in run.get("models", []) if m in tested]}
        out.append({**doc, "run": {**own, "target": target}, "results": results})
    return out


def by_target(named: list[tuple[str, dict]]) -> tuple[list[dict], list[list[str]]]:
    """One document per target, in the order the targets first appear, with the files it came from."""
    groups: dict[str, list[tuple[str, dict]]] = {}
    for name, doc in named:
        for part in split_by_target(doc):
            groups.setdefault(str(part["run"].get("target")), []).append((name, part))
    documents = [group[0][1] if len(group) == 1 else merge_documents(group) for group in groups.values()]
    return documents, [list(dict.fromkeys(name for name, _ in group)) for group in groups.values()]


def load(paths: list[str], run_dir: Path | None) -> list[tuple[str, dict]]:
    named = [(str(p), read_results(Path(p))) for p in paths]
    if run_dir:
        named.append((str(run_dir), rebuild_from_run(run_dir)))
    return named or [(DEFAULT_RESULTS, read_results(Path(DEFAULT_RESULTS)))]


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="conformance-report", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("results", nargs="*", help=f"results files (default: {DEFAULT_RESULTS})")
    p.add_argument("--run", type=Path, help="a run folder under reports/runs/ to rebuild results from")
    p.add_argument("-o", "--output", default="reports/index.html")
    p.add_argument("--write-results", type=Path, help="also write the merged results here")
    p.add_argument("--baseline", help="a previous run's results file: list what changed since")
    p.add_argument("--fail-on-regression", action="store_true",
                   help="exit 1 when a claim agreed in the baseline and differs now, or newly differs")
    return p


@contextlib.contextmanager
def no_cycle_collection():
    """A report builds millions of objects (a 10,000-result file) and frees none until it ends: the
    cyclic garbage collector's repeated walks over them were half its time. It creates no cycle
    worth collecting, so the collector rests while it runs (and is restored after, for callers in-process)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def main(argv: list[str] | None = None) -> int:
    with no_cycle_collection():
        return run(argv)


def run(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.fail_on_regression and not args.baseline:
        print("conformance-report: --fail-on-regression needs --baseline OLD.json", file=sys.stderr)
        return 2
    try:
        named = load(args.results, args.run)
        try:
            documents, sources = by_target(named)
            if args.write_results:  # every file's results in one document, each result keeping its target
                write_json_atomic(args.write_results, named[0][1] if len(named) == 1 else merge_documents(named))
            changes = None
            if args.baseline:
                old = read_results(Path(args.baseline))
                changes = compare(old["results"], [r for doc in documents for r in doc["results"]])
            render_to_file(documents, Path(args.output), sources=sources, changes=changes, baseline=args.baseline)
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as err:
            # The schema lets through what a renderer bug or an odd value can still trip on: one line.
            raise ConformanceError(f"{', '.join(n for n, _ in named)}: cannot render this results file "
                                   f"({describe_error(err)})") from None
    except ConformanceError as err:
        print(f"conformance-report: {err}", file=sys.stderr)
        return 2
    files = ", ".join(name for name, _ in named)
    count = sum(len(doc["results"]) for doc in documents)
    print(f"wrote {args.output} from {files} ({count} results, {len(documents)} target(s))")
    if changes is not None:
        print(summary_line(changes, args.baseline))
        for c in changes:
            if c.is_regression or c.kind == "fix":
                print(f"  {c.kind}: {c.target} {c.claim} [{c.model}]: {c.before or 'absent'} -> {c.after}: {c.reason}")
        if args.fail_on_regression and any(c.is_regression for c in changes):
            return 1
    return 0
