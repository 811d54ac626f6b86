"""The rules that make verdicts worth betting on: every judged level can be contradicted by an
observation, a Partial row where nothing works differs, only Heroku's published statements are
judged, a self-contradiction of the docs is one finding, and rows bound to a model feature nobody
declared are observed, not judged."""
import pytest
from conftest import ROOT

from conformance.docs import load_docs
from conformance.errors import ConformanceError
from conformance.findings import ACCEPTED, HONOURED, IGNORED, REJECTED, Finding
from conformance.results import Result
from conformance.row_decisions import contradicting_observation, decide_partial_rows
from conformance.targets import parse_features, resolve_target
from conformance.verdicts import AGREES, DIFFERS, INCONCLUSIVE, judge

DOCS = load_docs(ROOT / "cases" / "docs-tables.yaml")
PROMISES = DOCS.promises
UNJUDGED = {"observe-only", "docs-contradict"}  # levels that promise nothing checkable, by design


def test_every_judged_level_can_be_contradicted_by_an_observation_that_is_not_a_server_error():
    for level, promise in PROMISES.items():
        if promise in UNJUDGED or level == "undocumented":
            continue
        assert contradicting_observation(promise) is not None, f"level {level!r} ({promise}) can never differ"


def result(row, observed, verdict, level="Partial", status=None, model="m", sdk="openai-python", reason="r"):
    return Result(target="t", mode="live", model=model, case_id=row, test_id=row, row=row, table=row.split(".")[0],
                  documented=level, observed=observed, verdict=verdict, reason=reason, status=status,
                  sdk={"name": sdk, "version": "1"})


def metadata_parts(*observed):
    return [result(f"metadata.metadata/{part}", seen, judge("partly-with-effect", Finding(seen, "r", status))[0],
                   status=status)
            for part, (seen, status) in zip(("strings", "nested", "many-keys"), observed, strict=True)]


def test_a_partial_row_where_no_part_works_differs_on_every_part():
    parts = metadata_parts((REJECTED, 400), (REJECTED, 400), (IGNORED, None))
    assert {r.verdict for r in parts} == {INCONCLUSIVE}  # each part alone proves nothing
    decide_partial_rows(parts, PROMISES)
    assert {r.verdict for r in parts} == {DIFFERS}
    assert all(r.expected is False and "no part of this row works" in r.reason for r in parts)
    assert "strings: rejected" in parts[0].reason and "many-keys: ignored" in parts[0].reason


def test_a_partial_row_where_one_part_works_agrees_and_the_rest_stay_unjudged():
    parts = metadata_parts((ACCEPTED, None), (REJECTED, 400), (REJECTED, 400))
    decide_partial_rows(parts, PROMISES)
    assert [r.verdict for r in parts] == [AGREES, INCONCLUSIVE, INCONCLUSIVE]


@pytest.mark.parametrize("status", [429, 503, 403])
def test_a_part_refused_for_load_or_access_decides_nothing(status):
    parts = metadata_parts((REJECTED, 400), (REJECTED, 400), (REJECTED, status))
    decide_partial_rows(parts, PROMISES)
    assert {r.verdict for r in parts} == {INCONCLUSIVE}


def test_an_unclear_part_decides_nothing():
    parts = metadata_parts((REJECTED, 400), (REJECTED, 400), (IGNORED, None))
    parts[2].verdict, parts[2].observed = INCONCLUSIVE, "unclear"
    decide_partial_rows(parts, PROMISES)
    assert {r.verdict for r in parts} == {INCONCLUSIVE}


def test_parts_are_decided_per_model_and_client():
    python = metadata_parts((REJECTED, 400), (REJECTED, 400), (REJECTED, 400))
    node = [result(r.row, ACCEPTED, AGREES, sdk="openai-node") for r in python]
    decide_partial_rows(python + node, PROMISES)
    assert {r.verdict for r in python} == {DIFFERS} and {r.verdict for r in node} == {AGREES}


def test_a_known_difference_keeps_a_partial_row_that_differs_expected():
    parts = metadata_parts((REJECTED, 400), (REJECTED, 400), (REJECTED, 400))
    decide_partial_rows(parts, PROMISES, {"metadata.metadata": "metadata is refused"})
    assert all(r.verdict == DIFFERS and r.expected and "metadata is refused" in r.known for r in parts)


def test_json_object_is_held_as_full_from_the_limitation_sentence_in_the_docs_data():
    json_object = DOCS.claims["advanced.response_format/json_object"]
    json_schema = DOCS.claims["advanced.response_format/json_schema"]
    assert (json_object.level, json_schema.level) == ("Full", "Partial")
    variant = next(v for v in DOCS.data["tables"][1]["rows"][2]["variants"] if v["id"] == "json_object")
    assert "structured output schemas" in variant["because"]
    # json_object ignored differs on its own; json_schema ignored beside a working json_object does not
    assert judge(json_object.promise, Finding(IGNORED, "no JSON"))[0] == DIFFERS
    parts = [result("advanced.response_format/json_object", HONOURED, AGREES, level="Full"),
             result("advanced.response_format/json_schema", IGNORED, INCONCLUSIVE)]
    decide_partial_rows(parts, PROMISES)
    assert parts[1].verdict == INCONCLUSIVE
    parts = [result("advanced.response_format/json_object", IGNORED, DIFFERS, level="Full"),
             result("advanced.response_format/json_schema", IGNORED, INCONCLUSIVE)]
    decide_partial_rows(parts, PROMISES)
    assert parts[1].verdict == DIFFERS


