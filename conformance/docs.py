"""The docs page's tables as data (cases/docs-tables.yaml): tables, rows, the claims in them, and
what each documented level promises.

A claim is one documented cell: `core.max_tokens` (level Full), in the model table
`models.claude-4-5-haiku.vision` (level ✗), or one part of a row that the docs rate as a whole:
`advanced.response_format/json_schema` (a variant, with the row's level unless it names its own).
Cases name claims; verdicts hold findings against the promise of each claim's level.
"""
import difflib
from dataclasses import dataclass, field, replace
from pathlib import Path

from .errors import ConformanceError
from .schema import load_validated
from .verdicts import (
    DOCS_CONTRADICT,
    FEATURE_UNKNOWN,
    FEATURE_UNKNOWN_LEVEL,
    JUDGED_TIERS,
    LIMITATION_HOLDS,
    LIMITATION_LIFTED,
    NOT_HELD_AGAINST_THE_DOCS,
    OBSERVED_ONLY_LEVEL,
    PROMISES,
    UNDOCUMENTED_LEVEL,
    UNPUBLISHED_SOURCE,
)


@dataclass(frozen=True)
class Claim:
    id: str
    table: str
    row: str
    label: str
    level: str
    promise: str
    column: str | None = None
    variant: str | None = None
    tier: str = "heroku"  # how sure the claim's source is; only JUDGED_TIERS are held against a server
    listings: tuple = ()  # ((level, promise), ...) where the docs give it two levels (Contradictory)
    listed_by: tuple = ()  # the page giving each listing, where two pages disagree (a model card and the table)


MODEL_PLACEHOLDER = "{model}"
# The docs: "All models available through Heroku Managed Inference and Agents work with the OpenAI SDK".
UNLISTED_MODEL_LEVELS = {"sdk": "✓"}
# A target profile that lists its own models is their model table: a feature it has is ✓, one it lacks ✗.
FEATURE_LEVELS = {True: "✓", False: "✗"}
OBSERVE_ONLY = "observe-only"  # a target's claims mode: nothing is held against Heroku's docs


