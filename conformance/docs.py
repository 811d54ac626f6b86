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


@dataclass
class DocsTables:
    data: dict
    claims: dict[str, Claim]
    model_ids: list[str]  # every model id of the model table, in the docs' order

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
