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


def build_view(data: dict) -> dict:
    """Everything the template shows, computed here so the template stays plain."""
    run, results, docs = data["run"], data["results"], data["docs"]
    models = run.get("models") or sorted({r["model"] for r in results})
    by_claim_model = defaultdict(list)
    for r in results:
        by_claim_model[(r["row"], r["model"])].append(r)

    tables = []
    for table in docs["tables"]:
        rows = []
        for row in table["rows"]:
            if table["kind"] == "models":
                cells = []
                model_ids = [m for m in row.get("model_ids", []) if m in models]
                for column in table.get("columns", []):
                    claim = f"{table['id']}.{row['id']}.{column['id']}"
                    found = [r for m in model_ids for r in by_claim_model[(claim, m)]]
                    cells.append({"documented": row.get("levels", {}).get(column["id"], ""),
                                  "cell": cell_verdict(found), "anchor": anchor(claim),
                                  "claim": claim, "results": found})
                rows.append({"row": row, "claim": None, "cells": cells, "tested": bool(model_ids)})
            else:
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
