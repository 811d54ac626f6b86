"""`nox -s check`: will my code work on Heroku? Run on the corpus under tests/corpus/ (request logs,
a Python and a TypeScript app), as a user runs it: the advice, the exit status, the one-line errors."""
import json
from pathlib import Path

import pytest
from conftest import ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.check import main
from conformance.docs import load_docs
from conformance.report.render import render_to_file
from conformance.results import Result, document, write_json_atomic

CORPUS = ROOT / "tests" / "corpus"
DOCS = load_docs(ROOT / "cases" / "docs-tables.yaml")


def check(capsys, *argv) -> tuple[int, str, str]:
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


def as_json(capsys, *argv) -> tuple[int, dict]:
    status, out, _ = check(capsys, *argv, "--json")
    return status, json.loads(out)


def findings(data: dict, place_suffix: str) -> list[dict]:
    """The findings of the request at `<file>:<line>` ending so."""
    [request] = [r for r in data["requests"] if r["place"].endswith(place_suffix)]
    return request["findings"]


def finding(data: dict, place_suffix: str, param_start: str) -> dict:
    [found] = [f for f in findings(data, place_suffix) if f["param"].startswith(param_start)]
    return found


def test_plain_chat_is_fine_and_exits_0(capsys):
    status, out, err = check(capsys, CORPUS / "plain-chat.jsonl", "--no-results")
    assert status == 0 and err == ""
    assert "3 request(s): 3 fine, 0 to change, 0 to check. Exit status 0." in out
    assert "Observed verdicts: none (--no-results)" in out


def test_the_migration_log_gets_plain_advice_per_parameter_and_exits_1(capsys):
    status, data = as_json(capsys, CORPUS / "migration.jsonl", "--no-results")
    assert status == 1 and data["exit_status"] == 1
    # tools and tool_choice: Full, nothing to change.
    assert [(f["param"].split(":")[0], f["severity"]) for f in findings(data, ":1")] == [
        ("model", "ok"), ("messages", "ok"), ("tools", "ok"), ("tool_choice", "ok")]
    # The round trip sends the assistant's tool call back with content null, as the SDK returned it.
    empty = finding(data, ":2", "messages[1] assistant tool_calls")
    assert empty["severity"] == "change" and empty["claim"] == "limitations.tool-content"
    assert "requires non-empty content" in empty["advice"]
    # Vision: base64 on a vision model is fine; an https URL is documented but never observed; Claude 4.5
    # Haiku's model card lists image input where the table says ✗: the docs contradict themselves.
    assert finding(data, ":3", "messages[0].content[1] image (base64)")["severity"] == "ok"
    url = finding(data, ":4", "messages[0].content[1] image (https URL)")
    assert url["severity"] == "note" and "only images sent as base64 were observed" in url["advice"]
    blind = finding(data, ":5", "messages[0].content[1] image")
    assert (blind["level"], blind["severity"]) == ("Contradictory", "check")
    assert blind["advice"].startswith("the docs contradict themselves about claude-4-5-haiku (the compatibility "
                                      "page's model table: ✗; Heroku's Claude 4.5 Haiku model card (2026-01-30): ✓)")
    assert blind["claim"] == "models.claude-4-5-haiku.vision"
    usage = finding(data, ":6", "stream_options.include_usage")
    assert usage["level"] == "Full" and "`choices: []`" in usage["advice"]


def test_parameters_heroku_ignores_are_named_with_what_the_user_gets(capsys):
    status, data = as_json(capsys, CORPUS / "migration.jsonl", "--no-results")
    advice = {f["param"].split(":")[0]: f for f in findings(data, ":7")}
    assert advice["n"]["advice"].startswith("`n: 3` is ignored on Heroku: you will get one choice")
    assert advice["seed"]["advice"].startswith("`seed: 1234` is ignored on Heroku")
    assert advice["logit_bias"]["advice"].startswith("`logit_bias` has no effect")
    for name in ("n", "seed", "presence_penalty", "frequency_penalty", "logit_bias"):
        assert (advice[name]["level"], advice[name]["severity"]) == ("Ignored", "change"), name
    assert advice["temperature"]["severity"] == "ok"
    # allow_ignored_params: false turns an ignored seed into a refusal.
    strict = finding(data, ":15", "allow_ignored_params")
    assert strict["severity"] == "change" and "refuses this request: it sends seed" in strict["advice"]


