"""Named checks: pure functions from exchanges to a Finding. No pytest, no network, no globals.

Each check receives the probe exchange, the exchanges of the case's named steps (`control`, ...),
the case's `expect` values as keyword arguments, and, in explored cases, `param`, `value` and
`in_range`. Each docstring ends with a sample message of what it reports when the claim does not
hold. One module per docs table keeps each small.
"""
# importing registers their checks
from . import (  # noqa: F401,E501
    core,
    devcenter,
    errors,
    limitations,
    models,
    pages,
    parameters,
    requests,
    response,
    streaming,
    thinking,
    tools,
    vision,
)

# isort: off
from . import tool_scenarios  # noqa: F401 (a line of its own, so that branches adding modules merge)
from . import caching  # noqa: F401 (a line of its own, so that branches adding modules merge)
# isort: on
from .registry import REGISTRY, argument_problem, check

__all__ = ["REGISTRY", "argument_problem", "check"]


def __getattr__(name: str):
    """`checks.model_echoed`: any registered check by name."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise AttributeError(name) from None
