"""A 10,000-result page opens in headless Chromium in under 2 s.

What is asserted, and why so: on a busy machine (two cores shared with other work) any wall-clock
figure grows with the other work, so the budget is held first on measures that do not: the CPU
time the page's renderer spent loading it (its main thread's and its whole process's, from
Chromium's own metrics), the time the page's script ran, its DOM nodes and its bytes. One
wall-clock bound stays, as the issue asks: the best of 3 loads under 2 s, widened by the load
average over the CPU count when the machine is busier than it has cores (the figures are printed,
and kept in reports/screenshots/page-speed.json)."""
import json
import os
import time
from pathlib import Path

import pytest
from browser import launch, sync_api_or_skip

from conformance.docs import load_docs
from conformance.report.render import render
from conformance.results import Result, document

sync_playwright = sync_api_or_skip().sync_playwright

ROOT = Path(__file__).resolve().parent.parent
DOCS = load_docs(ROOT / "cases" / "docs-tables.yaml")
MODELS = [f"model-{i}" for i in range(8)]
VERDICTS = ["agrees"] * 6 + ["differs", "inconclusive"]
BUDGET_S = 2.0


def many_results(count: int = 10_000) -> dict:
    """`count` results over every row of the docs' tables and 8 models, each with a request, a
    response and a client's view about the size of a real one's: the page is ~30 MB, as a page of
    10,000 results copied from a real replay is."""
    rows = [f"{t['id']}.{r['id']}" for t in DOCS.data["tables"] if t["kind"] != "models" for r in t["rows"]]
    results = []
    for i in range(count):
        row, model = rows[i % len(rows)], MODELS[(i // len(rows)) % len(MODELS)]
        text = f"answer {i}: " + "1, 2, 3, 4, 5, " * 40
        exchange = {"role": "probe", "status": 200, "summary": f"HTTP 200, text={text[:60]!r}",
                    "request_id": f"req-{i:06d}",
                    "request": {"model": model, "max_tokens": 100, "messages": [
                        {"role": "system", "content": "You are a careful assistant. " * 8},
                        {"role": "user", "content": f"probe {row} on {model}, draw {i}"}]},
                    "response": {"id": f"chatcmpl-{i}", "object": "chat.completion", "created": 1764000000,
                                 "model": model, "choices": [{"index": 0, "finish_reason": "stop",
                                                              "message": {"role": "assistant", "content": text}}],
                                 "usage": {"prompt_tokens": 60, "completion_tokens": 80, "total_tokens": 140}},
                    "client": {"outcome": "returned", "finish_reason": "stop", "text": text}}
        results.append(Result(target="reference", mode="replay", model=model, case_id=row.split(".")[1],
                              test_id=f"cases/x.yaml::{row}[{model}]", row=row, table=row.split(".")[0],
                              documented="Full", observed="honoured", verdict=VERDICTS[i % len(VERDICTS)],
                              reason=f"the answer of draw {i} is as documented", params={"draw": i},
                              evidence={"requests": [exchange], "cassette": f"cassettes/reference/{row}.yaml"},
                              tokens={"prompt": 60, "completion": 80, "total": 140, "requests": 1}))
    run = {"target": "reference", "mode": "replay", "models": MODELS, "status": "completed"}
    return json.loads(json.dumps(document(run, DOCS.data, results)))


@pytest.fixture(scope="module")
def big_page(tmp_path_factory):
    path = tmp_path_factory.mktemp("big") / "index.html"
    path.write_text(render(many_results()), encoding="utf-8")
    return path


def load_once(browser, page_file: Path) -> dict:
    """One load in a fresh page: the navigation's own timings, and the renderer's metrics taken
    before and after (Chromium's CPU times: ThreadTime, its main thread; ProcessTime, the process)."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    cdp = page.context.new_cdp_session(page)
    cdp.send("Performance.enable")

    def metrics():
        return {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}

    before = metrics()
    page.goto(page_file.as_uri(), wait_until="load", timeout=120_000)
    after = metrics()
    navigation = page.evaluate("JSON.parse(JSON.stringify(performance.getEntriesByType('navigation')[0]))")
    figures = {"load_s": navigation["loadEventEnd"] / 1000,
               "dom_content_loaded_s": navigation["domContentLoadedEventEnd"] / 1000,
               "nodes": int(after["Nodes"]),
               **{f"{name}_s": after[name] - before.get(name, 0.0)
                  for name in ("ThreadTime", "ProcessTime", "ScriptDuration", "LayoutDuration", "RecalcStyleDuration")}}
    page.close()
    return figures


def test_a_10000_result_page_opens_in_under_2_seconds(big_page):
    with sync_playwright() as p:
        browser = launch(p)
        loads = [load_once(browser, big_page) for _ in range(3)]
        browser.close()
    best = {key: min(load[key] for load in loads) for key in loads[0]}
    cpus = os.cpu_count() or 1
    busy = max(1.0, os.getloadavg()[0] / cpus)
    figures = {"bytes": big_page.stat().st_size, "best_of_3": best, "loads": loads, "load_average": os.getloadavg(),
               "cpus": cpus, "wall_budget_s": round(BUDGET_S * busy, 2), "measured_at": time.strftime("%F %T")}
    out = ROOT / "reports" / "screenshots" / "page-speed.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=1))
    print(f"10,000-result page: {figures['bytes'] / 1e6:.1f} MB, {best['nodes']:,} nodes; best of 3: load "
          f"{best['load_s']:.2f} s, renderer main-thread CPU {best['ThreadTime_s']:.2f} s, process CPU "
          f"{best['ProcessTime_s']:.2f} s, script {best['ScriptDuration_s'] * 1000:.0f} ms; figures in {out}")
    # Measures the machine's other work does not change (much): the renderer's CPU, the script, the size.
    assert best["ThreadTime_s"] < BUDGET_S, figures
    assert best["ProcessTime_s"] < BUDGET_S, figures
    assert best["ScriptDuration_s"] < 0.2, figures  # the filters' first pass over every cell: tens of ms
    assert figures["bytes"] < 40e6 and best["nodes"] < 600_000, figures
    # And the wall clock, as the user waits: generous, the best of 3, widened only on a busy machine.
    assert best["load_s"] < BUDGET_S * busy, figures