@dataclass
class DocsTables:
    data: dict
    claims: dict[str, Claim]
    model_ids: list[str]  # every model id of the model table, in the docs' order
    promises: dict[str, str]  # level -> promise
    model_levels: dict[str, dict[str, str]]  # claim id -> {model id: level} where a row says so
    # Set by for_target: what a target's profile says about the claims that apply to it.
    claims_mode: str = "heroku"
    own_models: tuple[str, ...] = ()  # models the profile lists itself (not Heroku's)
    features: dict = field(default_factory=dict)  # model-table column -> bool, for those models

    def for_target(self, claims_mode: str, own_models=(), features: dict | None = None) -> "DocsTables":
        """These tables as they apply to one target. The one place a target's profile changes a claim:
        observe-only makes every claim unjudged; a profile's own models are judged from its features
        (model table) and by each row's general level (never Heroku's per-model levels)."""
        return replace(self, claims_mode=claims_mode, own_models=tuple(own_models), features=dict(features or {}))

    def model_columns(self) -> list[str]:
        return [c["id"] for t in self.data["tables"] if t["kind"] == "models" for c in t.get("columns", [])]

    def template_problem(self, row: str) -> str | None:
        """Why a row id that may hold {model} names no claim, or None."""
        if MODEL_PLACEHOLDER not in row:
            return None if row in self.claims else f"unknown docs row '{row}'"
        rows = {c.row for c in self.claims.values() if c.column is not None}
        if not any(row.replace(MODEL_PLACEHOLDER, r) in self.claims for r in rows):
            return f"'{row}' names no row of the model table"
        return None

    def claim_for(self, row: str, model_id: str) -> Claim:
        """The claim a case's row speaks about for this model (resolving {model}, per-model levels
        and the target's profile)."""
        claim = self._documented_claim(row, model_id)
        claim = self._limitation_a_card_lifts(claim, model_id) or claim
        if self.claims_mode == OBSERVE_ONLY:
            return replace(claim, level=OBSERVED_ONLY_LEVEL, promise=NOT_HELD_AGAINST_THE_DOCS)
        if claim.tier not in JUDGED_TIERS:
            return replace(claim, promise=UNPUBLISHED_SOURCE)
        if self.unknown_features(claim, model_id):
            return replace(claim, level=FEATURE_UNKNOWN_LEVEL, promise=FEATURE_UNKNOWN)
        return claim

    def _limitation_a_card_lifts(self, claim: Claim, model_id: str) -> Claim | None:
        """A limitation that applies to a model by its model-table mark, where a published model card
        lists the model otherwise (the thinking limitation on Claude 4.5 Haiku: ✗ in the table, thinking
        on its card): the docs contradict themselves on it as on the cell, so it is judged as the cell is,
        shown beside both listings and held against neither."""
        model_row = None if model_id in self.own_models else self.model_row(model_id)
        if model_row is None or claim.promise != LIMITATION_HOLDS:
            return None
        for column, allowed in (applies_when_of(self.data, claim.table, claim.row) or {}).items():
            table_listing, *card_listings = cell_listings(self.data, model_row, column) or [None]
            lifting = [source for mark, source in card_listings if mark not in allowed]
            if table_listing and lifting:
                contradictory = next(level for level, promise in self.promises.items() if promise == DOCS_CONTRADICT)
                lifted = next(level for level, promise in self.promises.items() if promise == LIMITATION_LIFTED)
                return replace(claim, level=contradictory, promise=DOCS_CONTRADICT,
                               listings=((claim.level, claim.promise), (lifted, LIMITATION_LIFTED)),
                               listed_by=(f"the compatibility page (its table's {table_listing[0]})", lifting[0]))
        return None

    def unknown_features(self, claim: Claim, model_id: str) -> list[str]:
        """The model-table columns a claim depends on (its own column, `levels_when`, `applies_when`)
        that nobody declared for this model: a model the docs' table does not list, without
        --features or a profile's `features` for them. Such claims are observed, not judged."""
        if self.model_row(model_id) is not None and model_id not in self.own_models:
            return []  # the docs' model table declares every column of its models
        marks = self.model_marks(model_id)
        return [c for c in feature_columns(self.data, claim.table, claim.row, claim.column) if c not in marks]

    def _documented_claim(self, row: str, model_id: str) -> Claim:
        own = model_id in self.own_models
        if MODEL_PLACEHOLDER not in row:
            claim = self.claims[row]
            level = None if own else self.model_levels.get(claim.id, {}).get(model_id)
            level = level or self._level_by_model_column(claim, model_id)
            return replace(claim, level=level, promise=self.promises[level]) if level else claim
        model_row = None if own else self.model_row(model_id)
        if model_row is not None:
            return self.claims[row.replace(MODEL_PLACEHOLDER, model_row)]
        # A model the docs' table does not list: the profile's features speak for its own models;
        # otherwise only the table's general sentence does.
        table, _, column = row.split(".", 2)
        claim_id = row.replace(MODEL_PLACEHOLDER, model_id)
        if own and column in self.features:
            level = FEATURE_LEVELS[bool(self.features[column])]
        else:
            level = UNLISTED_MODEL_LEVELS.get(column, UNDOCUMENTED_LEVEL)
        return Claim(claim_id, table, model_id, model_id, level, self.promises.get(level, UNDOCUMENTED_LEVEL),
                     column)

    def model_marks(self, model_id: str) -> dict[str, str]:
        """The model table's marks for a model ({column: "✓"}): a profile's own model has its features."""
        return marks_of(self.data, model_id, self.own_models, self.features)

    def _level_by_model_column(self, claim: Claim, model_id: str) -> str | None:
        """A row's `levels_when`: its level for a model whose model-table column has a given mark
        (reasoning_effort says nothing about a model without extended thinking, Heroku's or not)."""
        row = row_spec(self.data, claim.table, claim.row) or {}
        if claim.variant and claim.level != row.get("level"):
            return None  # a variant with a level of its own keeps it
        return level_by_mark(row, self.model_marks(model_id))

    def about_the_model(self, claim: Claim) -> bool:
        """Whether a claim is about the model itself (`about_the_model` on its row or table): a
        refusal of the model speaks to it, and to no other claim."""
        for table in self.data["tables"]:
            if table["id"] == claim.table:
                row = next((r for r in table["rows"] if r["id"] == claim.row), {})
                return bool(row.get("about_the_model", table.get("about_the_model", False)))
        return False

    def applies(self, claim_id: str, model_id: str) -> bool:
        """Whether a claim speaks about this model (its row's or table's `applies_when`)."""
        claim = self.claims.get(claim_id)
        return claim is None or applies(self.data, claim.table, claim.row, model_id, self.model_marks(model_id))

    def model_row(self, model_id: str) -> str | None:
        """The docs' model-table row of a model; for a profile's own model, the model itself (the
        profile is its model table)."""
        if model_id in self.own_models:
            return model_id
        for table in self.data["tables"]:
            if table["kind"] == "models":
                for row in table["rows"]:
                    if model_id in row.get("model_ids", []):
                        return row["id"]
        return None


