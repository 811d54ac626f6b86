"""`python -m conformance.report [results.json] [-o index.html]`: re-render the report."""
import argparse
import sys
from pathlib import Path

from ..errors import ConformanceError
from ..results import read_results
from .render import render_to_file


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="conformance-report", description=__doc__)
    parser.add_argument("results", nargs="?", default="reports/results.json")
    parser.add_argument("-o", "--output", default="reports/index.html")
    args = parser.parse_args(argv)
    try:
        data = read_results(Path(args.results))
        render_to_file(data, Path(args.output))
    except ConformanceError as err:
        print(f"conformance-report: {err}", file=sys.stderr)
        return 2
    print(f"wrote {args.output} from {args.results} ({len(data['results'])} results)")
    return 0
