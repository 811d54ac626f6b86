"""The report renders the docs' tables from results.json alone: drift first, honest labels, every
cell with its evidence, several targets side by side, a diff against a previous run."""
import copy
import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conformance.docs import load_docs
from conformance.errors import ConformanceError
from conformance.report.cli import main as report_main
from conformance.report.cli import split_by_target
from conformance.report.diff import compare
from conformance.report.labels import host_warning
from conformance.report.publish import publish
from conformance.report.render import build_view, render
from conformance.results import Result, document

ROOT = Path(__file__).resolve().parent.parent
DOCS = load_docs(ROOT / "cases" / "docs-tables.yaml")


def result(row, model, verdict, reason="because", target="t", **kw):
    return Result(target=target, mode="live", model=model, case_id=row.split(".")[1], test_id=f"x::{row}[{model}]",
                  row=row, table=row.split(".")[0], documented=kw.pop("documented", "Full"),
                  observed=kw.pop("observed", "honoured"), verdict=verdict, reason=reason, **kw)


def doc(results, models=("m1", "m2"), target="t", **run):
    run = {"target": target, "mode": "live", "models": list(models), "finished_at": "now", "suite_version": "0",
           "status": "completed", **run}
    return json.loads(json.dumps(document(run, DOCS.data, results)))


class Page(HTMLParser):
    """The rendered tables as data: per table id, its rows' labels and each cell's
    (target, model, verdict); every link target and every id."""

    def __init__(self, html):
        super().__init__()
        self.tables, self.hrefs, self.ids = {}, [], set()
        self.table = self.row = None
        self.in_row_header = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("href", "").startswith("#"):
            self.hrefs.append(attrs["href"][1:])
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "section" and "doc-table" in attrs.get("class", ""):
            self.table = self.tables.setdefault(attrs["data-table"], [])
        elif tag == "tr" and "r" in (attrs.get("class") or "").split() and self.table is not None:
            self.row = {"label": "", "cells": []}
            self.table.append(self.row)
        elif tag == "th" and attrs.get("scope") == "row" and self.row is not None:
            self.in_row_header = True
        elif tag == "td" and "cell" in (attrs.get("class") or "") and self.row is not None:
            self.row["cells"].append((attrs["data-target"], attrs["data-model"], attrs["data-verdict"]))

    def handle_endtag(self, tag):
        if tag == "th":
            self.in_row_header = False
        if tag == "section":
            self.table = None

    def handle_data(self, data):
        if self.in_row_header and not self.row["label"]:
            self.row["label"] = data.strip()

    def cells(self, table, label):
        return next(r["cells"] for r in self.tables[table] if r["label"] == label)


def test_tables_mirror_the_docs_rows_in_order():
    page = Page(render(doc([])))
    for table in DOCS.data["tables"]:
        labels = [r["label"] for r in page.tables[table["id"]]]
        assert labels[:len(table["rows"])] == [r["label"] for r in table["rows"]], table["id"]


def test_cells_show_verdicts_per_model_with_evidence_in_place_and_hostile_text_escaped():
    html = render(doc([
        result("core.stop", "m1", "differs", "stop='7' but the answer contains it <script>alert(1)</script>"),
        result("core.stop", "m2", "agrees"),
        result("models.claude-4-5-haiku.sdk", "m1", "agrees"),
    ]))
    page = Page(html)
    assert page.cells("core", "stop") == [("t", "m1", "differs"), ("t", "m2", "agrees")]
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
    assert page.hrefs and set(page.hrefs) <= page.ids  # every link lands on an element
    assert "c-0-core_stop-m1" in page.hrefs  # the drift list links the differing cell
    evidence = re.search(r'<details class="ev" id="c-0-core_stop-m1">.*?</details>', html, re.S).group(0)
    assert "x::core.stop[m1]" in evidence and "&lt;script&gt;" in evidence
    # rows without a case say so instead of pretending
    assert {v for _, _, v in page.cells("advanced", "seed")} == {"not covered"}