def test_unknown_models_are_named_with_the_models_heroku_lists(capsys):
    _, data = as_json(capsys, CORPUS / "migration.jsonl", "--no-results")
    gpt = finding(data, ":8", "model")
    assert (gpt["level"], gpt["severity"]) == ("unknown model", "change")
    assert gpt["advice"].startswith("unknown model id 'gpt-4o': Heroku's docs list claude-4-5-sonnet, ")
    near = finding(data, ":9", "model")
    assert "(did you mean 'claude-3-5-sonnet-latest'?)" in near["advice"]


def test_extended_thinking_follows_the_model_tables_thinking_column(capsys):
    _, data = as_json(capsys, CORPUS / "migration.jsonl", "--no-results")
    options = {f["param"]: (f["level"], f["severity"]) for f in findings(data, ":10")[2:]}
    assert options == {"max_tokens: 4000": ("Full", "ok"), "extended_thinking.enabled: true": ("boolean", "ok"),
                       "extended_thinking.budget_tokens: 2000": ("integer", "ok"),
                       "extended_thinking.include_reasoning: true": ("boolean", "ok")}
    haiku = finding(data, ":11", "extended_thinking")
    assert (haiku["level"], haiku["severity"]) == ("Contradictory", "check")  # its card lists extended thinking
    assert haiku["advice"].startswith("the docs contradict themselves about claude-4-5-haiku")


def test_a_model_no_page_gives_the_feature_gets_plain_advice_to_change(capsys, tmp_path):
    image = {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}
    log = tmp_path / "requests.jsonl"
    log.write_text(json.dumps({"model": "claude-3-5-haiku", "messages": [{"role": "user", "content": [image]}],
                               "extended_thinking": {"enabled": True}}) + "\n")
    _, data = as_json(capsys, log, "--no-results")
    blind = finding(data, ":1", "messages[0].content[0] image")
    assert (blind["level"], blind["severity"]) == ("✗", "change")
    assert blind["advice"].startswith("claude-3-5-haiku has no vision: the image is not read")
    thinking = finding(data, ":1", "extended_thinking")
    assert (thinking["level"], thinking["severity"]) == ("✗", "change")
    assert thinking["advice"].startswith("claude-3-5-haiku has no extended thinking")


def test_structured_output_formats_and_model_specific_levels(capsys):
    _, data = as_json(capsys, CORPUS / "migration.jsonl", "--no-results")
    schema = finding(data, ":12", "response_format")
    assert (schema["level"], schema["severity"]) == ("Partial", "check")
    assert "`response_format: json_schema` has limited support" in schema["advice"]
    assert "`strict: true` is no guarantee" in schema["advice"]
    assert finding(data, ":13", "response_format")["severity"] == "ok"  # json_object: held as Full
    # parallel_tool_calls is Full, but Ignored for Nova (the row's model_levels).
    nova = finding(data, ":14", "parallel_tool_calls")
    assert (nova["level"], nova["severity"]) == ("Ignored", "change")
    listed = {f["param"]: f["level"] for f in findings(data, ":16")}
    assert listed["top_logprobs: 2"] == "not in Heroku's tables"
    assert listed["top_k: 40"] == "not an OpenAI parameter"


def test_the_text_report_groups_per_request_with_a_line_per_parameter(capsys):
    status, out, _ = check(capsys, CORPUS / "migration.jsonl", "--no-results")
    assert status == 1
    assert f"{CORPUS / 'migration.jsonl'}:7  model claude-4-sonnet  [change]" in out
    assert "  ✗ n: 3 — Ignored; not observed\n      `n: 3` is ignored on Heroku: you will get one choice" in out
    assert "16 request(s): 6 fine, 6 to change, 4 to check. Exit status 1." in out


def test_a_json_array_names_each_request_by_the_line_it_starts_on(capsys):
    status, data = as_json(capsys, CORPUS / "array.json", "--no-results")
    assert [r["place"] for r in data["requests"]] == [f"{CORPUS / 'array.json'}:2", f"{CORPUS / 'array.json'}:5"]
    assert status == 1 and data["requests"][1]["severity"] == "change"  # n: 2


