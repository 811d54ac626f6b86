"""Each check must notice when its claim is broken, on exactly that docs row, and nowhere else.

The reference server implements the docs; each switch breaks one claim. A live run against it
must report "differs" on the broken row only, and a run against the unbroken server nowhere.
One server serves every switch (chosen by URL path), and the suite runs in-process through the
library, so the whole table of switches stays fast.
"""
import pytest
from conftest import ROOT

from conformance.reference import ReferenceServer
from conformance.session import ConformanceRun, Options
from reference_server.breaks import BREAKS

MODELS = ["claude-4-5-haiku", "claude-4-5-sonnet"]
CORE_ROWS = {f"core.{r}" for r in ("model", "messages", "max_tokens", "temperature", "top_p", "stream", "stop")}
SDK_ROWS = {"models.claude-4-5-haiku.sdk", "models.claude-4-5-sonnet.sdk"}
DEVCENTER_ROWS = {f"devcenter.{r}" for r in ("max_completion_tokens", "stream_options", "parallel_tool_calls",
                                               "reasoning_effort", "modalities")}
REQUEST_ROWS = {f"requests.{r}" for r in ("developer-role", "system-mid", "system-many", "content-parts",
                                          "stop-whitespace", "null-params")}
RESPONSE_ROWS = {f"prose.response-structure/{v}" for v in ("sdk-types", "openai-schema", "usage", "one-choice")}
ERROR_ROWS = {f"prose.errors/{v}" for v in ("out-of-range", "malformed-body", "wrong-key", "unknown-model")}
# Requests OpenAI's API refuses (prose.invalid-requests): error rows too, each with OpenAI's error body.
INVALID_REQUEST_ROWS = {f"prose.invalid-requests/{v}" for v in (
    "missing-model", "missing-messages", "empty-messages", "no-content", "invalid-role", "string-number",
    "five-stops", "max-tokens-zero", "max-tokens-negative")}
ERROR_ROWS |= INVALID_REQUEST_ROWS | {"prose.error-bodies"}
ALL_ROWS = CORE_ROWS | SDK_ROWS | DEVCENTER_ROWS | REQUEST_ROWS | RESPONSE_ROWS | ERROR_ROWS
IGNORED_PARAMS = ("seed", "n", "presence_penalty", "frequency_penalty", "logit_bias")
STRICT_ROWS = {f"advanced.{p}/strict" for p in IGNORED_PARAMS}
METADATA_ROWS = {f"metadata.metadata/{v}" for v in ("strings", "nested", "many-keys")}
PARAMETER_ROWS = ({f"advanced.{p}" for p in IGNORED_PARAMS if p != "presence_penalty"} | STRICT_ROWS | METADATA_ROWS
                  | {"advanced.response_format/json_object", "advanced.response_format/json_schema",
                     "prose.allow_ignored_params", "devcenter.n", "devcenter.frequency_penalty",
                     "metadata.user"})
# Observed and shown, never judged: always inconclusive (Anthropic's constraints beside thinking,
# which the page does not mention, among them).
OBSERVE_ONLY_ROWS = {"prose.unknown-params", "thinking.enabled/with-temperature", "thinking.enabled/with-forced-tool",
                     # the docs contradict themselves; a third party's reading, not Heroku's page
                     "devcenter.logprobs", "devcenter.unknown-params",
                     # what an image URL that cannot be used gets; a draft page's tool_choice default; what
                     # a heroku_tool that cannot run gets
                     "images.unusable-url", "pages.tool-choice-default", "pages.heroku-tool"}
