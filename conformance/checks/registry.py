"""The registry of named checks, and how a case's arguments are fitted to a check's signature."""
import inspect

from ..exchange import Exchange

REGISTRY: dict = {}
# Supplied by the runner, not by `expect`: the probe, explored values, and the case's named steps.
EXPLORED = {"param", "value", "in_range"}
# Supplied by the runner from the run itself: what it knows of the add-on's INFERENCE_MODEL_ID.
FROM_THE_RUN = {"model_env"}
# Checks whose probe is itself the minimal request to the model: a refusal is the finding, and no
# baseline request is sent to ask whether the model itself is refused.
MODEL_ITSELF: set = set()


def check(fn):
    REGISTRY[fn.__name__] = fn
    return fn


def _takes_exchanges(annotation) -> bool:
    # `Exchange | None`: a step built from an earlier answer, not sent when there was nothing to build on
    return annotation is Exchange or annotation == list[Exchange] or annotation == Exchange | None


def argument_problem(fn, expect: dict, steps: dict, explores: bool) -> str | None:
    """Why a case's `expect`/steps/`explore` do not fit the check's signature, or None.

    `steps` maps each step name the case declares (control, ...) to how many times it is sent.
    A check parameter annotated Exchange (or list[Exchange], for a repeated step) names a step.
    """
    params = inspect.signature(fn).parameters
    required = {n for n, p in params.items() if p.default is inspect.Parameter.empty}
    wanted_steps = {n for n, p in params.items() if n != "probe" and _takes_exchanges(p.annotation)}
    plain = set(params) - wanted_steps - EXPLORED - FROM_THE_RUN - {"probe"}
    unknown = sorted(set(expect) - plain)
    if unknown:
        return f"check '{fn.__name__}' takes no expect key(s) {', '.join(unknown)}"
    missing = sorted(n for n in plain & required if n not in expect)
    if missing:
        return f"check '{fn.__name__}' needs expect key(s) {', '.join(missing)}"
    for name, value in expect.items():
        wanted = params[name].annotation
        if isinstance(wanted, type) and not isinstance(value, wanted):
            return f"expect.{name} must be a {wanted.__name__}, got {value!r}"
    for name in sorted(wanted_steps & required - set(steps)):
        hint = "add `control:`" if name == "control" else f"add a step named '{name}' under `steps:`"
        return f"check '{fn.__name__}' compares against a '{name}' request: {hint}"
    for name in sorted(set(steps)):
        if name not in wanted_steps:
            return f"check '{fn.__name__}' does not look at a step named '{name}': remove it or rename it"
        repeated = params[name].annotation == list[Exchange]
        if repeated != (steps[name] > 1):
            return (f"step '{name}': check '{fn.__name__}' takes "
                    + ("a list of exchanges: set `repeat:` above 1" if repeated else "one exchange: remove `repeat:`"))
    explorer = EXPLORED <= set(params)
    if explorer and not explores:
        return f"check '{fn.__name__}' explores a range: add `explore:`"
    if explores and not explorer:
        return f"check '{fn.__name__}' cannot explore a range: remove `explore:`"
    return None