def test_a_third_party_claim_is_observed_never_judged():
    claim = DOCS.claim_for("devcenter.unknown-params", "claude-4-5-haiku")
    assert claim.tier == "third-party" and claim.level == "Error when false"
    for observed in (HONOURED, ACCEPTED, IGNORED, REJECTED):
        verdict, reason = judge(claim.promise, Finding(observed, "seen", 400 if observed == REJECTED else None))
        assert verdict == INCONCLUSIVE and "not from a page Heroku published" in reason
    # Heroku's own page's rows are judged
    assert DOCS.claim_for("prose.allow_ignored_params", "claude-4-5-haiku").tier == "heroku"


def test_the_docs_contradicting_themselves_is_one_finding_never_a_difference():
    claim = DOCS.claim_for("devcenter.logprobs", "claude-4-5-haiku")
    assert claim.level == "Contradictory" and [level for level, _ in claim.listings] == ["Full", "Ignored"]
    verdict, reason = judge(claim.promise, Finding(IGNORED, "logprobs is None"), listings=claim.listings)
    assert verdict == INCONCLUSIVE
    assert "the docs contradict themselves" in reason and "agrees with the Ignored listing" in reason
    verdict, reason = judge(claim.promise, Finding(HONOURED, "logprobs given"), listings=claim.listings)
    assert verdict == INCONCLUSIVE and "agrees with the Full listing and contradicts the Ignored one" in reason


@pytest.mark.parametrize("column", ["thinking", "vision"])
def test_a_model_card_that_contradicts_the_table_makes_the_cell_one_finding_naming_both_pages(column):
    """Claude 4.5 Haiku's card lists extended thinking and image input; the table says ✗ for both.
    What a server does bears out one page and contradicts the other: never a difference."""
    claim = DOCS.claim_for(f"models.{{model}}.{column}", "claude-4-5-haiku")
    assert claim.level == "Contradictory" and [level for level, _ in claim.listings] == ["✗", "✓"]
    assert claim.listed_by[0] == "the compatibility page's model table"
    assert "model card (2026-01-30)" in claim.listed_by[1]
    kwargs = dict(listings=claim.listings, listed_by=claim.listed_by, row_is_about_the_model=True)
    verdict, reason = judge(claim.promise, Finding(HONOURED, "the colour named"), **kwargs)
    assert verdict == INCONCLUSIVE and "the docs contradict themselves" in reason
    assert "agrees with the ✓ listing and contradicts the ✗ one" in reason and "Claude 4.5 Haiku model card" in reason
    for observed, status in ((REJECTED, 400), (IGNORED, None)):
        verdict, reason = judge(claim.promise, Finding(observed, "not seen", status), **kwargs)
        assert verdict == INCONCLUSIVE and "agrees with the ✗ listing and contradicts the ✓ one" in reason
    # the table's own marks still decide which rows speak about the model (thinking options: not)
    assert DOCS.model_marks("claude-4-5-haiku")[column] == "✗"
    assert DOCS.claim_for(f"models.{{model}}.{column}", "claude-3-5-haiku").level == "✗"  # no card says otherwise


def test_a_card_must_name_a_row_and_column_of_the_model_table(tmp_path):
    text = (ROOT / "cases" / "docs-tables.yaml").read_text()
    for old, new, words in (("model_row: claude-4-5-haiku", "model_row: claude-9", "model_row 'claude-9'"),
                            ('lists: {thinking: "✓", vision: "✓"}', 'lists: {telepathy: "✓"}', "'telepathy'"),
                            ('lists: {thinking: "✓", vision: "✓"}', 'lists: {vision: "yes"}', "unknown level 'yes'")):
        (tmp_path / "docs-tables.yaml").write_text(text.replace(old, new))
        with pytest.raises(ConformanceError, match=words):
            load_docs(tmp_path / "docs-tables.yaml")


def test_a_contradictory_level_needs_its_listings(tmp_path):
    text = (ROOT / "cases" / "docs-tables.yaml").read_text().replace(
        "level: Contradictory, listed_as: [Full, Ignored],", "level: Contradictory,")
    (tmp_path / "docs-tables.yaml").write_text(text)
    with pytest.raises(ConformanceError, match="devcenter.logprobs.*listed_as"):
        load_docs(tmp_path / "docs-tables.yaml")


# --features: an ad-hoc target's models