# A presence penalty that changes nothing may still be honoured (one -2 logit rarely breaks a copy):
# "no effect" is inconclusive there, and only an effect decides (it differs).
WEAK_EVIDENCE_ROWS = {"advanced.presence_penalty"}
ALL_ROWS |= PARAMETER_ROWS
TOOL_ROWS = {"advanced.tools", "advanced.tool_choice"}
ALL_ROWS |= TOOL_ROWS
# The break tests' models: claude-4-5-sonnet has extended thinking, claude-4-5-haiku has not.
THINKING_OPTION_ROWS = {"thinking.enabled", "thinking.budget_tokens", "thinking.include_reasoning"}
THINKING_ROWS = THINKING_OPTION_ROWS | {"models.claude-4-5-sonnet.thinking"}
ALL_ROWS |= THINKING_ROWS
VISION_ROWS = {"models.claude-4-5-sonnet.vision"}
# Claude 4.5 Haiku's model card lists extended thinking and image input, the table ✗: the docs
# contradict themselves, so whatever the server does is one finding, never a difference; so on the
# thinking limitation, which applies to it by that ✗ (SWITCH_MODELS shows it on Claude 3.5 Haiku).
CARD_CONTRADICTED_ROWS = {"models.claude-4-5-haiku.thinking", "models.claude-4-5-haiku.vision",
                          "limitations.thinking-models"}
LIMITATION_ROWS = {"limitations.batch-api", "limitations.tool-content"}
ALL_ROWS |= VISION_ROWS | LIMITATION_ROWS
ALL_ROWS |= {"limitations.ignored-params", "limitations.response-format"}
FRAMING_ROWS = {f"streaming.framing/{v}" for v in ("data-json", "done-last", "unnamed-events", "role-first",
                                                    "one-finish", "usage-when-asked")}
ALL_ROWS |= FRAMING_ROWS
ALL_ROWS |= {"prose.request-ids"}
ALL_ROWS |= {"caching.header-off"}
# From Heroku's draft pages: observed, never judged.
DRAFT_ROWS = {"prose.errors-page", "prose.rate-limits"}
# Decided only for a target configured from an add-on's config vars (heroku), never the reference
# target: its live tests serve the reference server as one (tests/test_pages_claims.py).
MODEL_ENV_ROWS = {"pages.model-env"}
ALL_ROWS |= {"pages.card-ids"}

