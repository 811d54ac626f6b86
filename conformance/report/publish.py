"""`python -m conformance.report.publish [results.json ...] [--out site] [--baseline OLD.json]`: a folder
ready for any static host: index.html (the report), the results files it was rendered from
(under results/), badge.svg for every target together and badge-<target>.svg for each.

A badge says "Heroku docs: N agree / M differ" (cells of the docs' tables, row x model) and is
- red, "(unexpected)": a result fails the run (results.json `expected: false`: a difference no known
  difference covers, a known difference that went away, a harness error, a result not obtained);
- amber, "(incomplete)": none fails, but a run did not complete, or there is no result at all;
- green: every difference is a known one ("(known)"), or there is none.
"""
import argparse
import shutil
import sys
from pathlib import Path
from xml.sax.saxutils import escape

from ..atomic import write_text_atomic
from ..errors import ConformanceError
from ..results import read_results
from .cli import DEFAULT_RESULTS, by_target, no_cycle_collection
from .diff import compare
from .render import build_view, write_view

CHAR_WIDTH = 6.6  # px per character of 11px Verdana, near enough for a badge


COLOURS = {"red": "#c53030", "amber": "#975a16", "green": "#2f855a"}  # each white text's contrast >= 4.5


def badge_svg(label: str, message: str, colour: str) -> str:
    """A flat badge drawn here (no service asked): grey label, coloured message. The message says
    the numbers and the state in words, so colour is never the only signal."""
    left, right = round(len(label) * CHAR_WIDTH) + 12, round(len(message) * CHAR_WIDTH) + 12
    colour = COLOURS[colour]
    text = f"{label}: {message}"
    label_attr = escape(text, {'"': "&quot;"})
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + right}" height="20" role="img" '
            f'aria-label="{label_attr}"><title>{escape(text)}</title>'
            f'<rect width="{left}" height="20" fill="#555"/><rect x="{left}" width="{right}" height="20" '
            f'fill="{colour}"/><g fill="#fff" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11">'
            f'<text x="6" y="14">{escape(label)}</text><text x="{left + 6}" y="14">{escape(message)}</text>'
            '</g></svg>\n')


def badge_state(targets: list[dict]) -> str:
    """red, amber or green by the rules above (the module's docstring, and README's)."""
    if any(t["unexpected"] for t in targets):
        return "red"
    if not targets or any((t["run"].get("status") or "completed") != "completed" or not t["result_count"]
                          for t in targets):
        return "amber"
    return "green"


def badge_for(targets: list[dict]) -> str:
    """One target's badge, or every target's together. Heroku's own results say "Heroku docs"; other
    targets are named in brackets, so no badge passes another server's results off as Heroku's."""
    names = [t["name"] for t in targets]
    label = "Heroku docs" if names == ["heroku"] else f"Heroku docs ({', '.join(names)})"
    agrees = sum(t["counts"]["agrees"] for t in targets)
    differs = sum(t["counts"]["differs"] for t in targets)
    state = badge_state(targets)
    note = {"red": " (unexpected)", "amber": " (incomplete)"}.get(state, " (known)" if differs else "")
    return badge_svg(label, f"{agrees} agree / {differs} differ{note}", state)


def write_images(folder: Path) -> list[Path]:
    """The suite's images for the cases by URL (red.png, blue.png, red.jpg, blue.jpg, ...): a scheduled
    run against a remote target can use its own site, `--image-base-url https://<site>/images`."""
    from ..image_host import IMAGES

    folder.mkdir(exist_ok=True)
    written = []
    for name, (_, data) in IMAGES.items():
        path = folder / name.lstrip("/")
        path.write_bytes(data)
        written.append(path)
    return written


def safe_name(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name) or "target"


def publish(paths: list[str], out: Path, baseline: str | None = None) -> list[Path]:
    """Write the site; returns the files written."""
    named = [(p, read_results(Path(p))) for p in paths]
    documents, sources = by_target(named)
    changes = None
    if baseline:
        changes = compare(read_results(Path(baseline))["results"], [r for d in documents for r in d["results"]])
    out.mkdir(parents=True, exist_ok=True)
    # What an earlier publish wrote and this one may not (another target's badge, a results file
    # no longer given) must not stay on the site beside the new page.
    shutil.rmtree(out / "results", ignore_errors=True)
    for stale in out.glob("badge-*.svg"):
        stale.unlink()
    (out / "results").mkdir()
    copies = {}
    for path, _ in named:  # the results beside the page, so anyone can check what it shows
        copies[path] = out / "results" / f"{len(copies) + 1:02d}-{safe_name(Path(path).name)}"
        shutil.copyfile(path, copies[path])
    site_sources = [[f"results/{copies[name].name}" for name in group] for group in sources]
    view = build_view(documents, site_sources, changes, baseline and Path(baseline).name)
    write_view(view, out / "index.html")
    written = [out / "index.html", *copies.values()]
    write_text_atomic(out / "badge.svg", badge_for(view["targets"]))
    written.append(out / "badge.svg")
    for target in view["targets"]:
        path = out / f"badge-{safe_name(target['name'])}.svg"
        write_text_atomic(path, badge_for([target]))
        written.append(path)
    written += write_images(out / "images")
    for path in written:
        path.chmod(0o644)  # a static host serves what it can read
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="conformance-publish", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results", nargs="*", help=f"results files (default: {DEFAULT_RESULTS})")
    parser.add_argument("--out", type=Path, default=Path("site"), help="the folder to write (default: site)")
    parser.add_argument("--baseline", help="a previous run's results file: the page lists what changed")
    args = parser.parse_args(argv)
    try:
        with no_cycle_collection():
            written = publish(args.results or [DEFAULT_RESULTS], args.out, args.baseline)
    except ConformanceError as err:
        print(f"conformance-publish: {err}", file=sys.stderr)
        return 2
    except OSError as err:
        print(f"conformance-publish: {err.filename or args.out}: {err.strerror}", file=sys.stderr)
        return 2
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as err:
        # What the schema lets through and rendering still trips on: one line, not a traceback.
        print(f"conformance-publish: {', '.join(args.results or [DEFAULT_RESULTS])}: cannot render this results "
              f"file ({type(err).__name__}: {err})", file=sys.stderr)
        return 2
    print(f"wrote {args.out}/ ({len(written)} files): " + ", ".join(p.name for p in written[:4])
          + (" …" if len(written) > 4 else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
