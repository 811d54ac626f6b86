"""The docs page's tables as data (cases/docs-tables.yaml): tables, rows and the claims in them.

A claim is one documented cell: `core.max_tokens` (level Full) or, in the model table,
`models.claude-4-5-haiku.vision` (level ✗). Cases name claims; verdicts hold findings against them.
"""
from dataclasses import dataclass
from pathlib import Path

from .schema import load_validated


@dataclass(frozen=True)
class Claim:
    id: str
    table: str
    row: str
    label: str
    level: str
    column: str | None = None


MODEL_PLACEHOLDER = "{model}"
# The docs: "All models available through Heroku Managed Inference and Agents work with the OpenAI SDK".
UNLISTED_MODEL_LEVELS = {"sdk": "✓"}


@dataclass
class DocsTables:
    data: dict
    claims: dict[str, Claim]
    model_ids: list[str]  # every model id of the model table, in the docs' order

    def template_problem(self, row: str) -> str | None:
        """Why a row id that may hold {model} names no claim, or None."""
        if MODEL_PLACEHOLDER not in row:
            return None if row in self.claims else f"unknown docs row '{row}'"
        rows = {c.row for c in self.claims.values() if c.column is not None}
        if not any(row.replace(MODEL_PLACEHOLDER, r) in self.claims for r in rows):
            return f"'{row}' names no row of the model table"
        return None

    def claim_for(self, row: str, model_id: str) -> Claim:
        """The claim a case's row speaks about for this model (resolving {model})."""
        if MODEL_PLACEHOLDER not in row:
            return self.claims[row]
        model_row = self.model_row(model_id)
        if model_row is not None:
            return self.claims[row.replace(MODEL_PLACEHOLDER, model_row)]
        # A model the docs' table does not list: only the table's general sentence speaks for it.
        table, _, column = row.split(".", 2)
        claim_id = row.replace(MODEL_PLACEHOLDER, model_id)
        return Claim(claim_id, table, model_id, model_id, UNLISTED_MODEL_LEVELS.get(column, "undocumented"),
                     column)

    def model_row(self, model_id: str) -> str | None:
        for table in self.data["tables"]:
            if table["kind"] == "models":
                for row in table["rows"]:
                    if model_id in row.get("model_ids", []):
                        return row["id"]
        return None


def load_docs(path: Path) -> DocsTables:
    data = load_validated(path, "docs-tables")
    claims: dict[str, Claim] = {}
    model_ids: list[str] = []
    for table in data["tables"]:
        for row in table["rows"]:
            if table["kind"] == "models":
                model_ids += row.get("model_ids", [])
                for column in table.get("columns", []):
                    claim_id = f"{table['id']}.{row['id']}.{column['id']}"
                    level = row.get("levels", {}).get(column["id"], "")
                    claims[claim_id] = Claim(claim_id, table["id"], row["id"], row["label"], level, column["id"])
            else:
                claim_id = f"{table['id']}.{row['id']}"
                claims[claim_id] = Claim(claim_id, table["id"], row["id"], row["label"], row.get("level", ""))
    return DocsTables(data, claims, model_ids)
