"""Bad case files fail before any request, with one line naming the file, the case and the problem."""
from pathlib import Path

import pytest

from conformance.cases import load_case_file, load_cases
from conformance.docs import load_docs
from conformance.errors import ConformanceError

ROOT = Path(__file__).resolve().parent.parent
DOCS = load_docs(ROOT / "cases" / "docs-tables.yaml")

GOOD = """\
cases:
  - id: sample
    rows: [core.model]
    title: a sample
    request:
      messages: [{role: user, content: hi}]
    check: completion_shape
"""


def load_one(tmp_path: Path, text: str):
    (tmp_path / "a.yaml").write_text(text)
    return load_cases(tmp_path, DOCS)


@pytest.mark.parametrize("broken, message", [
    (GOOD.replace("core.model", "core.modle"),
     "case 'sample': unknown docs row 'core.modle' (did you mean 'core.model'?)"),
    (GOOD.replace("content: hi}]", "content: hi}]\n      max_tokens: lots"),
     "case 'sample': request.max_tokens: 'lots' is not of type 'integer', 'null'"),
    (GOOD + "    colour: blue\n", "case 'sample': unknown key(s) ('colour' was unexpected)"),
    (GOOD.replace("completion_shape", "completion_shap"),
     "case 'sample': unknown check 'completion_shap' (did you mean 'completion_shape'?)"),
    (GOOD.replace("check: completion_shape", "check: stop_sequence_ends_text"),
     "case 'sample': check 'stop_sequence_ends_text' needs expect key(s) stop"),
    (GOOD + "    expect: {colour: blue}\n", "case 'sample': check 'completion_shape' takes no expect key(s) colour"),
    (GOOD.replace("check: completion_shape", "check: max_tokens_respected"),
     "case 'sample': check 'max_tokens_respected' explores a range: add `explore:`"),
    (GOOD.replace("    title: a sample\n", ""), "case 'sample': 'title' is a required property"),
    (GOOD.replace("id: sample", "id: Sample Case"), "case 'Sample Case': id: 'Sample Case' does not match"),
    ("cases: [\n", "a.yaml: line 2 invalid YAML"),
])
def test_bad_case_is_one_line_naming_file_case_and_problem(tmp_path, broken, message):
    with pytest.raises(ConformanceError) as err:
        load_one(tmp_path, broken)
    text = str(err.value)
    assert text.startswith(str(tmp_path / "a.yaml") + ":")
    assert message in text
    assert "\n" not in text


def test_duplicate_ids_across_files_are_rejected(tmp_path):
    (tmp_path / "b.yaml").write_text(GOOD)
    with pytest.raises(ConformanceError, match=r"b.yaml: case 'sample': duplicate case id \(also in .*a.yaml\)"):
        load_one(tmp_path, GOOD)


def test_the_shipped_cases_load_and_name_only_known_rows():
    cases = load_cases(ROOT / "cases", DOCS)
    assert {c.id for c in cases} >= {"model", "messages", "max_tokens", "temperature", "top_p", "stream", "stop"}
    assert all(DOCS.template_problem(row) is None for c in cases for row in c.rows)


def test_model_rows_resolve_per_model():
    assert DOCS.claim_for("models.{model}.sdk", "claude-3-5-sonnet-latest").id == "models.claude-3-5-sonnet.sdk"
    assert DOCS.claim_for("models.{model}.vision", "claude-3-5-haiku").level == "✗"
    unlisted = DOCS.claim_for("models.{model}.sdk", "gpt-oss-120b")  # "All models ... work with the SDK"
    assert (unlisted.id, unlisted.level) == ("models.gpt-oss-120b.sdk", "✓")
    # nobody declared whether it has vision: observed, not judged
    assert DOCS.claim_for("models.{model}.vision", "gpt-oss-120b").level == "feature unknown"


def test_every_core_row_has_a_case():
    cases = load_cases(ROOT / "cases", DOCS)
    covered = {row for c in cases for row in c.rows}
    core = {claim for claim in DOCS.claims if claim.startswith("core.")}
    assert core <= covered


def test_a_bad_case_stops_the_pytest_run_before_any_request(suite):
    (suite.cases / "broken.yaml").write_text(GOOD.replace("core.model", "core.zzz"))
    run = suite.run("--mode", "live", "--base-url", "http://127.0.0.1:9/v1")
    assert run.code == 4  # pytest's usage error
    lines = [line for line in run.output.splitlines() if "core.zzz" in line]
    assert lines == [f"ERROR: conformance: {suite.cases / 'broken.yaml'}: case 'sample': unknown docs row "
                     "'core.zzz'; rows are listed in docs-tables.yaml"]
    assert "Traceback" not in run.output
    assert run.results is None


