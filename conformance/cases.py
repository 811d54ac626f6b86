"""Cases as data: load every case file, validate it, and reject bad cases before any request.

Every problem is one line: `<file>: case '<id>': <what is wrong>`.
"""
import difflib
import inspect
from dataclasses import dataclass, field
from pathlib import Path

from . import checks
from .docs import DocsTables
from .errors import ConformanceError
from .exchange import Exchange
from .schema import describe, first_error, load_yaml
from .wire.headers import headers_problem

DOCS_TABLES_FILE = "docs-tables.yaml"
TARGETS_FILE = "targets.yaml"
NOT_CASE_FILES = {DOCS_TABLES_FILE, TARGETS_FILE}


@dataclass(frozen=True)
class Explore:
    param: str
    type: str
    min: float
    max: float
    step: float
    source: str = ""
    examples: tuple = ()   # values probed beside the boundaries (e.g. a reproduced live failure)


@dataclass(frozen=True)
class Step:
    """A request sent after the probe: the probe with `overrides` applied, `repeat` times. A step
    with `after` is built from the answer to an earlier request (see conformance/plan.py)."""
    name: str
    overrides: dict
    repeat: int = 1
    transport: dict = field(default_factory=dict)
    after: str | None = None      # "probe", or an earlier step's name
    append: tuple = ()            # assistant_answer, {tool_results: {...}}, {message: {...}}


@dataclass(frozen=True)
class Case:
    id: str
    file: Path
    title: str
    rows: tuple[str, ...]
    request: dict
    check: str
    expect: dict = field(default_factory=dict)
    steps: tuple[Step, ...] = ()
    models: tuple[str, ...] | None = None
    marks: tuple[str, ...] = ()
    explore: Explore | None = None
    own_models: bool = True  # whether a target's own models run it (see Session.runs)

    @property
    def control(self) -> dict | None:
        """The overrides of the step named `control`, if the case has one."""
        return next((s.overrides for s in self.steps if s.name == "control"), None)

    def applies_to(self, model: str) -> bool:
        return self.models is None or model in self.models


def case_files(cases_dir: Path) -> list[Path]:
    return sorted(p for p in cases_dir.rglob("*.yaml") if p.name not in NOT_CASE_FILES)


def _fail(path: Path, case_id: str | None, problem: str) -> ConformanceError:
    who = f"case '{case_id}': " if case_id else ""
    return ConformanceError(f"{path}: {who}{problem}")


def _case_id_at(data: object, error_path: list) -> str | None:
    if len(error_path) >= 2 and error_path[0] == "cases" and isinstance(data, dict):
        try:
            return data["cases"][error_path[1]].get("id")
        except (IndexError, AttributeError, KeyError, TypeError):
            return None
    return None


def _suggest(name: str, known) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _steps(path: Path, raw: dict) -> tuple[Step, ...]:
    """`control:` is shorthand for a step named control; `steps:` declares any others."""
    steps = [Step("control", raw["control"])] if "control" in raw else []
    for s in raw.get("steps", []):
        steps.append(Step(s["name"], s.get("overrides", {}), s.get("repeat", 1), s.get("transport", {}),
                          s.get("after"), tuple(s.get("append", ()))))
    for step in steps:
        if "headers" in step.transport and (problem := headers_problem(step.transport["headers"])):
            raise _fail(path, raw["id"], f"step '{step.name}': transport: {problem}")
    names = [s.name for s in steps]
    for name in names:
        if name in ("probe", "param", "value", "in_range") or names.count(name) > 1:
            raise _fail(path, raw["id"], f"step name '{name}' is reserved or used twice")
    if problem := _dependent_problem(raw, steps):
        raise _fail(path, raw["id"], problem)
    return tuple(steps)


def _tool_names(request: dict) -> set[str]:
    return {str((t.get("function") or {}).get("name")) for t in request.get("tools") or [] if isinstance(t, dict)}


def _dependent_problem(raw: dict, steps: list[Step]) -> str | None:
    """Why a step built from an earlier answer (`after:`) cannot be built as declared, or None."""
    sent_before = {"probe": Step("probe", {})}
    for step in steps:
        if step.after is not None:
            what = f"step '{step.name}' (after '{step.after}')"
            previous = sent_before.get(step.after)
            if previous is None:
                return f"{what}: no request named '{step.after}' is sent before it (the probe or an earlier step)"
            if previous.repeat > 1:
                return f"{what}: '{step.after}' is repeated, so which of its answers to build on is unclear"
            if {**raw["request"], **previous.overrides}.get("stream"):
                return f"{what}: '{step.after}' is streamed; build steps on plain answers"
            if step.transport:
                return f"{what}: it is sent as a chat completion built from that answer: remove `transport:`"
            if "messages" in step.overrides:
                return f"{what}: its messages are those of '{step.after}' and `append:`: remove `messages` " \
                       "from `overrides:`"
            declared = _tool_names({**raw["request"], **step.overrides})
            for item in step.append:
                unknown = sorted(set(item.get("tool_results", {}) if isinstance(item, dict) else ()) - declared)
                if unknown:
                    return f"{what}: tool_results for {', '.join(unknown)}, which the request does not declare " \
                           f"(declared: {', '.join(sorted(declared)) or 'none'})"
        sent_before[step.name] = step
    return None