TABLE_SOURCE = "the compatibility page's model table"


def cell_listings(data: dict, row_id: str, column: str) -> list[tuple[str, str]]:
    """[(level, source), ...] where Heroku's published model cards list a model-table cell with another
    mark than the table: the table's listing first, then each card's. Empty where they agree. Works on
    the raw data (results.json's `docs` part), so the report shows the same listings."""
    table_level = (row_spec_of_models(data, row_id) or {}).get("levels", {}).get(column)
    cards = [c for c in data.get("cards", []) if c.get("model_row") == row_id and c.get("tier") in JUDGED_TIERS
             and column in c.get("lists", {}) and c["lists"][column] != table_level]
    if not cards:
        return []
    return [(table_level or "", TABLE_SOURCE)] + [(c["lists"][column], card_source(c)) for c in cards]


def card_source(card: dict) -> str:
    return card["title"] + (f" ({card['published']})" if card.get("published") else "")


def row_spec_of_models(data: dict, row_id: str) -> dict | None:
    for table in data["tables"]:
        if table["kind"] == "models":
            return next((row for row in table["rows"] if row["id"] == row_id), None)
    return None


def _check_cards(path: Path, data: dict, promises: dict[str, str]) -> None:
    """A card names a row and columns of the model table, and levels declared under `levels:`."""
    columns = {c["id"] for t in data["tables"] if t["kind"] == "models" for c in t.get("columns", [])}
    for card in data.get("cards", []):
        where = f"card '{card['id']}'"
        if "model_row" in card and row_spec_of_models(data, card["model_row"]) is None:
            raise ConformanceError(f"{path}: {where}: model_row '{card['model_row']}' is no row of the model table")
        if card.get("lists") and "model_row" not in card:
            raise ConformanceError(f"{path}: {where}: lists marks but names no model_row they are of")
        for column, level in card.get("lists", {}).items():
            if column not in columns:
                raise ConformanceError(f"{path}: {where}: lists '{column}', not a column of the model table "
                                       f"({', '.join(sorted(columns))})")
            _promise_of(path, f"{where}: lists", level, promises)


def feature_columns(data: dict, table_id: str, row_id: str, column: str | None = None) -> list[str]:
    """The model-table columns a row depends on, other than the SDK column every model has: its own
    column (model table), and those its `levels_when` or `applies_when` name."""
    row = row_spec(data, table_id, row_id) or {}
    named = [column] if column else []
    named += list(row.get("levels_when", {})) + list(applies_when_of(data, table_id, row_id) or {})
    return [c for c in dict.fromkeys(named) if c not in UNLISTED_MODEL_LEVELS]


