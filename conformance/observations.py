"""What a results file observed, looked up by claim and model for `nox -s check`: the verdict that
matters most among the results of one target, and a link to its cell in the report beside the file.

One target is read: `heroku` when the file holds it, else the one named, else the first; whether its
verdicts are Heroku's is said with every lookup, since another server's verdicts say nothing of Heroku.
"""
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import ConformanceError
from .results import read_results, sdk_name
from .verdicts import contradiction_first

HEROKU = "heroku"
ORDER = ("differs", "agrees", "not recorded", "inconclusive")  # the report's: the verdict that matters most
PAGE = "index.html"  # the report the results file sits beside (nox -s conformance writes both)


@dataclass
class Observation:
    target: str
    verdict: str
    reason: str
    count: int             # results behind the verdict (clients, tests, explored values)
    link: str | None       # the report's cell, where the page beside the results holds it
    known: str | None = None  # why a difference was expected (a target's known difference)

    def as_dict(self) -> dict:
        return dict(vars(self))


class Observations:
    def __init__(self, path: Path, target: str, targets: list[str], results: list[dict], page_ids: dict | None):
        self.path, self.target, self.targets = path, target, targets
        self.index = targets.index(target)  # the report numbers targets in the order results name them
        self.page = path.parent / PAGE
        self.page_ids = page_ids
        self.by_cell: dict[tuple, list] = {}
        for r in results:
            if str(r["target"]) == target:
                self.by_cell.setdefault((r["row"], r["model"]), []).append(r)

    @property
    def is_heroku(self) -> bool:
        return self.target == HEROKU

    def of(self, claim: str, model: str | None, client: str | None = None, case: str | None = None
           ) -> Observation | None:
        """The observation of a claim (`table.row` or `table.row/variant`) for a model; a row's
        variants are looked at when the claim names none of them. Results through the request's own
        client, and of cases whose id holds `case` (`url`: images sent by URL; `!url`: the others),
        are preferred where there are any."""
        found = self.by_cell.get((claim, model), [])
        if not found and "/" not in claim:
            found = [r for (row, m), rs in self.by_cell.items() if m == model and row.startswith(claim + "/")
                     for r in rs]
        if case:
            wanted, keep = case.lstrip("!"), not case.startswith("!")
            found = [r for r in found if (wanted in r["case_id"]) == keep] or found
        mine = [r for r in found if client and sdk_name(r) == client]
        return self._summary(mine or found, claim, model)

    def has_case(self, claim: str, model: str, case: str) -> bool:
        return any(case in r["case_id"] for r in self.by_cell.get((claim, model), []))

    def of_any_model(self, claim: str) -> Observation | None:
        """A claim about no particular model (the error for an unknown model id): the first model's."""
        models = [m for (row, m) in self.by_cell if row == claim]
        return self.of(claim, models[0]) if models else None

    def _summary(self, found: list[dict], claim: str, model: str | None) -> Observation | None:
        if not found:
            return None
        verdict = next(v for v in ORDER + (found[0]["verdict"],) if any(r["verdict"] == v for r in found))
        first = next(r for r in found if r["verdict"] == verdict)
        reason = (first.get("reason") or "").strip().splitlines()[0] if (first.get("reason") or "").strip() else ""
        return Observation(self.target, verdict, clip(contradiction_first(reason)), len(found), self.link(claim, model),
                           first.get("known") if verdict == "differs" else None)

    def link(self, claim: str, model: str | None) -> str | None:
        """`reports/index.html#c-<target>-<claim>-<model>`, as the report makes its cell anchors
        (conformance/report/render.py, Anchors.make), when the page holds that cell."""
        row = claim.split("/", 1)[0]  # a variant is shown in its row's cell
        parts = [str(self.index), row] if row.startswith("models.") else [str(self.index), row, model or ""]
        anchor = "c-" + "-".join(re.sub(r"[^A-Za-z0-9_-]", "_", p) for p in parts)
        if self.page_ids is None or self.page_ids.get(anchor) != self.target:
            return None  # no page, or one rendered from other results: a link there would show another cell
        return f"{self.page}#{anchor}"


def clip(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def load_observations(path: Path, target: str | None = None) -> Observations:
    data = read_results(path)
    targets = list(dict.fromkeys(str(r["target"]) for r in data["results"])) or [str(data["run"].get("target"))]
    if target is not None and target not in targets:
        raise ConformanceError(f"{path}: no results of target '{target}' (it holds {', '.join(targets)})")
    chosen = target or (HEROKU if HEROKU in targets else targets[0])
    page = path.parent / PAGE
    page_ids = cell_targets(page.read_text(encoding="utf-8")) if page.is_file() else None
    return Observations(path, chosen, targets, data["results"], page_ids)


def cell_targets(page: str) -> dict[str, str]:
    """The report's cells: anchor -> the target its evidence is of (from the cell's aria-label,
    "<verdict>: <model>, <target>; open the evidence"), so that a link is only given to the cell of
    the very target the verdict was read from."""
    cells = re.findall(r'id="(c-[^"]+)"><summary aria-label="[^"]*, ([^",;]*); open the evidence"', page)
    return dict(cells)
