"""Case files become ordinary pytest tests: one function per case, parametrized over models.

A case file is collected as a pytest Module whose namespace is built from the YAML instead of
imported, so each case is a plain test function (`cases/core.yaml::temperature[claude-4-5-haiku]`,
and through a Node.js client `…[claude-4-5-haiku@openai-node]`) and markers, -k, fixtures and
Hypothesis work as they do for any test.
"""
import types

import pytest

from .cases import Case
from .session import test_param_id


def make_test_function(case: Case, models: list[str], sdks: list[str]):
    def run_case(conformance, model, sdk, request):
        conformance.run_test(case, model, request.node.nodeid, sdk)

    run_case.__name__ = case.id
    run_case.__qualname__ = case.id
    run_case.__doc__ = case.title
    run_case.__test__ = True  # collected by name from the YAML, whatever python_functions says
    pairs = [(model, sdk) for model in models for sdk in sdks]
    ids = [test_param_id(model, sdk) for model, sdk in pairs]
    marks = [pytest.mark.parametrize(("model", "sdk"), pairs, ids=ids), pytest.mark.conformance]
    # `xfail` is not pytest's here: what a difference means is decided by the library (expectations.py).
    marks += [getattr(pytest.mark, name) for name in case.marks if name != "xfail"]
    run_case.pytestmark = marks
    return run_case


class CaseFile(pytest.Module):
    """A YAML case file, presented to pytest as a module of generated test functions."""

    def _getobj(self):
        state = self.config.stash[STATE_KEY]
        module = types.ModuleType(f"conformance_cases.{self.path.stem}")
        module.__file__ = str(self.path)
        for case in state.cases_in(self.path):
            models = [m for m in state.target.models if state.runs(case, m)]
            setattr(module, case.id, make_test_function(case, models, state.sdks))
        return module


STATE_KEY = pytest.StashKey()