def test_python_call_sites_are_read_with_their_literal_arguments(capsys):
    status, data = as_json(capsys, CORPUS / "app" / "assistant.py", "--no-results")
    places = [r["place"].rsplit(":", 1)[1] for r in data["requests"]]
    assert places == ["18", "29", "40", "51", "60", "69"]  # create x4, beta...parse, stream
    assert all(r["client"] == "openai-python" for r in data["requests"])
    assert data["requests"][0]["severity"] == "ok"
    assert finding(data, ":29", "n: 3")["severity"] == "change"
    # An f-string data URL is still an image: its literal start says so.
    assert finding(data, ":40", "messages[0].content[1] image (base64)")["level"] == "Contradictory"
    # extra_body's extended_thinking is sent top-level; the model is os.getenv(...): it depends on it.
    thinking = finding(data, ":51", "extended_thinking")
    assert (thinking["level"], thinking["severity"]) == ("depends on the model", "check")
    assert finding(data, ":51", "model")["advice"].startswith("the model is `MODEL`, known only at run time")
    # parse() with a pydantic class sends a json_schema response format.
    assert finding(data, ":60", "response_format: json_schema")["level"] == "Partial"
    # stream() sends stream: true; history is a variable: not read, said so, not held against the request.
    assert finding(data, ":69", "stream: true")["severity"] == "ok"
    assert finding(data, ":69", "messages:")["level"] == "Full"
    unread = [f for f in findings(data, ":69") if f["param"] == "messages"]
    assert [(f["severity"], f["advice"][:34]) for f in unread] == [("note", "the messages are built at run time")]
    assert status == 1


def test_model_names_the_model_of_call_sites_that_compute_it(capsys):
    _, data = as_json(capsys, CORPUS / "app" / "assistant.py", "--no-results", "--model", "claude-4-5-haiku")
    assert finding(data, ":51", "model")["advice"].startswith("checked as claude-4-5-haiku (--model)")
    assert finding(data, ":51", "extended_thinking")["level"] == "Contradictory"
    _, data = as_json(capsys, CORPUS / "app" / "assistant.py", "--no-results", "--model", "claude-4-5-sonnet")
    assert {f["severity"] for f in findings(data, ":51")} == {"ok"}


def test_javascript_call_sites_are_read_and_comments_skipped(capsys):
    status, data = as_json(capsys, CORPUS / "app" / "chat.ts", "--no-results")
    assert [r["place"].rsplit(":", 1)[1] for r in data["requests"]] == ["12", "24", "38"]  # not line 11's comment
    assert all(r["client"] == "openai-node" for r in data["requests"])
    assert finding(data, ":12", "messages:")["param"] == "messages: `messages`"  # shorthand: a variable
    assert finding(data, ":12", "stream_options.include_usage")["severity"] == "note"
    assert finding(data, ":24", "model")["advice"].startswith("unknown model id 'gpt-4o-mini'")
    assert finding(data, ":24", "response_format: json_schema")  # `"json_schema" as const` is the literal
    assert finding(data, ":24", "seed: 42")["severity"] == "change"
    assert finding(data, ":38", "parallel_tool_calls")["level"] == "Ignored"
    assert status == 1


def test_a_malformed_line_is_one_line_naming_the_file_and_line(capsys):
    status, out, err = check(capsys, CORPUS / "migration.jsonl", CORPUS / "malformed.jsonl", "--no-results")
    assert status == 2 and out == ""
    assert err == f"check: {CORPUS / 'malformed.jsonl'}:3: not JSON: Expecting ',' delimiter (column 82)\n"