# switch -> the docs rows it breaks
BROKEN_ROWS = {
    "model": {"core.model"},
    "messages": {"core.messages", "requests.developer-role", "requests.system-mid", "requests.system-many"},
    "max_tokens": {"core.max_tokens"},
    "temperature": {"core.temperature"},
    "top_p": {"core.top_p"},
    "stream": {"core.stream", "devcenter.stream_options", "advanced.tools"},  # a streamed call comes as one body
    "stream-done": {"core.stream", "streaming.framing/done-last"},
    "stream-chunks": {"core.stream"},
    # a line that is no chunk: OpenAI's schema rejects it, and the Python SDK raises on it mid-stream
    "stream-not-json": {"core.stream", "streaming.framing/data-json", "prose.response-structure/openai-schema",
                        "prose.response-structure/sdk-types"},
    "stream-named-events": {"streaming.framing/unnamed-events"},
    "stream-role-every-delta": {"streaming.framing/role-first"},
    "stream-no-finish": {"core.stream", "streaming.framing/one-finish", "advanced.tools"},  # the streamed call too
    "stream-empty-choices": {"streaming.framing/usage-when-asked"},
    "stop": {"core.stop", "requests.stop-whitespace"},
    "shape": SDK_ROWS | {"prose.response-structure/sdk-types", "prose.response-structure/openai-schema"},
    "max_completion_tokens": {"devcenter.max_completion_tokens"},
    "stream-usage": {"devcenter.stream_options"},
    "parallel-tools": {"devcenter.parallel_tool_calls"},
    "reasoning-effort": {"devcenter.reasoning_effort"},
    # The page lists logprobs twice (Full and Ignored): one finding of the docs, never a difference.
    "logprobs": set(),
    # Nothing of a Partial row works: every part differs (decided across the row's parts). json_object
    # is held as Full (the limitation names schemas only), so it differs on its own too.
    "metadata-refused": METADATA_ROWS,
    "response-format-refused": {"advanced.response_format/json_object", "advanced.response_format/json_schema"},
    "modalities": {"devcenter.modalities"},
    "developer-role": {"requests.developer-role"},
    "system-mid": {"requests.system-mid"},
    "system-many": {"requests.system-many"},
    "content-parts": {"requests.content-parts", "models.claude-4-5-sonnet.vision"},  # an image is a part too
    "stop-whitespace": {"requests.stop-whitespace"},
    "null-params": {"requests.null-params"},
    "usage-sum": {"prose.response-structure/usage"},
    "two-choices": {"prose.response-structure/one-choice"},
    "schema": {"prose.response-structure/openai-schema"},
    "error-shape": ERROR_ROWS,
    "malformed-500": {"prose.errors/malformed-body"},
    "wrong-key-accepted": {"prose.errors/wrong-key"},
    # an unknown id answered by a default model: both claims that an unknown id is refused
    "unknown-model": {"prose.errors/unknown-model", "core.model"},
    "seed": {"advanced.seed"},
    "n": {"advanced.n", "devcenter.n"},
    "presence_penalty": {"advanced.presence_penalty"},
    "frequency_penalty": {"advanced.frequency_penalty", "devcenter.frequency_penalty"},
    "logit_bias": {"advanced.logit_bias"},
    "allow-ignored": STRICT_ROWS | {"prose.allow_ignored_params"},
    # What the switch breaks is a third party's reading, observed and never judged.
    "unknown-params": set(),
    "response-format-object": {"advanced.response_format/json_object"},
    "response-format-schema": {"advanced.response_format/json_schema"},
    "user": {"metadata.user"},
    "metadata": {"metadata.metadata/nested"},  # one shape crashes; each 500 costs the SDK's retries
    "metadata-strings": {"metadata.metadata/strings"},
    "metadata-many-keys": {"metadata.metadata/many-keys"},
    # invalid arguments in every call: also in the calls tool_choice forces or allows
    "tools": TOOL_ROWS,
    "tool-choice-required": {"advanced.tool_choice"},
    "tool-choice-named": {"advanced.tool_choice"},
    "tool-choice-none": {"advanced.tool_choice"},
    # no thinking at all: nor any reasoning for include_reasoning true to show
    "thinking-enabled": {"models.claude-4-5-sonnet.thinking", "thinking.enabled", "thinking.include_reasoning"},
    "include-reasoning": {"thinking.include_reasoning"},
    "budget-tokens": {"thinking.budget_tokens"},
    # On Claude 3.5 Haiku (SWITCH_MODELS): Claude 4.5 Haiku's card lists thinking, so there the docs
    # contradict themselves on the limitation as on the cell
    "thinking-everywhere": {"limitations.thinking-models", "models.claude-3-5-haiku.thinking"},
    "vision-dropped": {"models.claude-4-5-sonnet.vision"},  # a vision model: the ✗ model refuses before
    "vision-everywhere": set(),  # Haiku seeing images bears out its card: the docs contradict themselves
    "batch-api": {"limitations.batch-api"},
    "tool-content": {"limitations.tool-content"},
    "tool-result-ignored": {"advanced.tools"},  # the round trip's final answer
    "tool-stream-fragments-broken": {"advanced.tools"},  # the streamed call
    "parallel-calls-same-id": {"advanced.tools"},  # two calls in one answer
    # forcing ignored in streams only: the streamed tool_choice cases (the tools cases' prompts ask for the tool)
    "tool-choice-required-ignored-when-streamed": {"advanced.tool_choice"},
    "tool-choice-named-ignored-when-streamed": {"advanced.tool_choice"},
    "tools-repeat-name-in-stream": {"advanced.tools"},  # the streamed calls, as OpenAI's clients join them
    "tools-truncated-args-without-length": {"advanced.tools"},  # the forced call cut by max_tokens
    "vision-jpeg": {"models.claude-4-5-sonnet.vision"},  # the JPEG case; the ✗ model refuses any image first
    "vision-url": {"models.claude-4-5-sonnet.vision"},  # the cases by URL; base64 still works
    # Every schema feature followed: the limitation is then only not seen (inconclusive), never refuted.
    "response-format-schemas": set(),
    # A model left out of the list that still answers: shown in the reason, no difference on the SDK row.
    "available-models": set(),  # the model left out of the list
    "card-ids": {"pages.card-ids"},
    "request-id": {"prose.request-ids"},
    # the malformed body's error: its own row, and the case that judges every error body
    "error-traceback": {"prose.errors/malformed-body", "prose.error-bodies"},
    "error-flat": {"prose.error-bodies"},  # only that case sends a faulty streamed request
    "caching-header-ignored": {"caching.header-off"},
    # 429s that say nothing of when: only with --requests-per-minute, and the row is a draft page's
    # (observed, never judged): tests/test_rate_limit_row.py shows it observed as ignored.
    "no-back-off": set(),
}
# The Parameter support limitation reads the Ignored parameters' effects the other way round: a
# parameter that has its effect breaks that limitation too. A json_schema answered with a 500 is a
# server error on the schema ladder as well.
for _switch in ("seed", "n", "presence_penalty", "frequency_penalty"):
    BROKEN_ROWS[_switch] = BROKEN_ROWS[_switch] | {"limitations.ignored-params"}
