"""Where the model id comes from: the compatibility page's setup reads it from the add-on's
INFERENCE_MODEL_ID ("use add-on plan name"), while the model cards provision
`heroku-inference:standard`, which sets none. The row `pages.model-env` is decided only for a target
configured from the add-on's config vars (a profile with `model_env`, the heroku target): this is
what a run knows of that variable, and what can be said before anything is sent.

The id is not a secret (the key is): it is shown in reasons and kept in the cassettes' manifest, so
that a replay decides what the recording run decided.
"""
from dataclasses import dataclass

from .findings import UNCLEAR, Finding


@dataclass(frozen=True)
class ModelEnv:
    variable: str             # INFERENCE_MODEL_ID, or its spelling under --env-prefix
    model: str | None         # the id it held; None: unset
    known: bool = True        # False: replaying cassettes recorded before the manifest kept it
    # Replay: what the variable held when each model was recorded ((model, ModelEnv), ...): another
    # attachment recorded into the same cassettes later does not change what an earlier model's said.
    by_model: tuple = ()

    def as_manifest(self) -> dict:
        return {"variable": self.variable, "model": self.model}

    def for_model(self, model: str) -> "ModelEnv":
        """What the variable held when this model was recorded (replay), else what it holds."""
        return dict(self.by_model).get(model, self)

    @classmethod
    def from_manifest(cls, variable: str, recorded: dict | None, by_model: dict | None = None) -> "ModelEnv":
        if not isinstance(recorded, dict) or not isinstance(recorded.get("model"), str | None):
            return cls(variable, None, known=False)
        earlier = tuple((m, cls.from_manifest(variable, r)) for m, r in (by_model or {}).items()
                        if isinstance(m, str) and isinstance(r, dict))
        return cls(str(recorded.get("variable") or variable), recorded.get("model"), by_model=earlier)


def unset_reason(variable: str) -> str:
    return (f"no {variable}: the standard plan sets none, so the page's setup (model={variable}) can't be "
            "followed as written; pass the model id per request")


def before_sending(env: ModelEnv | None, target: str, model: str) -> Finding | None:
    """The finding of `pages.model-env` when nothing needs sending (the row cannot be decided on this
    target or model), else None: the model under test is the id the variable holds."""
    if env is None:
        return Finding(UNCLEAR, f"not applicable to target '{target}': it is not configured from an add-on's config "
                                "vars (no model_env), so there is no INFERENCE_MODEL_ID to check; decided only in a "
                                "live or record run of the heroku target")
    if not env.known:
        return Finding(UNCLEAR, f"these cassettes do not say whether {env.variable} was set when they were recorded: "
                                "record again to decide this row")
    if env.model is None:
        return Finding(UNCLEAR, unset_reason(env.variable))
    if env.model != model:
        return Finding(UNCLEAR, f"{env.variable} holds {env.model}; this test is of {model}: the row is decided on "
                                f"{env.model} only")
    return None
