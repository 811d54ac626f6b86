"""The README's pictures of the report, from real runs (needs Chromium: `apt-get install chromium`).

    python -m nox -s conformance          # reports/<target>/results.json: the shipped cassettes, replayed
    python docs/screenshots.py            # writes docs/images/*.png

docs/images/two-targets.png is the replay of every recorded target (reports/results.json: the
reference server and llama.cpp side by side). Besides the replay it makes one live run, against the
reference server started with two claims broken (`--break stop,seed`), for two of the models: that
run is the "new" run of docs/images/diff.png, whose baseline is the reference replay (its results
stay in reports/broken-peer.json). docs/images/clients.png is a live run through every client against
the reference server streaming no finish_reason (`--break stream-no-finish`), where the clients
disagree (reports/clients.json). docs/images/phone.png is the two targets' page on a phone, a cell's
evidence open as a sheet.
"""
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from browser import HOW_TO_INSTALL, chromium_path, launch  # noqa: E402

from conformance.reference import ReferenceServer  # noqa: E402

IMAGES = ROOT / "docs" / "images"
REPLAY = ROOT / "reports" / "reference" / "results.json"
ALL_TARGETS = ROOT / "reports" / "results.json"
PEER = ROOT / "reports" / "broken-peer.json"
PEER_MODELS = "claude-4-5-haiku,nova-pro"
CLIENTS = ROOT / "reports" / "clients.json"


def live_run_against_a_broken_server(out: Path) -> None:
    with ReferenceServer(breaks="stop,seed") as server:
        subprocess.run([sys.executable, "-m", "pytest", "cases", "-q", "-p", "no:cacheprovider", "--mode", "live",
                        "--target", "broken-peer", "--base-url", server.url, "--api-key-env", "PEER_KEY",
                        "--models", PEER_MODELS, "--random-draws", "0", "--results", str(out), "--report", "",
                        "-n", "2"], cwd=ROOT, env={**__import__("os").environ, "PEER_KEY": "reference-key"},
                       capture_output=True, check=False)
    if not out.exists():
        raise SystemExit(f"screenshots: the live run wrote no {out}")


def live_run_through_every_client(out: Path) -> None:
    """The response and streaming rows through every client, against a server whose streams end
    without a finish_reason: the wire differs for all, and two of the clients break on it."""
    with ReferenceServer(breaks="stream-no-finish") as server:
        subprocess.run([sys.executable, "-m", "pytest", "cases/response.yaml", "cases/streaming.yaml", "-q",
                        "-p", "no:cacheprovider", "--mode", "live", "--target", "no-finish", "--base-url",
                        server.url, "--api-key-env", "PEER_KEY", "--models", "claude-4-5-haiku", "--sdk", "all",
                        "--results", str(out), "--report", ""], cwd=ROOT,
                       env={**__import__("os").environ, "PEER_KEY": "reference-key"}, capture_output=True,
                       check=False)
    if not out.exists():
        raise SystemExit(f"screenshots: the live run wrote no {out}")


def report(args: list[str], out: Path) -> Path:
    subprocess.run([sys.executable, "-m", "conformance.report", *args, "-o", str(out)], cwd=ROOT, check=True,
                   capture_output=True)
    return out


def shoot(browser, page_file: Path, image: Path, scroll_to: str | None = None, open_cell: str | None = None,
          height: int = 900, width: int = 1400, scale: float = 1) -> None:
    page = browser.new_page(viewport={"width": width, "height": height}, device_scale_factor=scale)
    page.goto(page_file.as_uri())
    if scroll_to:
        page.evaluate(f"document.querySelector({scroll_to!r}).scrollIntoView()")
    if open_cell:
        page.locator(open_cell).locator("summary").click()
        page.wait_for_timeout(100)  # the panel is placed on the frame after it opens
    page.screenshot(path=str(image))
    page.close()
    print(f"wrote {image.relative_to(ROOT)}")


def main() -> int:
    if chromium_path() is None:
        print(f"screenshots: {HOW_TO_INSTALL}", file=sys.stderr)
        return 2
    if not REPLAY.exists():
        print(f"screenshots: no {REPLAY.relative_to(ROOT)}: run `python -m nox -s conformance` first", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    IMAGES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        live_run_against_a_broken_server(PEER)
        live_run_through_every_client(CLIENTS)
        replay, peer = (str(p.relative_to(ROOT)) for p in (REPLAY, PEER))  # as the page names them
        clients = report([str(CLIENTS.relative_to(ROOT))], tmp / "clients.html")
        one = report([replay], tmp / "one.html")
        two = report([str(ALL_TARGETS.relative_to(ROOT))], tmp / "two.html")
        diff = report([peer, "--baseline", replay], tmp / "diff.html")
        with sync_playwright() as p:
            browser = launch(p)
            shoot(browser, one, IMAGES / "report.png")
            shoot(browser, one, IMAGES / "evidence.png", scroll_to="#table-core",
                  open_cell='tr#row-core\\.stop td.cell[data-model="claude-4-5-haiku"]')
            shoot(browser, two, IMAGES / "two-targets.png", scroll_to="#table-core")
            shoot(browser, diff, IMAGES / "diff.png", scroll_to="#drift-h", height=600)
            shoot(browser, clients, IMAGES / "clients.png", scroll_to="#differs", height=700)
            # A phone (390 px wide, drawn at twice its pixels): the table scrolls in its box, the row
            # names stay; the evidence of a tapped cell is a sheet along the bottom.
            shoot(browser, two, IMAGES / "phone.png", scroll_to="#table-core", width=390, height=844, scale=2,
                  open_cell='tr#row-core\\.model td.cell[data-target="llama-cpp"]')
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