@pytest.mark.parametrize(("name", "text", "error"), [
    ("log.jsonl", '{"model": "m", "messages": []}\n[1, 2]\n', "log.jsonl:2: not a request body: a JSON array, "
                                                               "expected an object"),
    ("log.jsonl", '{"model": "m", "prompt": "hi"}\n', "log.jsonl:1: not a chat completion request: it has no "
                                                      "`messages` (keys: model, prompt)"),
    ("log.jsonl", "\n\n", "log.jsonl: no requests in it (one JSON object a line, or a JSON array)"),
    ("app.py", "def f(:\n    pass\n", "app.py:1: not Python: invalid syntax"),
    ("app.js", "openai.chat.completions.create({ model: 'x', messages: [ }\n",
     "app.js:1: cannot read the call at line 1: expected ',' or ']' in an array"),
    ("missing.jsonl", None, "missing.jsonl: no such file or folder"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, name, text, error):
    if text is not None:
        (tmp_path / name).write_text(text)
    status, out, err = check(capsys, tmp_path / name, "--no-results")
    assert status == 2 and out == ""
    assert err.startswith(f"check: {tmp_path / error}") and err.count("\n") == 1


def test_without_results_to_read_it_says_how_to_make_them(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status, _, err = check(capsys, CORPUS / "plain-chat.jsonl")
    assert status == 2
    assert err.startswith("check: reports/results.json: no results to read the observed verdicts from (run "
                          "`python3 -m nox -s conformance` first") and err.count("\n") == 1


def test_a_source_tree_is_read_without_its_dependencies(tmp_path, capsys):
    (tmp_path / "src").mkdir()
    (tmp_path / "node_modules" / "openai").mkdir(parents=True)
    call = "client.chat.completions.create(model='claude-4-5-sonnet', messages=[])\n"
    (tmp_path / "src" / "app.py").write_text(call)
    (tmp_path / "node_modules" / "openai" / "x.py").write_text(call)
    (tmp_path / "package.json").write_text("{}")  # configuration, not a log
    _, data = as_json(capsys, tmp_path, "--no-results")
    assert [r["place"] for r in data["requests"]] == [f"{tmp_path / 'src' / 'app.py'}:1"]


# ---- observations: a results file's verdicts, and links to their cells ----------------------------

def result(target, row, model, verdict, reason="because", case=None):
    case = case or row
    return Result(target=target, mode="live", model=model, case_id=case, test_id=f"x::{case}[{model}]", row=row,
                  table=row.split(".")[0], documented="Full", observed="honoured", verdict=verdict, reason=reason)


def write_results(folder: Path, results: list[Result], render: bool = True) -> Path:
    run = {"target": results[0].target, "mode": "live", "models": ["claude-4-5-sonnet", "claude-4-5-haiku"],
           "status": "completed"}
    path = folder / "results.json"
    data = json.loads(json.dumps(document(run, DOCS.data, results)))
    write_json_atomic(path, data)
    if render:
        render_to_file(data, folder / "index.html")
    return path


def test_a_difference_observed_on_heroku_is_a_change_with_a_link_to_its_cell(tmp_path, capsys):
    path = write_results(tmp_path, [
        result("heroku", "advanced.tools", "claude-4-5-sonnet", "differs", "arguments are not a JSON string"),
        result("heroku", "advanced.tool_choice", "claude-4-5-sonnet", "agrees")])
    status, data = as_json(capsys, CORPUS / "migration.jsonl", "--results", path)
    assert data["observations"] == {"results": str(path), "target": "heroku", "heroku": True}
    tools = finding(data, ":1", "tools")
    assert tools["severity"] == "change"
    assert "Heroku was observed to differ from its docs here: arguments are not a JSON string" in tools["advice"]
    assert tools["observed"]["link"] == f"{tmp_path / 'index.html'}#c-0-advanced_tools-claude-4-5-sonnet"
    assert 'id="c-0-advanced_tools-claude-4-5-sonnet"' in (tmp_path / "index.html").read_text()
    choice = finding(data, ":1", "tool_choice")
    assert (choice["severity"], choice["observed"]["verdict"]) == ("ok", "agrees")
    _, out, _ = check(capsys, CORPUS / "migration.jsonl", "--results", path)
    assert f"Observed verdicts: Heroku's, from {path}." in out
    assert "  ✗ tools: [1 item(s)] — Full; observed on Heroku: differs from the docs\n" in out


def test_heroku_bearing_out_haikus_model_card_is_shown_as_the_docs_contradicting_themselves(tmp_path, capsys):
    """Heroku's Claude 4.5 Haiku reading an image bears out its card, not the table: still a 'check'
    (the docs contradict themselves), never a change gated as a difference; the finding leads the line."""
    reason = ("each image's colour is named: the red image got 'Red.', the blue one 'Blue.' (and more words than "
              "fit on one line); the docs contradict themselves (listed as ✗ by the compatibility page's model table "
              "and ✓ by Heroku's Claude 4.5 Haiku model card (2026-01-30)): what was seen agrees with the ✓ listing "
              "and contradicts the ✗ one; not held against the service")
    path = write_results(tmp_path, [result("heroku", "models.claude-4-5-haiku.vision", "claude-4-5-haiku",
                                           "inconclusive", reason, case="vision-colour")])
    _, data = as_json(capsys, CORPUS / "migration.jsonl", "--results", path)
    blind = finding(data, ":5", "messages[0].content[1] image")
    assert (blind["level"], blind["severity"]) == ("Contradictory", "check")
    assert blind["observed"]["reason"].startswith("the docs contradict themselves")
    assert "agrees with the ✓ listing" in blind["observed"]["reason"]


def test_another_servers_verdicts_are_said_not_to_be_herokus_and_gate_nothing(tmp_path, capsys):
    path = write_results(tmp_path, [result("reference", "advanced.tools", "claude-4-5-sonnet", "differs")])
    status, out, _ = check(capsys, CORPUS / "plain-chat.jsonl", "--results", path)
    assert "target 'reference': NOT Heroku" in out and "say nothing of Heroku" in out
    status, data = as_json(capsys, CORPUS / "migration.jsonl", "--results", path)
    tools = finding(data, ":1", "tools")
    assert tools["severity"] == "ok" and tools["observed"]["verdict"] == "differs"


def test_heroku_is_preferred_among_targets_and_links_only_to_the_cells_the_page_holds(tmp_path, capsys):
    both = [result("reference", "advanced.tools", "claude-4-5-sonnet", "agrees"),
            result("heroku", "advanced.tools", "claude-4-5-sonnet", "agrees")]
    path = write_results(tmp_path, both, render=False)
    _, data = as_json(capsys, CORPUS / "migration.jsonl", "--results", path)
    tools = finding(data, ":1", "tools")
    assert tools["observed"]["target"] == "heroku" and tools["observed"]["link"] is None  # no page: no link
    # A page rendered from other results: its cell c-1-… is another target's, so no link is made to it.
    (tmp_path / "index.html").write_text('<details class="ev" id="c-1-advanced_tools-claude-4-5-sonnet"><summary '
                                         'aria-label="agrees: claude-4-5-sonnet, reference; open the evidence">')
    _, data = as_json(capsys, CORPUS / "migration.jsonl", "--results", path)
    assert finding(data, ":1", "tools")["observed"]["link"] is None
    status, _, err = check(capsys, CORPUS / "migration.jsonl", "--results", path, "--target", "staging")
    assert status == 2 and "no results of target 'staging' (it holds reference, heroku)" in err


# ---- odd values never break the check ---------------------------------------------------------

JSON_VALUES = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                                       max_size=3), max_leaves=8)
PARAMS = ["model", "messages", "n", "seed", "temperature", "stop", "stream", "stream_options", "response_format",
          "tools", "tool_choice", "parallel_tool_calls", "metadata", "logprobs", "modalities", "extended_thinking",
          "allow_ignored_params", "logit_bias", "top_k"]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(PARAMS), JSON_VALUES, max_size=6),
       st.sampled_from(["claude-4-5-sonnet", "claude-4-5-haiku", "claude-3-5-sonnet-latest", "nova-pro", "x"]))