BROKEN_ROWS["response-format-schema"] = BROKEN_ROWS["response-format-schema"] | {"limitations.response-format"}
# A request without a model is served by the default model too.
BROKEN_ROWS["unknown-model"] = BROKEN_ROWS["unknown-model"] | {"prose.invalid-requests/missing-model"}


# Switches whose deviation a check can only call unproven: every schema feature followed neither
# shows nor refutes "limited support" (valid answers show the model, not enforcement).
MADE_INCONCLUSIVE = {"response-format-schemas": {"limitations.response-format"},
                     # the schema ladder refused from its first step: nothing learnt of the limitation
                     "response-format-refused": {"limitations.response-format"},
                     # one JSON body: no stream whose framing could be judged
                     "stream": FRAMING_ROWS,
                     # any id answered: an answered card id proves nothing (unclear, never a pass)
                     "unknown-model": {"pages.card-ids"}}


# Switches whose row only a model outside MODELS can show: Claude 4.5 Haiku's card lists thinking
# where the table says ✗, so the thinking limitation is Contradictory on it, and Claude 3.5 Haiku
# (no card says otherwise) carries the limitation alone.
SWITCH_MODELS = {"thinking-everywhere": ["claude-3-5-haiku", "claude-4-5-sonnet"]}


def rows_of(models: list[str]) -> set[str]:
    """ALL_ROWS, with the SDK rows of these models (and the thinking limitation on Claude 3.5 Haiku)."""
    limitation = {"limitations.thinking-models"} if "claude-3-5-haiku" in models else set()
    return ALL_ROWS - SDK_ROWS | {f"models.{m}.sdk" for m in models} | limitation


def expected_differs(switch: str) -> set[str]:
    """The rows a switch breaks."""
    return BROKEN_ROWS[switch]


@pytest.fixture(scope="module")
def server_root():
    with ReferenceServer() as server:
        yield server.url.removesuffix("/v1")


def run_in_process(base_url: str, tmp_path, random_draws: int = 0, models=None, reasons: dict | None = None) -> dict:
    """(row -> set of verdicts) of a live run of every case against base_url; `reasons` gets each
    (row, model)'s reasons."""
    options = Options(mode="live", target="reference", base_url=base_url, models=models or MODELS, sdk="python",
                      cases_dir=ROOT / "cases", results=tmp_path / "results.json", report=None,
                      random_draws=random_draws)
    run = ConformanceRun.prepare(options)
    try:
        run.connect()
        run.runner.client.sleep = lambda seconds: None  # retries of the switches' 5xx still sent, not waited for
        results = run.run_all()
    finally:
        run.close()
    verdicts: dict[str, set] = {}
    for r in results:
        verdicts.setdefault(r.row, set()).add(r.verdict)
        if reasons is not None:
            reasons.setdefault((r.row, r.model), []).append(r.reason)
    return verdicts


def rows_with(verdicts: dict, verdict: str) -> set[str]:
    return {row for row, found in verdicts.items() if verdict in found}


def test_every_switch_has_an_expected_row():
    assert set(BROKEN_ROWS) == set(BREAKS)