def test_rows_that_do_not_apply_to_a_model_say_not_applicable_from_the_data():
    models = DOCS.model_ids
    data = doc([result("thinking.enabled", "claude-4-5-sonnet", "agrees", documented="boolean")], models=models)
    assert data["docs"]["tables"][[t["id"] for t in DOCS.data["tables"]].index("thinking")]["applies_when"]
    page = Page(render(data))
    enabled = dict(((m, v) for _, m, v in page.cells("thinking", "enabled")))
    assert enabled["claude-4-5-sonnet"] == "agrees"
    assert enabled["claude-4-5-haiku"] == enabled["nova-pro"] == "not applicable"  # ✗ in the thinking column
    assert enabled["claude-3-5-sonnet-latest"] == "not covered"  # Optional: applies, and no case here
    limitation = dict(((m, v) for _, m, v in page.cells("limitations", "Extended thinking")))
    assert limitation["claude-4-5-sonnet"] == "not applicable" and limitation["nova-lite"] == "not covered"


def test_coverage_counts_decided_cells_over_documented_ones_per_table():
    view = build_view([doc([result("core.stop", "m1", "differs"), result("core.top_p", "m1", "inconclusive"),
                            result("core.model", "m2", "agrees")])])
    core = next(c for c in view["targets"][0]["coverage"] if c["table"] == "core")
    assert (core["decided"], core["documented"]) == (2, 14)  # 7 rows x 2 models
    thinking = next(c for c in view["targets"][0]["coverage"] if c["table"] == "thinking")
    # whether m1 and m2 (in no model table, no features declared) can think is not known: the thinking
    # rows may apply to them, so they are run and observed, and count among the cells
    assert thinking["documented"] == 6
    drift = view["drift"]
    assert [d["claim"] for d in drift["differs"]] == ["core.stop"]
    assert [(d["claim"], d["verdict"]) for d in drift["undecided"]] == [("core.top_p", "inconclusive")]


def test_a_partly_recorded_cell_says_what_is_missing():
    html = render(doc([result("core.top_p", "m1", "agrees"), result("core.top_p", "m1", "not recorded")]))
    cell = re.search(r'id="c-0-core_top_p-m1">.*?</summary>', html, re.S).group(0)
    assert "1 not recorded" in cell and "0 " not in cell


def test_the_reference_target_is_never_presented_as_heroku():
    assert "not observations of Heroku" in render(doc([], target="reference"))


@pytest.mark.parametrize("target, url, warned", [
    ("heroku", "http://127.0.0.1:8000/v1", "loopback"),
    ("heroku", "http://localhost:8000/v1", "loopback"),
    ("heroku", "https://heroku.example.com/v1", "not heroku's domain"),
    ("heroku", "https://evil-heroku.com/v1", "not heroku's domain"),
    ("heroku", "https://us.inference.heroku.com/v1", None),
    ("heroku", "https://eu.inference.heroku.com/v1", None),
    ("heroku", "https://my-proxy.herokuapp.com/v1", None),
    ("my-server", "http://127.0.0.1:9/v1", None),  # claims nothing, so nothing to warn about
])
def test_a_run_claiming_a_known_service_from_elsewhere_is_labelled(target, url, warned):
    warning = host_warning(target, "live", url)
    assert (warning is None) if warned is None else (warned in warning)


def test_replayed_cassettes_recorded_against_another_target_are_labelled():
    from conformance.report.labels import provenance_warning

    replayed = [{"evidence": {"provenance": {"target": "reference"}}}]
    assert "recorded against reference" in provenance_warning("heroku", "replay", replayed)
    assert provenance_warning("reference", "replay", replayed) is None
    assert provenance_warning("heroku", "live", replayed) is None


def test_labels_and_banners_sit_above_the_tables():
    data = doc([result("core.stop", "m1", "inconclusive", "not sent: the run's deadline had passed", obtained=False),
                result("core.top_p", "m1", "inconclusive", "not sent: the run had used 10 tokens, its budget is 5",
                       obtained=False)],
               target="heroku", base_url="http://127.0.0.1:8000/v1", status="interrupted",
               narrowed={"keyword": "stop"}, unobtained=2)
    html = render(data)
    top = html[:html.index('id="tables"')]
    for text in ("This run is interrupted", "narrowed", "keyword: stop", "1 past the run&#39;s deadline",
                 "1 past its token budget", "Label warning", "127.0.0.1"):
        assert text in top, text
    assert top.index("Label warning") < top.index("<h1>")


def test_several_targets_side_by_side():
    ref = doc([result("core.stop", "m1", "agrees", target="reference")], target="reference")
    other = doc([result("core.stop", "m1", "differs", target="other")], target="other", models=["m1"])
    html = render([ref, other])
    assert Page(html).cells("core", "stop") == [("reference", "m1", "agrees"), ("reference", "m2", "not covered"),
                                                ("other", "m1", "differs")]
    assert "Different docs tables" not in html
    other["docs"]["tables"][0]["rows"][0]["level"] = "Partial"
    assert "the results of other were judged against other docs tables" in render([ref, other])