def model_levels_of(data: dict, model_id: str) -> dict[str, str] | None:
    """The model table's documented levels for a model id ({column: level}), None when unlisted."""
    for table in data["tables"]:
        if table["kind"] == "models":
            for row in table["rows"]:
                if model_id in row.get("model_ids", []):
                    return row.get("levels", {})
    return None


def row_spec(data: dict, table_id: str, row_id: str) -> dict | None:
    for table in data["tables"]:
        if table["id"] == table_id:
            return next((row for row in table["rows"] if row["id"] == row_id), None)
    return None


def applies_when_of(data: dict, table_id: str, row_id: str) -> dict | None:
    """A row's `applies_when`, else its table's, else None (the claim is about every model)."""
    for table in data["tables"]:
        if table["id"] == table_id:
            for row in table["rows"]:
                if row["id"] == row_id and "applies_when" in row:
                    return row["applies_when"]
            return table.get("applies_when")
    return None


def marks_of(data: dict, model_id: str, own_models=(), features: dict | None = None) -> dict[str, str]:
    """A model's model-table marks ({column: "✓"}): a profile's own model has its features instead."""
    if model_id in own_models:
        return {column: FEATURE_LEVELS[bool(has)] for column, has in (features or {}).items()}
    return model_levels_of(data, model_id) or {}


def row_level(row: dict, model_id: str, marks: dict[str, str], own_models=()) -> str:
    """A row's documented level for a model with these model-table marks (`marks_of`), from the data
    alone, as DocsTables.claim_for decides it (the report has only results.json): Heroku's per-model
    level, else a level by model-table mark, else the row's."""
    if model_id not in own_models and model_id in row.get("model_levels", {}):
        return row["model_levels"][model_id]
    return level_by_mark(row, marks) or row.get("level", "")


def level_by_mark(row: dict, marks: dict[str, str]) -> str | None:
    """A row's `levels_when` level for a model with these model-table marks, or None."""
    for column, by_mark in row.get("levels_when", {}).items():
        if marks.get(column) in by_mark:
            return by_mark[marks[column]]
    return None


def applies(data: dict, table_id: str, row_id: str, model_id: str, marks: dict | None = None) -> bool:
    """Whether a row speaks about a model: every column its `applies_when` names has one of the
    listed levels for the model. A model the model table does not list has no documented level,
    so whether a row limited to some levels applies is not known: it does, observed. Works on the
    raw data (results.json's `docs` part), so the report decides it from data alone."""
    when = applies_when_of(data, table_id, row_id)
    if not when:
        return True
    levels = marks if marks is not None else (model_levels_of(data, model_id) or {})
    # A column nobody declared for the model (an ad-hoc server without --features): the row is run
    # and observed, not judged (DocsTables.unknown_features), rather than silently left out.
    return all(column not in levels or levels[column] in allowed for column, allowed in when.items())


def _check_applies_when(path: Path, data: dict, promises: dict[str, str]) -> None:
    """`applies_when` names a column of the model table and levels declared under `levels:`."""
    columns = {c["id"] for t in data["tables"] if t["kind"] == "models" for c in t.get("columns", [])}
    for table in data["tables"]:
        for where, holder in [(f"table '{table['id']}'", table)] + [
                (f"row '{table['id']}.{row['id']}'", row) for row in table["rows"]]:
            for column, by_mark in holder.get("levels_when", {}).items():
                if column not in columns:
                    raise ConformanceError(f"{path}: {where}: levels_when names '{column}', not a column of the "
                                           f"model table ({', '.join(sorted(columns))})")
                for mark, level in by_mark.items():
                    _promise_of(path, f"{where}: levels_when", mark, promises)
                    _promise_of(path, f"{where}: levels_when", level, promises)
            for column, levels in holder.get("applies_when", {}).items():
                if column not in columns:
                    raise ConformanceError(f"{path}: {where}: applies_when names '{column}', not a column of the "
                                           f"model table ({', '.join(sorted(columns))})")
                for level in levels:
                    _promise_of(path, f"{where}: applies_when", level, promises)