def test_unbroken_server_agrees_on_every_row_through_pytest(suite, reference_server):
    url = reference_server()
    run = suite.run("--mode", "live", "--base-url", url, "--models=" + ",".join(MODELS), "--random-draws", "3")
    assert run.code == 0, run.output
    assert run.rows_with("differs") == set()
    assert run.rows_with("agrees") >= ALL_ROWS


@pytest.mark.parametrize("switch", sorted(BREAKS))
def test_broken_claim_differs_on_its_row_only(server_root, tmp_path, switch):
    models = SWITCH_MODELS.get(switch, MODELS)
    verdicts = run_in_process(f"{server_root}/b/{switch}/v1", tmp_path, models=models)
    assert rows_with(verdicts, "differs") == expected_differs(switch), verdicts
    # every other row still agrees: no false alarm next to the real one
    assert rows_with(verdicts, "agrees") >= rows_of(models) - expected_differs(switch) - MADE_INCONCLUSIVE.get(switch,
                                                                                                              set())


def test_a_limitation_a_model_card_lifts_is_one_finding_naming_both_pages(server_root, tmp_path):
    """Thinking on every model: Claude 3.5 Haiku breaks the thinking limitation (above); on Claude 4.5
    Haiku, whose card lists thinking, the same observation bears out the card and is held against neither."""
    reasons: dict = {}
    run_in_process(f"{server_root}/b/thinking-everywhere/v1", tmp_path, models=["claude-4-5-haiku"], reasons=reasons)
    [reason, *_] = reasons[("limitations.thinking-models", "claude-4-5-haiku")]
    assert "agrees with the Not limited listing and contradicts the Limitation one" in reason, reason
    assert "Claude 4.5 Haiku model card" in reason
    unbroken: dict = {}
    run_in_process(f"{server_root}/v1", tmp_path, models=["claude-4-5-haiku"], reasons=unbroken)
    assert "agrees with the Limitation listing" in unbroken[("limitations.thinking-models", "claude-4-5-haiku")][0]


def test_a_broken_claim_fails_its_pytest_test_and_names_the_row(suite, reference_server):
    url = reference_server(breaks="stop")
    run = suite.run("--mode", "live", "--base-url", url, "--models=claude-4-5-haiku", "--random-draws", "0")
    assert run.code == 1, run.output  # pytest reports the difference as a failure
    assert "core.stop (Full)" in run.output


def test_unbroken_server_agrees_on_parameter_rows_and_observe_only_rows_stay_inconclusive(server_root, tmp_path):
    verdicts = run_in_process(f"{server_root}/v1", tmp_path)
    assert {row for row in PARAMETER_ROWS if verdicts.get(row) == {"agrees"}} == PARAMETER_ROWS, verdicts
    for row in OBSERVE_ONLY_ROWS | WEAK_EVIDENCE_ROWS | DRAFT_ROWS | CARD_CONTRADICTED_ROWS | MODEL_ENV_ROWS:
        assert verdicts[row] == {"inconclusive"}, verdicts


def test_every_claim_a_case_judges_has_a_switch_that_breaks_it():
    from conformance.cases import load_cases
    from conformance.docs import load_docs

    docs = load_docs(ROOT / "cases" / "docs-tables.yaml")
    named = {row for case in load_cases(ROOT / "cases", docs) for row in case.rows if "{model}" not in row}
    broken = set().union(*(expected_differs(switch) for switch in BROKEN_ROWS))
    # observe-only rows are never judged, so nothing can make them differ
    assert named - broken == OBSERVE_ONLY_ROWS | DRAFT_ROWS | MODEL_ENV_ROWS


def test_a_partial_row_where_nothing_works_fails_the_run_and_says_so(suite, reference_server):
    """Each part's test passes alone (one part not working proves nothing); the row as a whole fails
    the run, and the summary says which row, across which parts."""
    url = reference_server(breaks="metadata-refused")
    run = suite.run("--mode", "live", "--base-url", url, "--models=claude-4-5-haiku", "-k", "metadata")
    assert run.code == 1, run.output
    assert "differs across its parts" in run.output and "metadata.metadata/nested (Partial)" in run.output
    assert run.rows_with("differs") == METADATA_ROWS