def test_a_file_merged_from_several_targets_is_shown_side_by_side(tmp_path):
    from conformance.report.cli import by_target

    ref = doc([result("core.stop", "m1", "agrees", target="reference")], target="reference")
    other = doc([result("core.stop", "m1", "differs", target="other")], target="other", models=["m1"],
                base_url="http://127.0.0.1:9/v1")
    for name, data in (("ref.json", ref), ("other.json", other)):
        (tmp_path / name).write_text(json.dumps(data))
    merged = tmp_path / "merged.json"
    assert report_main([str(tmp_path / "ref.json"), str(tmp_path / "other.json"), "-o", str(tmp_path / "a.html"),
                        "--write-results", str(merged)]) == 0
    documents, sources = by_target([("merged.json", json.loads(merged.read_text()))])
    assert [d["run"]["target"] for d in documents] == ["reference", "other"]
    assert [len(d["results"]) for d in documents] == [1, 1] and sources == [["merged.json"], ["merged.json"]]
    assert report_main([str(merged), "-o", str(tmp_path / "b.html")]) == 0
    assert Page((tmp_path / "b.html").read_text()).cells("core", "stop")[-1] == ("other", "m1", "differs")


def test_variant_in_its_row_and_explored_range_beside_the_documented_one():
    observed = {"documented": [1, 4096], "accepted": [1, 8192], "refused_below": 0, "refused_above": 8193}
    html = render(doc([
        result("advanced.response_format/json_schema", "m1", "differs", "content is not JSON"),
        result("core.max_tokens", "m1", "agrees", params={"max_tokens": 4096}, evidence={"observed_range": observed}),
    ]))
    assert dict((m, v) for _, m, v in Page(html).cells("advanced", "response_format"))["m1"] == "differs"
    assert "part <strong>json_schema</strong>" in html
    assert "max_tokens accepted from 1 to 8192, refused at 0 and below, refused from 8193; documented 1 to 4096" in html


def test_request_bodies_and_samples_of_repeated_steps_are_in_the_evidence():
    exchange = {"role": "probe", "status": 200, "summary": "HTTP 200 <b>", "request": {"messages": ["<img src=x>"]},
                "response": {"choices": []}}
    samples = [{"role": "sample", "status": 200, "summary": "first sample", "request": {"n": 1}},
               {"status": 200, "summary": "second sample", "response": {"x": "</div><script>"}}]
    html = render(doc([result("core.stop", "m1", "agrees",
                              evidence={"requests": [exchange], "samples": samples, "cassette": "c.yaml"},
                              tokens={"prompt": 1, "completion": 2, "total": 3, "requests": 1})]))
    evidence = re.search(r'id="c-0-core_stop-m1">.*?</details>', html, re.S).group(0)
    for text in ("probe · HTTP 200", "HTTP 200 &lt;b&gt;", "samples (2)", "first sample", "sample 2 · HTTP 200",
                 "cassette <code>c.yaml</code>", "1 prompt + 2 completion = 3 tokens in 1 request(s)"):
        assert text in evidence, text
    bodies = json.loads(re.search(r'<script type="application/json" id="bodies">(.*?)</script>', html, re.S).group(1))
    assert {"request": {"messages": ["<img src=x>"]}, "response": {"choices": []}} in bodies
    assert "<img src=x>" not in html and "</div><script>" not in html  # the JSON block writes < as \u003c


def test_samples_as_the_pass_at_k_check_keeps_them_are_shown():
    samples = [{"sample": 1, "request": "probe", "status": 200, "outcome": "valid",
                "calls": [{"name": "get_weather", "arguments": '{"city": "Paris"}'}]},
               {"sample": 2, "request": "samples", "status": 200, "outcome": "invalid",
                "reason": "schema mismatch at $.days <b>", "calls": [{"name": "get_weather", "arguments": "{}"}]}]
    html = render(doc([result("advanced.tools", "m1", "differs", evidence={"samples": samples})]))
    evidence = re.search(r'id="c-0-advanced_tools-m1">.*?</details>', html, re.S).group(0)
    assert "sample 1 · HTTP 200" in evidence and "request: probe · outcome: valid" in evidence
    assert "sample 2 · HTTP 200" in evidence
    assert "outcome: invalid · reason: schema mismatch at $.days &lt;b&gt;" in evidence
    assert "get_weather" in re.search(r'id="bodies">(.*?)</script>', html, re.S).group(1)  # the calls


