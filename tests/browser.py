"""Headless Chromium for the report's browser tests and README screenshots: Debian's `chromium`
package driven by Playwright's Python package (browser downloads are never used: no
`playwright install`)."""
import shutil
from pathlib import Path

CHROMIUM_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]
HOW_TO_INSTALL = "no Chromium found: install it with `apt-get install chromium` (and `pip install playwright`)"


def chromium_path() -> str | None:
    for path in CHROMIUM_PATHS:
        if Path(path).exists():
            return path
    return shutil.which("chromium")


def sync_api_or_skip():
    """playwright's sync API, or the calling test module skipped, saying how to install what is missing."""
    import pytest

    try:
        from playwright import sync_api
    except ImportError:  # pragma: no cover - the test extra installs it
        sync_api = None
    if sync_api is None or chromium_path() is None:
        pytest.skip(HOW_TO_INSTALL, allow_module_level=True)
    return sync_api


def launch(playwright):
    return playwright.chromium.launch(executable_path=chromium_path(), args=ARGS)
