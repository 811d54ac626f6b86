"""Turn a results document into the compatibility matrix: the docs' own tables, with the
documented level and the observed verdict per model beside each row, each cell linked to its
evidence. Input is the results.json data only."""
from collections import defaultdict
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from ..atomic import write_text_atomic

ORDER = ("differs", "agrees", "not recorded", "inconclusive")


def cell_verdict(results: list[dict]) -> dict:
    """One cell: the verdict that matters most, with counts of the others."""
    counts = defaultdict(int)
    for r in results:
        counts[r["verdict"]] += 1
    if not results:
        return {"verdict": "not covered", "counts": {}, "note": ""}
    verdict = next(v for v in ORDER if counts.get(v))
    others = ", ".join(f"{n} {v}" for v, n in counts.items() if v != verdict and n)
    return {"verdict": verdict, "counts": dict(counts), "note": others}


def anchor(*parts: str) -> str:
    return "ev-" + "-".join(p.replace(".", "_").replace(" ", "_") for p in parts)


def model_row(table: dict, row: dict, models: list[str], by_claim_model: dict) -> dict:
    """A row of the model table: per column, the documented mark and what the run saw."""
    in_run = [m for m in row.get("model_ids", []) if m in models]
    cells = []
    for column in table.get("columns", []):
        claim = f"{table['id']}.{row['id']}.{column['id']}"
        found = [r for m in in_run for r in by_claim_model[(claim, m)]]
        documented = row.get("levels", {}).get(column["id"], "—")
        if found:
            documented = found[0]["documented"]  # for an unlisted model, what the docs' general text implies
        cells.append({"documented": documented, "cell": cell_verdict(found), "anchor": anchor(claim),
                      "claim": claim, "results": found, "in_run": bool(in_run)})
    return {"row": row, "claim": None, "cells": cells}


def build_view(data: dict) -> dict:
    """Everything the template shows, computed here so the template stays plain."""
    run, results, docs = data["run"], data["results"], data["docs"]
    models = run.get("models") or sorted({r["model"] for r in results})
    by_claim_model = defaultdict(list)
    for r in results:
        # A variant (`advanced.response_format/json_schema`) is shown in its row's cell.
        by_claim_model[(r["row"].split("/", 1)[0], r["model"])].append(r)

    tables = []
    for table in docs["tables"]:
        if table["kind"] == "models":
            rows = [model_row(table, row, models, by_claim_model) for row in table["rows"]]
            listed = {m for row in table["rows"] for m in row.get("model_ids", [])}
            # Models the run tested that the docs' table does not list get rows of their own.
            rows += [model_row(table, {"id": m, "label": m, "model_ids": [m], "levels": {}, "unlisted": True},
                               models, by_claim_model) for m in models if m not in listed]
        else:
            rows = []
            for row in table["rows"]:
                claim = f"{table['id']}.{row['id']}"
                cells = [{"model": m, "cell": cell_verdict(by_claim_model[(claim, m)]),
                          "anchor": anchor(claim, m), "claim": claim, "results": by_claim_model[(claim, m)]}
                         for m in models]
                rows.append({"row": row, "claim": claim, "cells": cells})
        tables.append({"table": table, "rows": rows})

    evidence = []
    for table in tables:
        for row in table["rows"]:
            for cell in row["cells"]:
                if cell["results"]:
                    evidence.append(cell)
    return {
        "data": data, "run": run, "models": models, "tables": tables, "evidence": evidence,
        "totals": data.get("totals", {}), "is_reference": run.get("target") == "reference",
    }


def render(data: dict) -> str:
    env = Environment(loader=PackageLoader("conformance.report", "templates"),
                      autoescape=select_autoescape(["html", "j2"]), trim_blocks=True, lstrip_blocks=True)
    return env.get_template("index.html.j2").render(**build_view(data))


def render_to_file(data: dict, path: Path) -> None:
    write_text_atomic(path, render(data))