def _may_be_unsent(check, steps: tuple[Step, ...]) -> str | None:
    """A step built from an earlier answer is not sent when that answer made no tool call: the
    check must take it as `Exchange | None` (a repeated one comes as an empty list)."""
    params = inspect.signature(check).parameters
    for step in steps:
        if step.after is not None and step.repeat == 1 and params[step.name].annotation is Exchange:
            return (f"step '{step.name}' is built from an earlier answer and may not be sent: check "
                    f"'{check.__name__}' must take it as `{step.name}: Exchange | None`")
    return None


def _expect_error(path: Path, raw: dict) -> tuple[str, dict]:
    """`expect_error:` declares the error a case's `refused` step must get, as test262's `negative:`
    does: it stands for `check: error_contract` with these arguments, each a list of what is accepted."""
    if "expect_error" not in raw:
        if "check" not in raw:
            raise _fail(path, raw["id"], "needs `check:` (or `expect_error:` for a request that must be refused)")
        return raw["check"], raw.get("expect", {})
    for key in ("check", "expect"):
        if key in raw:
            raise _fail(path, raw["id"], f"`expect_error:` stands for the check error_contract and its arguments: "
                                         f"remove `{key}:`")
    error = raw["expect_error"]

    def as_list(value):
        return None if value is None else list(value) if isinstance(value, list) else [value]

    expect = {"status": as_list(error["status"])}
    for ours, theirs in (("error_type", "type"), ("sdk_exception", "sdk_exception")):
        if theirs in error:
            expect[ours] = as_list(error[theirs])
    return "error_contract", expect


def _build(path: Path, raw: dict, docs: DocsTables) -> Case:
    case_id = raw["id"]
    check_name, expect = _expect_error(path, raw)
    raw = {**raw, "check": check_name, "expect": expect}
    for row in raw["rows"]:
        if problem := docs.template_problem(row):
            raise _fail(path, case_id, f"{problem}{_suggest(row, docs.claims)}; "
                                       f"rows are listed in {DOCS_TABLES_FILE}")
    check = checks.REGISTRY.get(raw["check"])
    if check is None:
        raise _fail(path, case_id, f"unknown check '{raw['check']}'{_suggest(raw['check'], checks.REGISTRY)}")
    steps = _steps(path, raw)
    problem = checks.argument_problem(check, raw.get("expect", {}), {s.name: s.repeat for s in steps},
                                      explores="explore" in raw)
    problem = problem or _may_be_unsent(check, steps)
    if problem:
        raise _fail(path, case_id, problem)
    explore = None
    if "explore" in raw:
        e = raw["explore"]
        if e["min"] >= e["max"]:
            raise _fail(path, case_id, f"explore: min {e['min']} must be below max {e['max']}")
        step = e.get("step", 1 if e["type"] == "integer" else 0.01)
        explore = Explore(e["param"], e["type"], e["min"], e["max"], step, e.get("source", ""),
                          tuple(e.get("examples", ())))
    return Case(
        id=case_id, file=path, title=raw["title"], rows=tuple(raw["rows"]), request=raw["request"],
        check=raw["check"], expect=raw.get("expect", {}), steps=steps,
        models=tuple(raw["models"]) if "models" in raw else None, marks=tuple(raw.get("marks", ())),
        explore=explore, own_models=raw.get("own_models", True),
    )


def load_case_file(path: Path, docs: DocsTables) -> list[Case]:
    data = load_yaml(path)
    error = first_error(data, "cases")
    if error is not None:
        case_id = _case_id_at(data, list(error.absolute_path))
        # With the case named, its place in the list says nothing more: drop "cases[2]".
        raise _fail(path, case_id, describe(error, skip=2 if case_id else 0))
    return [_build(path, raw, docs) for raw in data["cases"]]


def load_cases(cases_dir: Path, docs: DocsTables) -> list[Case]:
    """Every case of every file under cases_dir; ids are unique across files."""
    if not cases_dir.is_dir():
        raise ConformanceError(f"{cases_dir}: no such cases directory")
    seen: dict[str, Path] = {}
    cases: list[Case] = []
    for path in case_files(cases_dir):
        for case in load_case_file(path, docs):
            if case.id in seen:
                raise _fail(path, case.id, f"duplicate case id (also in {seen[case.id]})")
            seen[case.id] = path
            cases.append(case)
    return cases
