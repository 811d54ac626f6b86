"""Results as they are made: each worker appends one JSON line per result to its own file in the
run's folder as soon as a test finishes, so a crash, a SIGTERM or a parallel run loses nothing that
was finished. One function reads them back, whoever wrote them."""
import dataclasses
import json
import os
from pathlib import Path

from . import Result, record

FIELDS = {f.name for f in dataclasses.fields(Result)}


def worker_name() -> str:
    """pytest-xdist's worker id (gw0, gw1, ...), or 'main' for a serial run."""
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


class ShardWriter:
    def __init__(self, folder: Path, worker: str):
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f"{worker}.jsonl"

    def append(self, results: list[Result]) -> None:
        lines = "".join(json.dumps(record(r), ensure_ascii=False) + "\n" for r in results)
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(lines)
            f.flush()


def read_shards(folder: Path) -> list[Result]:
    """Every result in the folder's shards, in file then line order. A last line cut short by a
    crash mid-write is skipped: what it held was not finished."""
    results = []
    for path in sorted(folder.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                raw = json.loads(line)
            except ValueError:
                continue
            results.append(Result(**{k: v for k, v in raw.items() if k in FIELDS}))
    return results