def _promise_of(path: Path, where: str, level: str, promises: dict[str, str]) -> str:
    if level not in promises:
        close = difflib.get_close_matches(level, list(promises), n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise ConformanceError(f"{path}: {where}: unknown level '{level}'{hint}; levels are declared under `levels:`")
    return promises[level]


def load_docs(path: Path) -> DocsTables:
    data = load_validated(path, "docs-tables")
    promises = {level: spec["promise"] for level, spec in data["levels"].items()}
    promises[UNDOCUMENTED_LEVEL] = UNDOCUMENTED_LEVEL
    for level, promise in promises.items():
        if promise not in PROMISES:  # the schema's enum says the same; this guards a stale schema
            raise ConformanceError(f"{path}: level '{level}': unknown promise '{promise}'")
    _check_applies_when(path, data, promises)
    _check_cards(path, data, promises)
    contradictory = next((level for level, promise in promises.items() if promise == DOCS_CONTRADICT), None)
    claims: dict[str, Claim] = {}
    model_levels: dict[str, dict[str, str]] = {}
    model_ids: list[str] = []

    def add(claim_id: str, table: dict, row: dict, level: str, listed=None, **extra) -> None:
        if claim_id in claims:
            raise ConformanceError(f"{path}: duplicate docs row '{claim_id}'")
        listed = listed or [(level_, "") for level_ in row.get("listed_as", [])]
        if listed and row.get("levels"):  # a model-table cell a card contradicts
            if contradictory is None:
                raise ConformanceError(f"{path}: row '{claim_id}': a card contradicts the table, and no level "
                                       "with the promise docs-contradict is declared under `levels:`")
            level = contradictory
        promise = _promise_of(path, f"row '{claim_id}'", level, promises)
        listings = tuple((level_, _promise_of(path, f"row '{claim_id}': listed_as", level_, promises))
                         for level_, _ in listed)
        extra["listed_by"] = tuple(source for _, source in listed) if any(s for _, s in listed) else ()
        if (promise == DOCS_CONTRADICT) != bool(listings):
            raise ConformanceError(f"{path}: row '{claim_id}': a Contradictory level needs listed_as (the levels "
                                   "the docs give), and listed_as needs a Contradictory level")
        tier = row.get("tier", table.get("tier", "heroku"))
        claims[claim_id] = Claim(claim_id, table["id"], row["id"], row["label"], level, promise, tier=tier,
                                 listings=listings, **extra)

    for table in data["tables"]:
        for row in table["rows"]:
            if table["kind"] == "models":
                model_ids += row.get("model_ids", [])
                for column in table.get("columns", []):
                    level = row.get("levels", {}).get(column["id"], "")
                    add(f"{table['id']}.{row['id']}.{column['id']}", table, row, level,
                        listed=cell_listings(data, row["id"], column["id"]), column=column["id"])
                continue
            claim_id = f"{table['id']}.{row['id']}"
            add(claim_id, table, row, row.get("level", ""))
            for variant in row.get("variants", []):
                add(f"{claim_id}/{variant['id']}", table, row, variant.get("level", row.get("level", "")),
                    variant=variant["id"])
            for model, level in row.get("model_levels", {}).items():
                _promise_of(path, f"row '{claim_id}', model '{model}'", level, promises)
                for key in [claim_id] + [f"{claim_id}/{v['id']}" for v in row.get("variants", []) if "level" not in v]:
                    model_levels.setdefault(key, {})[model] = level
    return DocsTables(data, claims, model_ids, promises, model_levels)