def adhoc(models, features=None):
    target = resolve_target(ROOT / "cases" / "targets.yaml", DOCS, "mine", base_url="http://127.0.0.1:9/v1",
                            models=models, environ={}, features=features)
    return target, DOCS.for_target(target.claims, target.own_models, target.features)


def test_an_adhoc_model_without_features_has_feature_bound_rows_observed_not_judged():
    target, docs = adhoc(["tiny-model"])
    effort = docs.claim_for("devcenter.reasoning_effort", "tiny-model")
    assert effort.level == "feature unknown"
    verdict, reason = judge(effort.promise, Finding(IGNORED, "no reasoning"))
    assert verdict == INCONCLUSIVE and "--features" in reason
    assert docs.claim_for("models.{model}.vision", "tiny-model").level == "feature unknown"
    assert docs.claim_for("models.{model}.sdk", "tiny-model").level == "✓"  # every model: the page's sentence
    assert docs.claim_for("core.max_tokens", "tiny-model").level == "Full"  # rows bound to no feature: judged
    # the thinking options run and are observed (they may apply), rather than being left out
    assert docs.applies("thinking.enabled", "tiny-model")


def test_declared_features_make_feature_bound_rows_judged():
    target, docs = adhoc(["tiny-model"], parse_features("thinking=false,vision=true", DOCS))
    assert target.features == {"thinking": False, "vision": True}
    assert docs.claim_for("devcenter.reasoning_effort", "tiny-model").level == "Unstated"
    assert docs.claim_for("models.{model}.vision", "tiny-model").level == "✓"
    assert docs.claim_for("models.{model}.thinking", "tiny-model").level == "✗"
    assert not docs.applies("thinking.enabled", "tiny-model")


def test_an_adhoc_run_of_herokus_own_model_ids_keeps_the_docs_table():
    target, docs = adhoc(["claude-4-5-haiku"])
    assert target.own_models == ()
    assert docs.claim_for("devcenter.reasoning_effort", "claude-4-5-haiku").level == "Unstated"
    assert docs.claim_for("models.{model}.vision", "claude-3-5-haiku").level == "✗"
    # Heroku's pages disagree about this one (its model card and the table): whatever the target
    assert docs.claim_for("models.{model}.vision", "claude-4-5-haiku").level == "Contradictory"


@pytest.mark.parametrize("text, words", [("telepathy=true", "unknown feature 'telepathy'"),
                                         ("vision=maybe", "vision=maybe: say true or false"),
                                         (",", "names no feature"), ("sdk=true", "unknown feature 'sdk'")])
def test_bad_features_are_one_line_errors(text, words):
    with pytest.raises(ConformanceError, match=words):
        parse_features(text, DOCS)


def test_features_are_refused_for_a_profile():
    with pytest.raises(ConformanceError, match="profile"):
        resolve_target(ROOT / "cases" / "targets.yaml", DOCS, "llama-cpp", environ={}, need_url=False,
                       features={"vision": True})


# ---- claims rolled up from every row (Heroku's other pages) ----------------------------------

def test_fully_compatible_is_contradicted_by_any_row_that_differs_and_observed_not_judged():
    from conformance.results import record
    from conformance.row_decisions import roll_up

    found = [record(r) for r in (result("core.stop", HONOURED, AGREES, level="Full"),
                                 result("advanced.n", HONOURED, DIFFERS, level="Ignored"),
                                 result("core.stop", HONOURED, AGREES, level="Full", sdk="openai-node"))]
    rolled = {(r["row"], r["sdk"]["name"]): r for r in roll_up(found, DOCS.data)}
    python = rolled[("pages.fully-compatible", "openai-python")]
    assert python["observed"] == IGNORED and "advanced.n" in python["reason"]
    assert python["verdict"] == INCONCLUSIVE and "not from a page Heroku published" in python["reason"]  # a draft
    assert rolled[("pages.two-changes", "openai-python")]["observed"] == IGNORED
    assert rolled[("pages.fully-compatible", "openai-node")]["observed"] == HONOURED  # nothing differs there
    unclear = roll_up([record(result("core.stop", "unclear", INCONCLUSIVE, level="Full"))], DOCS.data)
    assert unclear[0]["observed"] == "unclear"


def test_the_report_shows_the_rolled_up_claims_without_them_being_results():
    from conformance.report.render import build_view
    from conformance.results import document

    data = document({"target": "t", "mode": "live", "models": ["m"]}, DOCS.data,
                    [result("advanced.n", HONOURED, DIFFERS, level="Ignored")])
    assert all(r["case_id"] != "rolled-up" for r in data["results"])
    view = build_view([__import__("json").loads(__import__("json").dumps(data))])
    pages = next(t for t in view["tables"] if t["table"]["id"] == "pages")
    row = next(r for r in pages["rows"] if r["claim"] == "pages.fully-compatible")
    assert "advanced.n" in row["cells"][0]["results"][0].reason