def test_any_json_values_get_findings_never_an_exception(body, model):
    """A log holds whatever an app sent: every value gets a finding of a known severity."""
    from conformance.advice import SEVERITIES, Reviewer, openai_request_params
    from conformance.app_requests import AppRequest

    request = AppRequest("log.jsonl:1", {"model": model, "messages": [], **body})
    review = Reviewer(DOCS, None, None, openai_request_params()).review(request)
    assert review.findings and all(f.severity in SEVERITIES for f in review.findings)
    json.dumps(review.as_dict())


def test_an_image_by_url_gets_the_verdict_of_images_sent_by_url(tmp_path, capsys):
    vision = "models.claude-4-5-sonnet.vision"
    path = write_results(tmp_path, [
        result("heroku", vision, "claude-4-5-sonnet", "agrees", case="vision-colour"),
        result("heroku", vision, "claude-4-5-sonnet", "differs", "the same answer for both images",
               case="vision-colour-url")])
    _, data = as_json(capsys, CORPUS / "migration.jsonl", "--results", path)
    base64 = finding(data, ":3", "messages[0].content[1] image (base64)")
    assert (base64["severity"], base64["observed"]["verdict"]) == ("ok", "agrees")
    url = finding(data, ":4", "messages[0].content[1] image (https URL)")
    assert (url["severity"], url["observed"]["verdict"]) == ("change", "differs")
    assert "the verdict is of images sent by URL" in url["advice"]
    assert "Heroku was observed to differ from its docs here: the same answer for both images" in url["advice"]


def test_a_heroku_tool_is_named_as_herokus_own_tool_type_not_passed_as_a_function(tmp_path, capsys):
    log = tmp_path / "agent.jsonl"
    log.write_text(json.dumps({"model": "claude-4-5-sonnet", "messages": [{"role": "user", "content": "hi"}],
                               "tools": [{"type": "heroku_tool", "name": "dyno_run_command",
                                          "runtime_params": {"target_app_name": "my-app"}}]}) + "\n")
    status, data = as_json(capsys, log, "--no-results")
    found = finding(data, ":1", "tools[0] heroku_tool")
    assert (found["claim"], found["severity"]) == ("pages.heroku-tool", "check")
    assert "Heroku's own tool type" in found["advice"] and status == 1
