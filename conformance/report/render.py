"""Turn results documents into the compatibility report: the docs' own tables, with the documented
level and the observed verdict per target and model beside each row, each cell opening its
evidence in place; above them the drift (coverage, counts, differences, what could not be
decided), and above everything what makes a run less than it looks (narrowed, interrupted, a host
that is not the service it claims to be). Input is results.json data only.

`build_view` computes everything; the template only lays it out (and escapes every value).
"""
import json
import re
from collections import defaultdict
from pathlib import Path
from types import SimpleNamespace

from jinja2 import Environment, FileSystemBytecodeCache, PackageLoader, select_autoescape
from markupsafe import Markup

try:
    import orjson
except ImportError:  # optional: the report is the same without it, a little slower
    orjson = None

from ..atomic import write_chunks_atomic
from ..docs import applies, card_source, cell_listings, marks_of, row_level
from ..results import sdk_name, totals_of
from ..row_decisions import ROLLED_UP, roll_up
from ..verdicts import contradiction_first
from .diff import KINDS, Change
from .labels import host_of, host_warning, provenance_warning, recorded_when, when

ORDER = ("differs", "agrees", "not recorded", "inconclusive")
DECIDED = ("agrees", "differs")
NOT_COVERED, NOT_APPLICABLE, NOT_IN_RUN = "not covered", "not applicable", "not in this run"
# Never colour alone: every verdict has a word and a symbol.
SYMBOLS = {"agrees": "✓", "differs": "✗", "inconclusive": "?", "not recorded": "○", NOT_COVERED: "–",
           NOT_APPLICABLE: "n/a", NOT_IN_RUN: "·"}
CELL_VERDICTS = ("differs", "agrees", "inconclusive", "not recorded", NOT_COVERED, NOT_APPLICABLE)
LEGEND = {
    "agrees": "observed as documented",
    "differs": "observed otherwise",
    "inconclusive": "could not tell (the reason says why)",
    "not recorded": "no cassette for it",
    NOT_COVERED: "the row applies, but no case checks it yet",
    NOT_APPLICABLE: "the docs' row does not speak about this model",
}


def most_important(results: list[dict]) -> str:
    """The verdict that matters most among results: differs, agrees, not recorded, inconclusive."""
    found = {r["verdict"] for r in results}
    return next((v for v in ORDER if v in found), results[0]["verdict"])


def css_class(verdict: str) -> str:
    return "v-" + verdict.replace(" ", "-").replace("/", "")


def first_line(text: str, limit: int = 240) -> str:
    line = (text or "").strip().splitlines()[0] if (text or "").strip() else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


