"""`python -m conformance.report [results.json ...] [--run DIR] [-o index.html]`: render the report.

Several results files (a run split across machines, by model or case file) are merged into one
report; the same probe with two verdicts is refused. `--run DIR` rebuilds the results of a run
that was killed before it could write them, from the shards its workers left in reports/runs/.
"""
import argparse
import sys
from pathlib import Path

from ..errors import ConformanceError
from ..results import read_results, write_json_atomic
from ..results.merge import merge_documents
from ..results.rebuild import rebuild_from_run
from .render import render_to_file


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="conformance-report", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results", nargs="*", help="results files (default: reports/results.json)")
    parser.add_argument("--run", type=Path, help="a run folder under reports/runs/ to rebuild results from")
    parser.add_argument("-o", "--output", default="reports/index.html")
    parser.add_argument("--write-results", type=Path, help="also write the merged results here")
    args = parser.parse_args(argv)
    try:
        named = [(str(p), read_results(Path(p))) for p in args.results]
        if args.run:
            named.append((str(args.run), rebuild_from_run(args.run)))
        if not named:
            named = [("reports/results.json", read_results(Path("reports/results.json")))]
        data = named[0][1] if len(named) == 1 else merge_documents(named)
        if args.write_results:
            write_json_atomic(args.write_results, data)
        render_to_file(data, Path(args.output))
    except ConformanceError as err:
        print(f"conformance-report: {err}", file=sys.stderr)
        return 2
    sources = ", ".join(name for name, _ in named)
    print(f"wrote {args.output} from {sources} ({len(data['results'])} results)")
    return 0