def test_baseline_diff_lists_regressions_first():
    old = [r.__dict__ for r in [result("core.stop", "m1", "agrees"), result("core.top_p", "m1", "differs"),
                                result("core.model", "m1", "agrees")]]
    new = [r.__dict__ for r in [result("core.stop", "m1", "differs"), result("core.top_p", "m1", "agrees"),
                                result("core.messages", "m1", "differs"), result("core.model", "m1", "inconclusive")]]
    changes = compare(old, new)
    assert [(c.kind, c.claim) for c in changes] == [("regression", "core.stop"), ("new difference", "core.messages"),
                                                    ("fix", "core.top_p"), ("lost", "core.model")]
    narrowed = [r.__dict__ for r in [result("core.stop", "m2", "agrees")]]  # other model, other claims: no loss
    assert compare(old, narrowed) == []
    html = render(doc([result("core.stop", "m1", "differs")]), changes=changes, baseline="old.json")
    assert html.index("regression") < html.index("Coverage and verdicts")


def test_baseline_cli_fails_on_regression_only_when_asked(tmp_path, capsys):
    (tmp_path / "old.json").write_text(json.dumps(doc([result("core.stop", "m1", "agrees")])))
    (tmp_path / "new.json").write_text(json.dumps(doc([result("core.stop", "m1", "differs")])))
    args = [str(tmp_path / "new.json"), "--baseline", str(tmp_path / "old.json"), "-o", str(tmp_path / "o.html")]
    assert report_main(args) == 0
    assert report_main(args + ["--fail-on-regression"]) == 1
    assert "regression: t core.stop [m1]: agrees -> differs" in capsys.readouterr().out
    (tmp_path / "same.json").write_text(json.dumps(doc([result("core.stop", "m1", "agrees")])))
    assert report_main([str(tmp_path / "same.json"), "--baseline", str(tmp_path / "old.json"), "-o",
                        str(tmp_path / "o.html"), "--fail-on-regression"]) == 0


def test_rerender_cli_and_a_malformed_file_is_one_line(tmp_path):
    (tmp_path / "r.json").write_text(json.dumps(doc([result("core.model", "m1", "agrees")])))
    ok = subprocess.run([sys.executable, "-m", "conformance.report", str(tmp_path / "r.json"), "-o",
                         str(tmp_path / "out.html")], capture_output=True, text=True)
    assert ok.returncode == 0 and (tmp_path / "out.html").exists()
    (tmp_path / "bad.json").write_text('{"format": "heroku-conformance-results", "version": 2, "run": {')  # cut short
    bad = subprocess.run([sys.executable, "-m", "conformance.report", str(tmp_path / "bad.json"), "-o",
                          str(tmp_path / "bad.html")], capture_output=True, text=True)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "not valid JSON" in bad.stderr
    assert str(tmp_path / "bad.json") in bad.stderr and not (tmp_path / "bad.html").exists()


