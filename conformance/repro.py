"""A live run's failing explored values, written out as YAML cases that reproduce them.

Random draws and the boundary search happen only in live and record runs, so a value that made a
claim differ there would be lost with the run. Each such case is written to `<results dir>/repro/`
as an ordinary case file: copy it into cases/, record it, and the failure replays for good.
"""
from pathlib import Path

import yaml

from .atomic import write_text_atomic
from .cases import Case
from .explore import boundary_values
from .verdicts import DIFFERS

HEADER = ("# yaml-language-server: $schema=../../conformance/schemas/cases.schema.json\n"
          "# Written by a {mode} run against '{target}' on {when}: it reproduces explored values that\n"
          "# differed from the docs. Copy it into cases/, then record it:\n"
          "#   python3 -m nox -s record -- --target {target}\n")


def failing_values(case: Case, results: list) -> tuple[list, list]:
    """(values, models) of this case's explored values that differed and are not fixed examples."""
    if case.explore is None:
        return [], []
    fixed = boundary_values(case.explore)
    values, models = [], []
    for r in results:
        value = r.params.get(case.explore.param)
        if r.case_id == case.id and r.verdict == DIFFERS and value is not None and value not in fixed:
            values += [value] if value not in values else []
            models += [r.model] if r.model not in models else []
    return sorted(values), models


def repro_case(case: Case, values: list, models: list) -> dict:
    explore = {"param": case.explore.param, "type": case.explore.type, "min": case.explore.min,
               "max": case.explore.max, "step": case.explore.step, "examples": values}
    raw = {"id": f"{case.id}-repro", "rows": list(case.rows),
           "title": f"{case.title} (reproduces {case.explore.param} = {', '.join(map(str, values))})",
           "models": models, "request": case.request, "check": case.check, "explore": explore}
    if case.steps:
        raw["steps"] = [{"name": s.name, "overrides": s.overrides, **({"repeat": s.repeat} if s.repeat > 1 else {}),
                         **({"transport": s.transport} if s.transport else {}),
                         **({"after": s.after, "append": list(s.append)} if s.after else {})} for s in case.steps]
    if case.expect:
        raw["expect"] = case.expect
    return raw


def write_repros(cases: list[Case], results: list, folder: Path, mode: str, target: str, when: str) -> list[Path]:
    written = []
    for case in cases:
        values, models = failing_values(case, results)
        if not values:
            continue
        path = folder / f"{case.id}-repro.yaml"
        text = HEADER.format(mode=mode, target=target, when=when) + yaml.safe_dump(
            {"cases": [repro_case(case, values, models)]}, sort_keys=False, allow_unicode=True, width=100)
        write_text_atomic(path, text)
        written.append(path)
    return written