@pytest.mark.parametrize("broken, message", [
    (GOOD.replace("check: completion_shape", "check: stop_sequence_ends_text\n    control: {stop: null}\n"
                  "    expect: {stop: 7}"), "case 'sample': expect.stop must be a str, got 7"),
    (GOOD.replace("messages: [{role: user, content: hi}]", "messages: [{role: user, content: hi}]\n      model: x"),
     "case 'sample': request: may not set 'model' here"),
    # a header's value is text: an unquoted false is YAML's boolean, never sent as a header
    (GOOD + "    steps: [{name: uncached, transport: {headers: {X-Heroku-Prompt-Caching: false}}}]\n",
     "case 'sample': steps[0].transport.headers.X-Heroku-Prompt-Caching: False is not of type 'string'"),
    (GOOD + "    steps: [{name: uncached, transport: {headers: {Authorization: 'Bearer x'}}}]\n",
     "case 'sample': step 'uncached': transport: header Authorization carries a credential: a case may not send one"),
    (GOOD + "    steps: [{name: uncached, transport: {headers: {'X Caching': 'false'}}}]\n",
     "case 'sample': step 'uncached': transport: header name 'X Caching' is not an HTTP header name"),
    (GOOD + "    steps: [{name: uncached, transport: {headers: {x-conformance-exchange: '7'}}}]\n",
     "case 'sample': step 'uncached': transport: header x-conformance-exchange is set by the client or the harness"),
])
def test_values_that_would_break_a_run_are_rejected_up_front(tmp_path, broken, message):
    with pytest.raises(ConformanceError) as err:
        load_one(tmp_path, broken)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_a_broken_docs_table_or_targets_file_is_one_line(suite):
    docs = suite.cases / "docs-tables.yaml"
    docs.write_text(docs.read_text().replace("level: Full, description: Stop sequences",
                                             "levle: Full, description: Stop sequences"))
    run = suite.run()
    assert run.code == 4 and "Traceback" not in run.output
    assert f"ERROR: conformance: {docs}: tables[0].rows[6]: unknown key(s) ('levle' was unexpected)" in run.output

    docs.write_text(docs.read_text().replace("levle:", "level:"))
    targets = suite.cases / "targets.yaml"
    targets.write_text(targets.read_text().replace("key_env: INFERENCE_KEY", "key_env: [INFERENCE_KEY]"))
    run = suite.run("--target", "heroku")
    assert run.code == 4 and "Traceback" not in run.output
    assert f"{targets}: targets.heroku.key_env: ['INFERENCE_KEY'] is not of type 'string'" in run.output


def test_an_unknown_level_in_the_docs_tables_is_one_line(tmp_path):
    import shutil

    from conformance.errors import ConformanceError

    shutil.copytree(ROOT / "cases", tmp_path / "cases")
    docs_file = tmp_path / "cases" / "docs-tables.yaml"
    docs_file.write_text(docs_file.read_text().replace("level: Ignored, description: Presence penalty",
                                                       "level: Ignord, description: Presence penalty"))
    with pytest.raises(ConformanceError) as err:
        load_docs(docs_file)
    assert str(err.value) == (f"{docs_file}: row 'advanced.presence_penalty': unknown level 'Ignord' "
                              "(did you mean 'Ignored'?); levels are declared under `levels:`")


def test_a_file_that_is_not_utf8_is_one_line(tmp_path):
    (tmp_path / "a.yaml").write_bytes(b"cases:\n  - id: x\xff\n")
    with pytest.raises(ConformanceError) as err:
        load_case_file(tmp_path / "a.yaml", DOCS)
    assert str(err.value) == f"{tmp_path / 'a.yaml'}: not UTF-8 text (byte 0xff at offset 16)"


def test_a_huge_wrong_value_is_still_one_short_line(tmp_path):
    (tmp_path / "a.yaml").write_text("".join(f"- item{i}\n" for i in range(20000)))
    with pytest.raises(ConformanceError) as err:
        load_case_file(tmp_path / "a.yaml", DOCS)
    assert len(str(err.value)) < 400 and "is not of type 'object'" in str(err.value)
