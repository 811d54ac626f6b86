"""A run killed before it wrote its results (SIGKILL, a crashed machine) left its shards and
run.json in reports/runs/<id>/: this turns them into a results document marked interrupted."""
import json
from pathlib import Path

from ..errors import ConformanceError
from ..row_decisions import decide_partial_rows
from ..throttled_rows import decide_back_off_rows, promise_from_data
from . import document
from .shards import read_shards


def rebuild_from_run(run_dir: Path) -> dict:
    try:
        meta = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ConformanceError(f"{run_dir}: not a run folder (no readable run.json: {err})") from None
    results = read_shards(run_dir)
    levels = meta["docs"].get("levels", {})
    decide_partial_rows(results, {level: spec["promise"] for level, spec in levels.items()})
    decide_back_off_rows(results, promise_from_data(meta["docs"]))
    run = {**meta["run"], "status": "interrupted", "rebuilt_from": run_dir.as_posix()}
    data = document(run, meta["docs"], results)
    return data
