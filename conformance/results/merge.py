"""Merging results: shards of one run, or results files of runs split across machines (by model,
by case file). The same result twice is kept once; the same probe with two verdicts is refused."""
import json

from ..errors import ConformanceError


def result_key(r: dict) -> tuple:
    """What makes a result one: its target, its client (name and version), its test, row and values."""
    sdk = r.get("sdk") or {}
    return (r["target"], sdk.get("name"), sdk.get("version"), r["test_id"], r["row"],
            json.dumps(r.get("params") or {}, sort_keys=True))


def merge_results(sources: list[tuple[str, list[dict]]]) -> list[dict]:
    """sources: (name, results) pairs; a name says where a conflicting result came from."""
    merged: dict = {}
    where: dict = {}
    for name, results in sources:
        for r in results:
            key = result_key(r)
            if key in merged and merged[key]["verdict"] != r["verdict"]:
                values = f" {key[-1]}" if key[-1] != "{}" else ""
                raise ConformanceError(
                    f"conflicting results for {r['test_id']} {r['row']}{values} ({key[1]} {key[2]}): "
                    f"{merged[key]['verdict']} in {where[key]}, {r['verdict']} in {name}")
            if key not in merged:
                merged[key], where[key] = r, name
    return list(merged.values())


def merge_documents(named: list[tuple[str, dict]]) -> dict:
    """One results document from several (the first one's docs tables, every run's models). Each
    result keeps its target; run.targets lists each target's run and run.target names them all."""
    from . import FORMAT, VERSION, totals_of

    first = named[0][1]
    results = merge_results([(name, doc["results"]) for name, doc in named])
    runs = [doc["run"] for _, doc in named]
    models = list(dict.fromkeys(m for run in runs for m in run.get("models", [])))
    statuses = {run.get("status", "completed") for run in runs}
    # Each target's own run (profile, claims mode, mode, status): results of several targets side by side.
    targets = {}
    for run_of in (each for run in runs for each in run.get("targets", [run])):  # a merged file lists its own
        mine = targets.setdefault(run_of["target"], {k: v for k, v in run_of.items()
                                                     if k not in ("narrowed", "repro_cases", "merged_from")})
        mine["models"] = list(dict.fromkeys([*mine.get("models", []), *run_of.get("models", [])]))
    run = {**first["run"], "models": models, "merged_from": [name for name, _ in named],
           "target": ", ".join(targets), "targets": list(targets.values()),
           "status": "completed" if statuses == {"completed"} else "incomplete",
           "started_at": min(run.get("started_at", "") for run in runs),
           "finished_at": max(run.get("finished_at", "") for run in runs)}
    return {"format": FORMAT, "version": VERSION, "suite_version": first.get("suite_version"), "run": run,
            "docs": first["docs"], "results": results, "totals": totals_of(results)}
