"""The report renders the docs' tables from results.json alone, every cell linked to its evidence."""
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

from conformance.docs import load_docs
from conformance.report.render import render
from conformance.results import Result, document

ROOT = Path(__file__).resolve().parent.parent
DOCS = load_docs(ROOT / "cases" / "docs-tables.yaml")


def result(row, model, verdict, reason="because", **kw):
    return Result(target="t", mode="live", model=model, case_id=row.split(".")[1], test_id=f"x::{row}[{model}]",
                  row=row, table=row.split(".")[0], documented="Full", observed="honoured", verdict=verdict,
                  reason=reason, **kw)


def doc(results):
    run = {"target": "t", "mode": "live", "models": ["m1", "m2"], "finished_at": "now", "suite_version": "0"}
    return document(run, DOCS.data, results)


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs, self.ids = [], set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("href", "").startswith("#"):
            self.hrefs.append(attrs["href"][1:])
        if "id" in attrs:
            self.ids.add(attrs["id"])


def test_cells_show_verdicts_per_model_with_evidence_links():
    html = render(doc([
        result("core.stop", "m1", "differs", "stop='7' but the answer contains it <script>"),
        result("core.stop", "m2", "agrees"),
        result("models.claude-4-5-haiku.sdk", "m1", "agrees"),
    ]))
    row = re.search(r"<code>stop</code>.*?</tr>", html, re.S).group(0)
    assert row.index('class="v differs"') < row.index('class="v agrees"')  # m1 then m2
    assert "<script>" not in html and "&lt;script&gt;" in html
    links = Links()
    links.feed(html)
    assert links.hrefs and set(links.hrefs) <= links.ids  # every cell's link lands on its evidence
    # rows without a case say so instead of pretending
    seed = re.search(r"<code>seed</code>.*?</tr>", html, re.S).group(0)
    assert "not covered" in seed and "agrees" not in seed


def test_a_partly_recorded_cell_says_what_is_missing():
    html = render(doc([result("core.top_p", "m1", "agrees"), result("core.top_p", "m1", "not recorded")]))
    row = re.search(r"<code>top_p</code>.*?</tr>", html, re.S).group(0)
    assert "1 not recorded" in row and "0 " not in row


def test_the_reference_target_is_never_presented_as_heroku():
    data = doc([])
    data["run"]["target"] = "reference"
    assert "not observations of Heroku" in render(data)


def test_rerender_cli(tmp_path):
    import json

    (tmp_path / "r.json").write_text(json.dumps(doc([result("core.model", "m1", "agrees")])))
    ok = subprocess.run([sys.executable, "-m", "conformance.report", str(tmp_path / "r.json"), "-o",
                         str(tmp_path / "out.html")], capture_output=True, text=True)
    assert ok.returncode == 0 and (tmp_path / "out.html").exists()
    (tmp_path / "bad.json").write_text("{not json")
    bad = subprocess.run([sys.executable, "-m", "conformance.report", str(tmp_path / "bad.json"), "-o",
                          str(tmp_path / "bad.html")], capture_output=True, text=True)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "not valid JSON" in bad.stderr
    assert not (tmp_path / "bad.html").exists()


def test_the_renderer_needs_neither_the_sdk_nor_pytest():
    code = "import sys, conformance.report.cli; print(sorted(m for m in ('openai','pytest','vcr') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_model_table_shows_untested_and_unlisted_models_for_what_they_are():
    data = doc([result("models.gpt-oss-120b.sdk", "gpt-oss-120b", "agrees")])
    data["run"]["models"] = ["gpt-oss-120b"]
    html = render(data)
    assert "not in this run" in re.search(r"Claude 4.5 Haiku.*?</tr>", html, re.S).group(0)
    unlisted = re.search(r"<td>gpt-oss-120b.*?</tr>", html, re.S).group(0)
    assert "not in the docs' table" in unlisted and 'class="v agrees"' in unlisted


def test_a_variant_shows_in_its_row_and_an_explored_range_shows_the_observed_limit():
    observed = {"documented": [1, 4096], "accepted": [1, 8192], "refused_below": 0, "refused_above": 8193,
                "probes": 20}
    html = render(doc([
        result("advanced.response_format/json_schema", "m1", "differs", "content is not JSON"),
        result("core.max_tokens", "m1", "agrees", params={"max_tokens": 4096},
               evidence={"observed_range": observed}),
    ]))
    row = re.search(r"<code>response_format</code>.*?</tr>", html, re.S).group(0)
    assert "differs" in row  # the part's verdict is in the row's cell
    assert "part <strong>json_schema</strong>" in html
    assert "max_tokens accepted from 1 to 8192, refused from 8193; documented 1 to 4096" in html


def test_a_results_file_missing_a_field_is_one_line(tmp_path):
    import json

    data = json.loads(json.dumps(doc([result("core.stop", "m1", "agrees")])))
    del data["results"][0]["verdict"]
    path = tmp_path / "results.json"
    path.write_text(json.dumps(data))
    proc = subprocess.run([sys.executable, "-m", "conformance.report", str(path), "-o", str(tmp_path / "o.html")],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip() == (f"conformance-report: {path}: not a complete results file: "
                                   "results[0]: 'verdict' is a required property")