@pytest.mark.parametrize("damage, problem", [
    (lambda d: d["results"][0].pop("verdict"), "results[0]: 'verdict' is a required property"),
    (lambda d: d["results"][0]["evidence"].update(requests="nope"), "results[0].evidence.requests: 'nope' is not"),
    (lambda d: d.update(version=99), "results format version 99 is not one this suite reads (1, 2, 3)"),
    (lambda d: d["docs"].update(tables=[{"id": "x"}]), "docs.tables[0]: 'title' is a required property"),
])
def test_a_partial_results_file_is_one_line(tmp_path, capsys, damage, problem):
    data = doc([result("core.stop", "m1", "agrees")])
    damage(data)
    path = tmp_path / "results.json"
    path.write_text(json.dumps(data))
    assert report_main([str(path), "-o", str(tmp_path / "o.html")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(path) in err and problem in err, err


def test_a_version_1_results_file_is_still_read(tmp_path):
    data = doc([result("core.stop", "m1", "agrees", evidence={"requests": [{"role": "probe", "summary": "HTTP 200"}]})])
    data["version"] = 1
    path = tmp_path / "v1.json"
    path.write_text(json.dumps(data))
    assert report_main([str(path), "-o", str(tmp_path / "o.html")]) == 0


def test_the_renderer_needs_neither_the_sdk_nor_pytest():
    code = "import sys, conformance.report.cli; print(sorted(m for m in ('openai','pytest','vcr') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_model_table_shows_untested_and_unlisted_models_for_what_they_are():
    data = doc([result("models.gpt-oss-120b.sdk", "gpt-oss-120b", "agrees")], models=["gpt-oss-120b"])
    html = render(data)
    assert "not in this run" in re.search(r"Claude 4.5 Haiku.*?</tr>", html, re.S).group(0)
    unlisted = re.search(r"<th scope=\"row\">gpt-oss-120b.*?</tr>", html, re.S).group(0)
    assert "beyond the table" in unlisted and 'class="v v-agrees"' in unlisted
    # in their own group, after the table's own models, saying what the SDK column is held against
    group = html[html.index('id="beyond-the-table"'):]
    assert "Beyond the table" in group[:600] and "work with the OpenAI SDK" in group[:600]
    assert html.index("Amazon Nova Lite") < html.index('id="beyond-the-table"') < html.index('<th scope="row">gpt-oss')


def test_publish_writes_a_site_with_the_results_and_a_badge(tmp_path):
    ref = doc([result("core.stop", "m1", "agrees", target="reference"),
               result("core.top_p", "m1", "differs", target="reference")], target="reference")
    (tmp_path / "ref.json").write_text(json.dumps(ref))
    other = copy.deepcopy(ref)
    other["run"]["target"] = "heroku"
    other["run"]["base_url"] = "https://us.inference.heroku.com/v1"
    for r in other["results"]:
        r["target"] = "heroku"
    (tmp_path / "heroku.json").write_text(json.dumps(other))
    written = publish([str(tmp_path / "ref.json"), str(tmp_path / "heroku.json")], tmp_path / "site")
    names = sorted(p.relative_to(tmp_path / "site").as_posix() for p in written)
    assert names == ["badge-heroku.svg", "badge-reference.svg", "badge.svg", "images/blue.jpg", "images/blue.png",
                     "images/not-an-image.txt", "images/red.jpg", "images/red.png", "index.html",
                     "results/01-ref.json", "results/02-heroku.json"]
    # the images the cases by URL send, for --image-base-url https://<site>/images
    from conformance.images import solid_png
    assert (tmp_path / "site" / "images" / "red.png").read_bytes() == solid_png((255, 0, 0))
    badge = (tmp_path / "site" / "badge-heroku.svg").read_text()
    assert "Heroku docs: 1 agree / 1 differ" in badge and badge.startswith("<svg")
    # badge.svg is every target's together, each named: another server's results never pass as Heroku's
    assert "Heroku docs (reference, heroku): 2 agree / 2 differ" in (tmp_path / "site" / "badge.svg").read_text()
    index = (tmp_path / "site" / "index.html").read_text()
    assert "results/02-heroku.json" in index and "http://" not in index.replace("http://www.w3.org", "")
    # Published again with one file: nothing of the first site stays beside the new page.
    (tmp_path / "site" / "notes.txt").write_text("the user's own file")
    publish([str(tmp_path / "ref.json")], tmp_path / "site")
    left = sorted(p.relative_to(tmp_path / "site").as_posix() for p in (tmp_path / "site").rglob("*"))
    images = ["images", "images/blue.jpg", "images/blue.png", "images/not-an-image.txt", "images/red.jpg",
              "images/red.png"]
    assert left == ["badge-reference.svg", "badge.svg", *images, "index.html", "notes.txt", "results",
                    "results/01-ref.json"]


def test_a_verdicts_accessible_name_says_its_row_model_and_target():
    html = render(doc([result("core.stop", "m1", "differs", known="a known difference"),
                       result("models.claude-4-5-haiku.vision", "claude-4-5-haiku", "agrees")],
                      models=("m1", "claude-4-5-haiku")))
    assert 'aria-label="stop: differs (known difference) on m1, t; open the evidence"' in html
    assert 'aria-label="Claude 4.5 Haiku, Vision: agrees on claude-4-5-haiku, t; open the evidence"' in html


def badge_colour(svg: str) -> str:
    return re.findall(r'fill="(#[0-9a-f]+)"', svg)[1]  # the label's grey, then the message's colour


@pytest.mark.parametrize(("expected", "known", "status", "colour", "words"), [
    (True, "the profile's known difference", "completed", "#2f855a", "1 agree / 1 differ (known)"),
    (False, None, "completed", "#c53030", "1 agree / 1 differ (unexpected)"),
    (True, "the profile's known difference", "interrupted", "#975a16", "1 agree / 1 differ (incomplete)"),
])
def test_the_badge_is_green_only_when_every_difference_is_known_and_the_run_complete(
        tmp_path, expected, known, status, colour, words):
    results = [result("core.stop", "m1", "agrees", target="heroku"),
               result("core.top_p", "m1", "differs", target="heroku", expected=expected, known=known)]
    (tmp_path / "h.json").write_text(json.dumps(doc(results, target="heroku", status=status,
                                                    base_url="https://us.inference.heroku.com/v1")))
    publish([str(tmp_path / "h.json")], tmp_path / "site")
    for name in ("badge.svg", "badge-heroku.svg"):  # one target: the overall badge is its own
        svg = (tmp_path / "site" / name).read_text()
        assert f"Heroku docs: {words}" in svg and badge_colour(svg) == colour


def test_the_overall_badge_is_red_when_any_target_fails_its_run(tmp_path):
    fine = doc([result("core.stop", "m1", "agrees", target="reference")], target="reference")
    failing = doc([result("core.stop", "m1", "differs", target="other", expected=False)], target="other")
    paths = []
    for name, data in (("fine", fine), ("failing", failing)):
        paths.append(str(tmp_path / f"{name}.json"))
        Path(paths[-1]).write_text(json.dumps(data))
    publish(paths, tmp_path / "site")
    site = tmp_path / "site"
    assert badge_colour((site / "badge-reference.svg").read_text()) == "#2f855a"
    assert "1 agree / 0 differ<" in (site / "badge-reference.svg").read_text()  # green, and no difference at all
    assert badge_colour((site / "badge-other.svg").read_text()) == "#c53030"
    overall = (site / "badge.svg").read_text()
    assert badge_colour(overall) == "#c53030"
    assert "Heroku docs (reference, other): 1 agree / 1 differ (unexpected)" in overall


def test_docs_applies_when_is_checked_and_every_case_runs_only_where_its_rows_apply(tmp_path):
    from conformance.cases import load_cases

    cases = load_cases(ROOT / "cases", DOCS)
    for case in cases:
        for model in DOCS.model_ids:
            if case.applies_to(model):
                for row in case.rows:
                    claim = DOCS.claim_for(row, model)
                    assert DOCS.applies(claim.id, model), f"{case.id} runs {claim.id} on {model}"
    docs_text = (ROOT / "cases" / "docs-tables.yaml").read_text()
    bad = docs_text.replace("applies_when: {thinking:", "applies_when: {think:", 1)
    (tmp_path / "docs-tables.yaml").write_text(bad)
    with pytest.raises(ConformanceError, match="applies_when names 'think', not a column of the model table"):
        load_docs(tmp_path / "docs-tables.yaml")


def test_evidence_keeps_the_request_body_and_an_excerpt_of_the_answer():
    from conformance.evidence import exchange_evidence
    from conformance.exchange import Exchange

    image = "data:image/png;base64," + "A" * 5000
    plain = Exchange(request={"messages": [{"role": "user", "content": image}]}, status=200, body={"choices": []})
    kept = exchange_evidence(plain)
    assert kept["response"] == {"choices": []}
    assert kept["request"]["messages"][0]["content"].endswith("… [4622 more characters]")
    stream = Exchange(request={"stream": True}, stream=True, status=200, events=[{"i": i} for i in range(20)])
    kept = exchange_evidence(stream)
    assert kept["chunk_count"] == 20 and kept["chunks"][:2] == [{"i": 0}, {"i": 1}]
    assert kept["chunks"][6] == "… 11 more chunks …" and kept["chunks"][-1] == {"i": 19}


def test_an_odd_value_the_schema_lets_through_is_one_line_in_report_and_publish(tmp_path, capsys):
    from conformance.report.cli import main as report_main
    from conformance.report.publish import main as publish_main

    bad = doc([result("core.stop", "m1", "agrees", target="a"), result("core.stop", "m1", "agrees", target="b")])
    bad["run"]["targets"] = -1  # a merged file's per-target runs, mangled
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    assert report_main([str(tmp_path / "bad.json"), "-o", str(tmp_path / "x.html")]) == 2
    assert publish_main([str(tmp_path / "bad.json"), "--out", str(tmp_path / "site")]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 2 and all("bad.json: cannot render this results file" in line for line in lines)


def test_a_profiles_own_models_are_shown_with_the_levels_their_features_give():
    """llama-cpp's `tiny` has no extended thinking: reasoning_effort is unstated for it, and the
    thinking limitation (about models without thinking) applies to it, as the run judged them."""
    data = doc([result("devcenter.reasoning_effort", "tiny", "inconclusive", documented="Unstated")],
               models=["tiny"], own_models=["tiny"], features={"thinking": False, "vision": False})
    html = render(data)
    cell = re.search(r'<td class="cell[^"]*" data-target="t" data-model="tiny"[^>]*>.*?</td>',
                     html[html.index('id="row-devcenter.reasoning_effort"'):], re.S).group(0)
    assert "documented Unstated" in cell and "documented Full" not in cell
    limitation = html[html.index('id="row-limitations.thinking-models"'):]
    first = re.search(r'data-model="tiny"[^>]*>.*?</td>', limitation, re.S).group(0)
    assert "not applicable" not in first and "not covered" in first
    # Without the profile's word (or --features), whether a model the docs do not list has thinking is
    # not known: the row may apply, so it is run and observed, and with no result it is not covered.
    plain = render(doc([], models=["tiny"]))
    plain_cell = re.search(r'data-model="tiny"[^>]*>.*?</td>',
                           plain[plain.index('id="row-limitations.thinking-models"'):], re.S).group(0)
    assert "not covered" in plain_cell


def test_a_replay_labelled_heroku_of_cassettes_recorded_from_loopback_is_warned_about():
    from conformance.report.labels import provenance_warning

    recorded = [{"evidence": {"provenance": {"target": "heroku", "host": "127.0.0.1"}}}]
    warning = provenance_warning("heroku", "replay", recorded)
    assert warning and "recorded from 127.0.0.1, a loopback address" in warning
    real = [{"evidence": {"provenance": {"target": "heroku", "host": "us.inference.heroku.com"}}}]
    assert provenance_warning("heroku", "replay", real) is None
    assert provenance_warning("my-server", "replay", [{"evidence": {"provenance": {"target": "my-server",
                                                                                  "host": "127.0.0.1"}}}]) is None


# ---- what a reader can bet on (issue: verdicts a user can bet on) ----------------------------

def test_a_page_without_any_observation_of_heroku_says_so_above_the_tables_with_the_record_command():
    html = render([doc([result("core.stop", "m1", "agrees")], target="reference"),
                   doc([result("core.stop", "tiny", "agrees", target="llama-cpp")], target="llama-cpp",
                       models=["tiny"])])
    banner = html[html.index('id="no-heroku"'):]
    assert html.index('id="no-heroku"') < html.index('id="runs"')
    assert "No observation of Heroku" in banner and "nox -s record -- --target heroku" in banner
    # a replay of Heroku's own cassettes (or a live run) is an observation: no banner then
    heroku = render([doc([result("core.stop", "m1", "agrees", target="heroku")], target="heroku")])
    assert 'id="no-heroku"' not in heroku
    unrecorded = render([doc([result("core.stop", "m1", "not recorded", target="heroku")], target="heroku")])
    assert 'id="no-heroku"' in unrecorded


def test_each_targets_card_shows_its_own_tokens_in_a_merged_file():
    tokens = {"prompt": 10, "completion": 5, "total": 15, "requests": 1}
    merged = doc([result("core.stop", "m1", "agrees", target="a", tokens=tokens),
                  result("core.stop", "m1", "agrees", target="b", tokens=tokens),
                  result("core.top_p", "m1", "agrees", target="b", tokens=tokens)], target="a")
    view = build_view(split_by_target(merged))
    assert [(t["name"], t["tokens"]["total"]) for t in view["targets"]] == [("a", 15), ("b", 30)]


def test_known_differences_are_marked_known_in_the_drift_list():
    view = build_view([doc([result("core.stop", "m1", "differs", known="known difference of t (core.stop): x"),
                            result("core.top_p", "m1", "differs")])])
    known = {d["claim"]: d["known"] for d in view["drift"]["differs"]}
    assert known == {"core.stop": True, "core.top_p": False}
    html = render(doc([result("core.stop", "m1", "differs", known="why")]))
    assert "1 of them known" in html and "known difference of this target" in html


def test_the_docs_contradicting_themselves_is_its_own_finding_not_a_difference():
    reason = ("logprobs is None; the docs contradict themselves (listed as Full and Ignored): what was seen agrees "
              "with the Ignored listing and contradicts the Full one; not held against the service")
    data = doc([result("devcenter.logprobs", "m1", "inconclusive", reason=reason, documented="Contradictory",
                       observed="ignored")])
    view = build_view([data])
    assert [d["claim"] for d in view["drift"]["contradictions"]] == ["devcenter.logprobs"]
    assert view["drift"]["undecided"] == [] and view["drift"]["differs"] == []
    html = render(data)
    assert "The docs contradict themselves (1)" in html
    assert "the docs contradict themselves; observed ignored" in html  # the cell says so too
    assert "listed as Full and Ignored" in html


def test_a_model_card_that_contradicts_the_table_is_shown_beside_it_with_both_sources():
    """Claude 4.5 Haiku's card lists image input; the table says ✗: both listings in the cell's
    documented column, the observation among the docs' self-contradictions, never a difference."""
    reason = ("no colour named; the docs contradict themselves (listed as ✗ by the compatibility page's model table "
              "and ✓ by Heroku's Claude 4.5 Haiku model card (2026-01-30)): what was seen agrees with the ✗ listing "
              "and contradicts the ✓ one; not held against the service")
    data = doc([result("models.claude-4-5-haiku.vision", "claude-4-5-haiku", "inconclusive", reason=reason,
                       documented="Contradictory", observed="ignored")], models=["claude-4-5-haiku"])
    view = build_view([data])
    assert [d["claim"] for d in view["drift"]["contradictions"]] == ["models.claude-4-5-haiku.vision"]
    assert view["drift"]["differs"] == [] and view["drift"]["undecided"] == []
    # the drift's one line leads with the finding: which listing what was seen bears out
    assert "agrees with the ✗ listing" in view["drift"]["contradictions"][0]["reason"]
    assert view["drift"]["contradictions"][0]["reason"].startswith("the docs contradict themselves")
    html = render(data)
    row = re.search(r"<th scope=\"row\">Claude 4.5 Haiku.*?</tr>", html, re.S).group(0)
    assert "✗: the compatibility page&#39;s model table" in row
    assert "✓: Heroku&#39;s Claude 4.5 Haiku model card (2026-01-30)" in row
    assert "the docs contradict themselves; observed ignored" in row  # the cell says so too
    assert "pages Heroku published, each" in row
    # a model no card contradicts keeps the table's mark alone
    other = re.search(r"<th scope=\"row\">Claude 3.5 Haiku.*?</tr>", html, re.S).group(0)
    assert "model card" not in other


def test_rows_of_herokus_published_pages_in_the_pages_table_show_their_source_and_are_judged():
    html = render(doc([result("pages.card-ids", "m1", "differs", reason="refused as an unknown model: claude-sonnet"),
                       result("pages.model-env", "m1", "inconclusive", reason="no INFERENCE_MODEL_ID: the standard")]))
    cards = re.search(r'<tr class="r" id="row-pages.card-ids">.*?</tr>', html, re.S).group(0)
    assert "Source: Heroku&#39;s model cards: Claude Sonnet 4.6" in cards and "observed, never judged" not in cards
    assert "a page Heroku published: judged" in cards  # in a table of draft pages, said so
    assert 'class="v v-differs"' in cards
    env = re.search(r'<tr class="r" id="row-pages.model-env">.*?</tr>', html, re.S).group(0)
    assert "Source: The compatibility page&#39;s setup" in env and "observed, never judged" not in env
    # the draft page's row beside them still says where it comes from
    draft = re.search(r'<tr class="r" id="row-pages.tool-choice-default">.*?</tr>', html, re.S).group(0)
    assert "a draft Heroku page, not Heroku's published page: observed, never judged" in draft


def test_a_model_beyond_the_table_names_its_model_card_as_its_source():
    data = doc([result("models.gpt-oss-120b.sdk", "gpt-oss-120b", "agrees")], models=["gpt-oss-120b"])
    unlisted = re.search(r"<th scope=\"row\">gpt-oss-120b.*?</tr>", render(data), re.S).group(0)
    assert "Source: Heroku&#39;s OpenAI gpt-oss-120b model card; the card&#39;s id: openai-gpt-oss-120b" in unlisted


def test_a_rows_source_tier_is_shown_when_it_is_not_herokus_published_page():
    html = render(doc([]))
    row = html[html.index('id="row-devcenter.unknown-params"'):]
    row = row[:row.index("</tr>")]
    assert "a third party, not Heroku's published page: observed, never judged" in row
    stop = html[html.index('id="row-core.stop"'):]
    assert "observed, never judged" not in stop[:stop.index("</tr>")]