def pretty(value) -> str:
    """JSON in one call (compact); strings as they are."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


# ---- evidence -------------------------------------------------------------------------------

EXCHANGE_KEYS = {"role", "status", "summary", "request_id", "request", "response", "chunks", "chunk_count"}
BODY_KEYS = ("request", "response", "chunks", "chunk_count")
KNOWN_EVIDENCE = {"requests", "cassette", "provenance", "observed_range", "harness_error"}


class View(SimpleNamespace):
    """A piece of the view the template reads often: attributes, which Jinja finds at once (a dict
    costs it a failed attribute lookup first, measurable over 10,000 results)."""


class Bodies:
    """Request and response bodies, kept apart from the page's markup: they go into one JSON block
    (encoded in one call) that the page's script shows, as text, when a cell's evidence opens.
    Everything else of the evidence is plain HTML, readable without script. This is what keeps
    10,000 results rendering in about a second, and the page opening in a browser in less."""

    def __init__(self):
        self.items: list[dict] = []

    def add(self, body: dict) -> int | None:
        """Keep an exchange's structured parts (`split_exchange`), or nothing when it has none."""
        if not body:
            return None
        self.items.append(body)
        return len(self.items) - 1

    def json(self) -> Markup:
        """One JSON text for a `<script type="application/json">` block. Its `<`, `>` and `&` (found only
        inside its strings) are written as JSON's \\u escapes, the same values to JSON.parse, so no text
        in it can end the block or start markup: the one value the template does not escape. HTML
        escaping would have made every quote five characters: a third more page to download and parse."""
        text = encode_json(self.items)
        return Markup(text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e"))


def encode_json(value) -> str:
    """JSON text, by orjson where it is installed (a quarter of json's time on 20 MB of bodies), else
    by json; what orjson refuses (an integer past 64 bits, say) json writes."""
    if orjson is not None:
        try:
            return orjson.dumps(value).decode()
        except (orjson.JSONEncodeError, TypeError):
            pass
    return json.dumps(value, ensure_ascii=False)


PLAIN_TYPES = (str, int, float, bool)


def split_exchange(item: dict) -> tuple[str, dict]:
    """An exchange's plain values other than its heading's, as one line for the page (a sample's
    outcome and reason, say: "outcome: invalid · reason: …"), and its structured parts for the JSON
    block (bodies, chunks, and any other object or list, such as a sample's tool calls, under "extra").
    One pass over the exchange: it runs for every request of every result."""
    plain, body, extra = [], {}, {}
    for k, v in item.items():
        if v is None or isinstance(v, PLAIN_TYPES):
            if v is not None and v != "" and k not in HEADING_KEYS and k != "summary":
                plain.append(f"{k}: {first_line(str(v), 400)}")
        elif k in BODY_KEYS:
            body[k] = v
        elif k not in EXCHANGE_KEYS:
            extra[k] = v
    if extra:
        body["extra"] = extra
    return " · ".join(plain), body


HEADING_KEYS = {"role", "status", "request_id", "chunk_count", "sample"}


def exchange_view(item: dict, bodies: Bodies, role: str | None = None) -> dict:
    """One request and what came back: its heading and plain values in the page, its bodies (and
    anything structured) in the JSON block. Any shape is shown, whoever wrote the evidence."""
    heading = str(role or item.get("role") or "request")
    if item.get("status") is not None:
        heading += f" · HTTP {item['status']}"
    if item.get("request_id"):
        heading += f" · request id {item['request_id']}"
    summary = str(item.get("summary") or "")
    others, body = split_exchange(item)
    return View(heading=heading, summary=f"{summary} · {others}" if summary and others else summary or others,
                body=bodies.add(body))


def exchange_list(items: list, bodies: Bodies) -> list[dict]:
    """Samples of a repeated step, or any list of exchanges a result holds: each item shown as an
    exchange when it is one, as JSON otherwise (a nested list counts its items)."""
    out = []
    for i, item in enumerate(items):
        if isinstance(item, dict):
            number = item.get("sample", i + 1)
            out.append(exchange_view(item, bodies, item.get("role") or f"sample {number}"))
        elif isinstance(item, list):
            out += [View(heading=f"sample {i + 1}: {v.heading}", summary=v.summary, body=v.body)
                    for v in exchange_list(item, bodies)]
        else:
            out.append(View(heading=f"sample {i + 1}", summary=pretty(item), body=None))
    return out


def range_text(param: str, observed: dict) -> str | None:
    """The observed boundary of an explored range beside the documented one."""
    try:
        low, high = observed["accepted"]
        text = f"{param} accepted from {low} to {high}"
        if observed.get("refused_below") is not None:
            text += f", refused at {observed['refused_below']} and below"
        if observed.get("refused_above") is not None:
            text += f", refused from {observed['refused_above']}"
        if observed.get("search_capped"):
            text += " (the search stopped at its limit)"
        if observed.get("documented"):
            text += f"; documented {observed['documented'][0]} to {observed['documented'][1]}"
        return text
    except (KeyError, TypeError, ValueError, IndexError):
        return f"{param}: {pretty(observed)}"


SCALARS = (str, int, float, bool, type(None))


def params_key(params: dict) -> object:
    """The same value for the same explored values, and never for others: their sorted pairs, each
    with its value's type (1, 1.0 and True are equal in Python, not in JSON), when every value is a
    plain one (the usual case, and cheap); else their JSON with sorted keys."""
    if all(isinstance(v, SCALARS) for v in params.values()):
        return tuple(sorted((k, v.__class__.__name__, v) for k, v in params.items()))
    return json.dumps(params, sort_keys=True)


def result_view(r: dict, shown: set, bodies: Bodies, client_label=sdk_name) -> dict:
    """A result's evidence; the requests of a probe already shown in the same cell are not repeated."""
    evidence = r.get("evidence") or {}
    params = r.get("params") or {}
    probe = (client_label(r), r.get("test_id"), params_key(params))
    repeat = probe in shown
    shown.add(probe)
    provenance = evidence.get("provenance") or {}
    tokens = r.get("tokens") or {}
    observed_range = evidence.get("observed_range")
    lists = [] if repeat else [
        (key, exchange_list(value, bodies)) for key, value in evidence.items()
        if key not in KNOWN_EVIDENCE and isinstance(value, list) and value]
    others = [(key, pretty(value)) for key, value in evidence.items()
              if key not in KNOWN_EVIDENCE and not (isinstance(value, list) and value)]
    return View(**{
        "verdict": r["verdict"], "symbol": SYMBOLS.get(r["verdict"], ""), "cls": css_class(r["verdict"]),
        "test_id": r.get("test_id", ""), "part": r["row"].split("/", 1)[1] if "/" in r["row"] else None,
        "params": ", ".join(f"{k}={v!r}" for k, v in params.items()),
        "documented": r.get("documented", ""), "observed": r.get("observed", ""), "status": r.get("status"),
        "reason": r.get("reason", ""), "sdk": client_label(r), "client_problem": r.get("client_problem"),
        "known": r.get("known") if r["verdict"] == "differs" else None,
        "requests": [] if repeat else [exchange_view(x, bodies) for x in evidence.get("requests") or []
                                       if isinstance(x, dict)],
        "repeat": repeat, "lists": lists, "others": others,
        "range": range_text(next(iter(params), "value"), observed_range) if isinstance(observed_range, dict) else None,
        "cassette": evidence.get("cassette"),
        "provenance": ", ".join(f"{k} {provenance[k]}" for k in ("target", "recorded_at", "suite_version")
                                if provenance.get(k)) if isinstance(provenance, dict) else "",
        "tokens": (f"{tokens.get('prompt', 0)} prompt + {tokens.get('completion', 0)} completion = "
                   f"{tokens.get('total', 0)} tokens in {tokens.get('requests', 0)} request(s)")
        if tokens.get("requests") else None,
        "harness_error": evidence.get("harness_error"),
    })


# ---- cells ----------------------------------------------------------------------------------

class Anchors:
    """Unique, readable element ids for cells."""

    def __init__(self):
        self.used: set[str] = set()

    def make(self, *parts: str) -> str:
        base = "c-" + "-".join(re.sub(r"[^A-Za-z0-9_-]", "_", p) for p in parts)
        name, n = base, 1
        while name in self.used:
            n += 1
            name = f"{base}-{n}"
        self.used.add(name)
        return name


def cell(results: list[dict], applicable: bool, anchor: str, target: dict, model: str, documented: str,
         row_level: str | None, bodies: Bodies, in_run: bool = True) -> dict:
    """One target's verdict for one row and model: the verdict that matters most, the counts of
    the others, and every result's evidence."""
    counts: dict[str, int] = defaultdict(int)
    for r in results:
        counts[r["verdict"]] += 1
    if results:
        verdict = most_important(results)
    else:
        verdict = NOT_IN_RUN if not in_run else NOT_APPLICABLE if not applicable else NOT_COVERED
    by_client: dict[str, list] = defaultdict(list)
    for r in results:
        by_client[target["client_label"](r)].append(r)
    clients = [{"name": name, "verdict": v, "symbol": SYMBOLS.get(v, ""), "cls": css_class(v)}
               for name, v in ((name, most_important(found)) for name, found in sorted(by_client.items()))]
    disagree = len({c["verdict"] for c in clients}) > 1
    shown: set = set()
    views = [result_view(r, shown, bodies, target["client_label"]) for r in results]
    ranges = set()
    for view in views:  # an explored range is the same for every value explored: say it once
        if view.range in ranges:
            view.range = None
        ranges.add(view.range)
    note = ", ".join(f"{n} {v}" for v, n in counts.items() if v != verdict and n)
    if results and not applicable:
        note = (note + "; " if note else "") + "the docs' row does not speak about this model"
    return {
        "verdict": verdict, "symbol": SYMBOLS.get(verdict, ""), "cls": css_class(verdict), "note": note,
        # Each client's verdict where they disagree about the same answers; the clients an answer broke.
        "disagree": disagree, "clients": clients if disagree else [],
        "breaks": sorted({r["client_problem"].split(":", 1)[0] for r in results if r.get("client_problem")}),
        "known": bool(counts.get("differs")) and all(r.get("known") for r in results if r["verdict"] == "differs"),
        "anchor": anchor, "target": target["name"], "target_index": target["index"], "model": model,
        "first": model == target["models"][0] if target["models"] else False,
        "documented": documented, "documented_differs": bool(row_level) and documented != row_level,
        "results": views,
    }


# ---- the view -------------------------------------------------------------------------------

def claim_labels(docs: dict) -> dict[str, tuple[str, str, str | None, str]]:
    """claim id -> (table id, table title, row label, variant label) in the docs' order."""
    out = {}
    for table in docs["tables"]:
        for row in table["rows"]:
            if table["kind"] == "models":
                for column in table.get("columns", []):
                    out[f"{table['id']}.{row['id']}.{column['id']}"] = (
                        table["id"], table["title"], f"{row['label']}: {column['label']}", None)
                continue
            claim = f"{table['id']}.{row['id']}"
            out[claim] = (table["id"], table["title"], row["label"], None)
            for variant in row.get("variants", []):
                out[f"{claim}/{variant['id']}"] = (table["id"], table["title"], row["label"], variant["label"])
    return out


def describe_claim(labels: dict, claim: str) -> dict:
    table, title, label, variant = labels.get(claim) or (claim.split(".")[0], claim.split(".")[0], claim, None)
    if claim.startswith("models.") and claim not in labels:  # a model the docs' table does not list
        _, model, column = claim.split(".", 2)
        label = f"{model} (not in the docs' table): {column}"
    return {"claim": claim, "table": table, "title": title, "label": label, "variant": variant}


def target_view(index: int, doc: dict, sources: list[str]) -> dict:
    run, results = doc["run"], doc["results"]
    models = list(run.get("models") or []) or sorted({r["model"] for r in results})
    models += sorted({r["model"] for r in results} - set(models))
    name = str(run.get("target", "?"))
    return {
        "index": index, "name": name, "run": run, "models": models, "sources": sources,
        "results": results, "host": host_of(run.get("base_url")),
        "warning": host_warning(name, str(run.get("mode", "")), run.get("base_url"))
        or provenance_warning(name, str(run.get("mode", "")), results),
        "recorded": recorded_when(run, results), "banners": banners(run, results),
        "is_reference": name == "reference", "version": doc.get("version"),
        # From the target's own results: a merged file's totals are every target's together.
        "tokens": totals_of(results)["tokens"],
        "result_count": len(results),
        # Results that fail the run, as the library decided (results.json's `expected`).
        "unexpected": sum(1 for r in results if r.get("expected") is False),
        "clients": clients_of(run, results),
        "client_label": labeller(results),
    }


def labeller(results: list[dict]):
    """How a result's client is named on the page: by name, and by version too where results of
    several versions of one client stand side by side (nox -s sdk-matrix)."""
    versions: dict = defaultdict(set)
    for r in results:
        versions[sdk_name(r)].add((r.get("sdk") or {}).get("version"))
    several = {name for name, found in versions.items() if len(found) > 1}
    if not several:  # the usual case: the name alone, asked three times per result
        return sdk_name
    return lambda r: f"{sdk_name(r)} {(r.get('sdk') or {}).get('version')}" if sdk_name(r) in several else sdk_name(r)


def clients_of(run: dict, results: list[dict]) -> list[str]:
    """Every client a target's results went through, with each of its versions: "openai-python 3.57.0"."""
    seen = {(sdk_name(r), (r.get("sdk") or {}).get("version")) for r in results} or \
        {("openai-python", run.get("openai_sdk"))}
    return [f"{name} {version or '?'}" for name, version in sorted(seen, key=lambda nv: (nv[0], str(nv[1])))]


def banners(run: dict, results: list[dict]) -> list[dict]:
    """What makes this run less than it may look, for the top of the page."""
    out = []
    status = run.get("status") or "completed"
    if status == "running":
        out.append({"title": "This run has not finished.",
                    "text": f"It started {run.get('started_at', '?')}; if nothing is running now it was killed: "
                            "rebuild what it finished with `python -m conformance.report --run reports/runs/…`."})
    elif status == "incomplete":
        out.append({"title": "This report merges runs that did not all complete.",
                    "text": "Some of them stopped before every test ran: rows may be missing results."})
    elif status != "completed":
        out.append({"title": f"This run is {status}.",
                    "text": "It stopped before every test ran, so rows may be missing results. What it finished "
                            "is below."})
    if run.get("narrowed"):
        what = "; ".join(f"{k}: {', '.join(v) if isinstance(v, list) else v}" for k, v in run["narrowed"].items())
        out.append({"title": "This run was narrowed to part of the suite",
                    "text": f"({what}): rows it did not select say \"not covered\" or \"not in this run\"."})
    unobtained = [r for r in results if r.get("obtained") is False]
    if unobtained or run.get("unobtained"):
        deadline = sum(1 for r in unobtained if "deadline" in (r.get("reason") or ""))
        budget = sum(1 for r in unobtained if "budget" in (r.get("reason") or ""))
        parts = [f"{deadline} past the run's deadline" if deadline else "",
                 f"{budget} past its token budget" if budget else "",
                 f"{len(unobtained) - deadline - budget} with no usable answer (no answer, throttled, timed out "
                 "or upstream down)" if len(unobtained) - deadline - budget else ""]
        count = len(unobtained) or run.get("unobtained")
        out.append({"title": f"{count} result(s) could not be obtained",
                    "text": (", ".join(p for p in parts if p) or "see the results") +
                            ": they are inconclusive, and the run failed."})
    return out


def coverage(table: dict, rows: list[dict], target: dict) -> dict:
    """Cells of one table for one target: documented (applicable, in the run) and decided."""
    documented = decided = 0
    for row in rows:
        for c in row["cells"]:
            if c["target_index"] != target["index"] or c["verdict"] in (NOT_APPLICABLE, NOT_IN_RUN):
                continue
            documented += 1
            decided += c["verdict"] in DECIDED
    return {"table": table["id"], "title": table["title"], "documented": documented, "decided": decided,
            "percent": round(100 * decided / documented) if documented else 0}


def table_rows(table: dict, docs: dict, targets: list[dict], by_cell: dict, anchors: Anchors,
               bodies: Bodies) -> list[dict]:
    """The rows of one docs table, each with a cell per target and model."""
    rows = []
    if table["kind"] == "models":
        listed = [m for row in table["rows"] for m in row.get("model_ids", [])]
        unlisted = list(dict.fromkeys(m for t in targets for m in t["models"] if m not in listed))
        cards = {c["model_id"]: c for c in docs.get("cards", []) if c.get("model_id")}
        specs = table["rows"] + [{"id": m, "label": m, "model_ids": [m], "levels": {}, "unlisted": True,
                                  "card": card_line(cards[m]) if m in cards else None}
                                 for m in unlisted]
        for row in specs:
            cells = []
            for column in table.get("columns", []):
                claim = f"{table['id']}.{row['id']}.{column['id']}"
                for t in targets:
                    in_run = [m for m in row.get("model_ids", []) if m in t["models"]]
                    found = [r for m in in_run for r in by_cell.get((t["index"], claim, m), [])]
                    documented = found[0]["documented"] if found else row.get("levels", {}).get(column["id"], "—")
                    cells.append({**cell(found, True, anchors.make(str(t["index"]), claim), t,
                                         in_run[0] if in_run else row["model_ids"][0], documented, None,
                                         bodies, in_run=bool(in_run)),
                                  "column": column["id"]})
                    if found and cell_listings(docs, row["id"], column["id"]):  # one finding, not a verdict
                        seen = ", ".join(sorted({r.get("observed", "") for r in found}))
                        cells[-1]["note"] = f"the docs contradict themselves; observed {seen}"
            rows.append({"row": row, "claim": None, "cells": cells, "models": row.get("model_ids", []),
                         "documented": {c["id"]: row.get("levels", {}).get(c["id"], "—")
                                        for c in table.get("columns", [])},
                         # where a model card lists the cell otherwise: each listing with its source
                         "listings": {c["id"]: cell_listings(docs, row["id"], c["id"])
                                      for c in table.get("columns", [])}})
        return rows
    # Each model's model-table marks (a profile's own models: its features), once per table.
    marks = {(t["index"], m): marks_of(docs, m, t["run"].get("own_models") or (), t["run"].get("features"))
             for t in targets for m in t["models"]}
    for row in table["rows"]:
        claim = f"{table['id']}.{row['id']}"
        cells = []
        for t in targets:
            for m in t["models"]:
                found = by_cell.get((t["index"], claim, m), [])
                level = row_level(row, m, marks[(t["index"], m)], t["run"].get("own_models") or ())
                anchor = anchors.make(str(t["index"]), claim, m)
                applicable = applies(docs, table["id"], row["id"], m, marks[(t["index"], m)])
                cells.append(cell(found, applicable, anchor, t, m, level, row.get("level"), bodies))
                if row.get("listed_as") and found:  # one finding, not a verdict on the service
                    seen = ", ".join(sorted({r.get("observed", "") for r in found}))
                    cells[-1]["note"] = f"the docs contradict themselves; observed {seen}"
        rows.append({"row": row, "claim": claim, "cells": cells, "models": []})
    return rows


def card_line(card: dict) -> str:
    """A model card as the source of a model beyond the table: its title, date and the ids it gives."""
    ids = f"; the card's id{'s' if len(card['ids']) > 1 else ''}: {', '.join(card['ids'])}" if card.get("ids") else ""
    return f"{card_source(card)}{ids}"


def contradictory_levels(docs: dict) -> set[str]:
    """The levels of claims the docs make twice with different answers (promise docs-contradict)."""
    return {level for level, spec in (docs.get("levels") or {}).items() if spec.get("promise") == "docs-contradict"}


def drift(targets: list[dict], tables: list[dict], labels: dict, anchor_of: dict, docs: dict | None = None) -> dict:
    """The rows where service and docs disagree, where the docs disagree with themselves, and what
    could not be decided and why."""
    order = {claim: i for i, claim in enumerate(labels)}
    contradictory = contradictory_levels(docs or {})
    differs: dict[tuple, dict] = {}
    undecided: dict[tuple, dict] = {}
    contradictions: dict[tuple, dict] = {}
    for t in targets:
        for r in t["results"]:
            if r.get("documented") in contradictory and r["verdict"] != "not recorded":
                key, into = (t["index"], r["row"], r.get("observed", "")), contradictions
            elif r["verdict"] == "differs":
                key, into = (t["index"], r["row"]), differs
            elif r["verdict"] in ("inconclusive", "not recorded") and r.get("case_id") != ROLLED_UP:
                key, into = (t["index"], r["row"], r["verdict"], r.get("observed", "")), undecided
            else:
                continue
            entry = into.setdefault(key, {**describe_claim(labels, r["row"]), "target": t["name"], "models": [],
                                          "verdict": r["verdict"], "observed": r.get("observed", ""),
                                          "documented": r.get("documented", ""),
                                          "reason": first_line(contradiction_first(r["reason"]) if into is
                                                               contradictions else r["reason"]),
                                          "links": [], "clients": [], "known": True})
            entry["known"] = entry["known"] and bool(r.get("known"))
            if (client := t["client_label"](r)) not in entry["clients"]:
                entry["clients"].append(client)
            if r["model"] not in entry["models"]:
                entry["models"].append(r["model"])
                entry["links"].append((r["model"], anchor_of.get((t["index"], r["row"].split("/", 1)[0], r["model"]))))
    not_covered: dict[tuple, dict] = {}
    disagree: dict[tuple, dict] = {}
    for table in tables:
        for row in table["rows"]:
            for c in row["cells"]:
                claim = row["claim"] or f"{table['table']['id']}.{row['row']['id']}.{c.get('column')}"
                if c["disagree"]:
                    entry = disagree.setdefault((c["target_index"], claim), {
                        **describe_claim(labels, claim), "target": c["target"], "models": [], "links": [],
                        "clients": {}})
                    entry["models"].append(c["model"])
                    entry["links"].append((c["model"], c["anchor"]))
                    for client in c["clients"]:
                        entry["clients"].setdefault(client["name"], set()).add(client["verdict"])
                if c["verdict"] == NOT_COVERED and row["claim"]:
                    entry = not_covered.setdefault((c["target_index"], row["claim"]), {
                        **describe_claim(labels, row["claim"]), "target": c["target"], "models": [], "links": []})
                    entry["models"].append(c["model"])
                    entry["links"].append((c["model"], c["anchor"]))

    # One line per client and what it could not use, naming the rows whose probes met it.
    breaks: dict[tuple, dict] = {}
    for t in targets:
        for r in t["results"]:
            if r.get("client_problem"):
                client, _, problem = r["client_problem"].partition(": ")
                entry = breaks.setdefault((t["index"], client, first_line(problem)), {
                    **describe_claim(labels, r["row"]), "target": t["name"], "client": client, "models": [],
                    "links": [], "problem": first_line(problem), "rows": []})
                label = describe_claim(labels, r["row"])
                row = label["label"] + (f" ({label['variant']})" if label["variant"] else "")
                if row not in entry["rows"]:
                    entry["rows"].append(row)
                if r["model"] not in entry["models"]:
                    entry["models"].append(r["model"])
                    anchor = anchor_of.get((t["index"], r["row"].split("/", 1)[0], r["model"]))
                    entry["links"].append((r["model"], anchor))
    for entry in disagree.values():
        entry["clients"] = [(name, sorted(verdicts)) for name, verdicts in sorted(entry["clients"].items())]

    def ordered(entries: dict) -> list[dict]:
        return sorted(entries.values(), key=lambda e: (e["target"], order.get(e["claim"], len(order)), e["claim"],
                                                       e.get("client", "")))

    return {"differs": ordered(differs), "undecided": ordered(undecided), "not_covered": ordered(not_covered),
            "disagree": ordered(disagree), "breaks": ordered(breaks), "contradictions": ordered(contradictions)}


def diff_view(changes: list[Change], targets: list[dict], labels: dict, anchor_of: dict) -> list[dict]:
    """Changes against the baseline, one line per kind, target and claim (its models linked)."""
    index = {t["name"]: t["index"] for t in targets}
    lines: dict[tuple, dict] = {}
    for c in changes:
        line = lines.setdefault((c.kind, c.target, c.claim, c.before, c.after), {
            **describe_claim(labels, c.claim), "kind": c.kind, "meaning": KINDS[c.kind], "target": c.target,
            "before": c.before or "absent", "after": c.after or "absent", "reason": c.reason,
            "regression": c.is_regression, "models": [], "links": []})
        line["models"].append(c.model)
        line["links"].append((c.model, anchor_of.get((index.get(c.target), c.claim.split("/", 1)[0], c.model))))
    return list(lines.values())


def cell_counts(tables: list[dict], target: dict) -> dict[str, int]:
    counts = {v: 0 for v in CELL_VERDICTS}
    for table in tables:
        for row in table["rows"]:
            for c in row["cells"]:
                if c["target_index"] == target["index"] and c["verdict"] in counts:
                    counts[c["verdict"]] += 1
    return counts


def build_view(documents: list[dict], sources: list[list[str]] | None = None, changes: list[Change] | None = None,
               baseline: str | None = None) -> dict:
    """Everything the template shows. `documents`: one results document per target (runs of the
    same target merged already); `sources`: the files each came from."""
    sources = sources or [[] for _ in documents]
    docs = documents[0]["docs"]
    # Claims decided from every other row (Heroku's other pages): derived here, never in results.json.
    documents = [{**doc, "results": doc["results"] + roll_up(doc["results"], docs)} for doc in documents]
    targets = [target_view(i, doc, src) for i, (doc, src) in enumerate(zip(documents, sources, strict=True))]
    by_cell: dict[tuple, list] = defaultdict(list)
    for t in targets:
        for r in t["results"]:
            # A variant (`advanced.response_format/json_schema`) is shown in its row's cell.
            by_cell[(t["index"], r["row"].split("/", 1)[0], r["model"])].append(r)
    anchors, bodies = Anchors(), Bodies()
    tables = [{"table": table, "rows": table_rows(table, docs, targets, by_cell, anchors, bodies)}
              for table in docs["tables"]]
    anchor_of = {}
    for table in tables:
        for row in table["rows"]:
            for c in row["cells"]:
                claim = row["claim"] or f"{table['table']['id']}.{row['row']['id']}.{c.get('column')}"
                anchor_of[(c["target_index"], claim, c["model"])] = c["anchor"]
    labels = claim_labels(docs)
    for t in targets:
        t["coverage"] = [coverage(table["table"], table["rows"], t) for table in tables]
        t["documented"] = sum(c["documented"] for c in t["coverage"])
        t["decided"] = sum(c["decided"] for c in t["coverage"])
        t["counts"] = cell_counts(tables, t)
    models = list(dict.fromkeys(m for t in targets for m in t["models"]))
    # Whether the page holds any answer of Heroku's own (recorded or live): without one, it says so first.
    observed_heroku = any(t["name"] == "heroku" and any(r["verdict"] != "not recorded" and r.get("case_id") != ROLLED_UP
                                                        for r in t["results"]) for t in targets)
    other_docs = [t["name"] for t, doc in zip(targets, documents, strict=True) if doc["docs"] != docs]
    return {
        "other_docs": other_docs, "observed_heroku": observed_heroku,
        "docs": docs, "targets": targets, "tables": tables, "models": models, "drift": drift(targets, tables, labels,
                                                                                            anchor_of, docs),
        "changes": diff_view(changes or [], targets, labels, anchor_of) if changes is not None else None,
        "baseline": baseline, "symbols": SYMBOLS, "legend": LEGEND, "cell_verdicts": CELL_VERDICTS,
        "css_class": css_class, "bodies": bodies.json(),
        "columns": [(t, m) for t in targets for m in t["models"]],
    }


# Jinja's own cache of the compiled template (a folder of the user's under the system's temporary
# one): each run after the first skips compiling it, a tenth of a second of the report's start.
ENV = Environment(loader=PackageLoader("conformance.report", "templates"), bytecode_cache=FileSystemBytecodeCache(),
                  autoescape=select_autoescape(["html", "j2"]), trim_blocks=True, lstrip_blocks=True)
ENV.filters["when"] = when


def render(data: dict | list[dict], sources: list[list[str]] | None = None, changes: list[Change] | None = None,
           baseline: str | None = None) -> str:
    """The page, from one results document or one per target."""
    documents = [data] if isinstance(data, dict) else data
    return render_view(build_view(documents, sources, changes, baseline))


def render_view(view: dict) -> str:
    return ENV.get_template("index.html.j2").render(**view)


def render_to_file(data: dict | list[dict], path: Path, sources: list[list[str]] | None = None,
                   changes: list[Change] | None = None, baseline: str | None = None) -> None:
    documents = [data] if isinstance(data, dict) else data
    write_view(build_view(documents, sources, changes, baseline), path)


def write_view(view: dict, path: Path) -> None:
    """The page written as the template makes it, piece by piece: the 30 MB of a 10,000-result page
    are never one string (less memory, and less time)."""
    write_chunks_atomic(path, ENV.get_template("index.html.j2").generate(**view))
