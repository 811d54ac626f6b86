"""Targets: where requests go (base URL, API key, models), how to start the server when it is
local, which features its models have and which documented claims apply to it.

Profiles are data (cases/targets.yaml, schema conformance/schemas/targets.schema.json); the
command line and the environment fill in the rest. Any other server is an ad-hoc target
(`--target NAME --base-url URL --models a,b`); recording it leaves cassettes/NAME/target.json, so
replaying it later needs neither the URL nor the models. A target never carries its key into
results or logs.
"""
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from .atomic import write_text_atomic
from .docs import OBSERVE_ONLY, DocsTables
from .errors import ConformanceError
from .model_env import ModelEnv
from .schema import load_validated
from .wire.cassettes import safe_name
from .wire.urls import join_url, public_url, url_credentials

# Which documented claims apply to a target.
CLAIMS_HEROKU = "heroku"              # Heroku's tables with Heroku's levels
CLAIMS_OBSERVE_ONLY = OBSERVE_ONLY    # nothing is held against Heroku's docs: every verdict is inconclusive
CLAIMS_MODES = (CLAIMS_HEROKU, CLAIMS_OBSERVE_ONLY)
MANIFEST = "target.json"  # cassettes/<target>/target.json: what replay needs to know of a recorded target
PORT_PLACEHOLDER, KEY_PLACEHOLDER = "{port}", "{key}"


@dataclass(frozen=True)
class StartSpec:
    """How to start a local server: `{port}` and `{key}` are substituted in command and env."""
    command: tuple[str, ...]
    port: int | None = None       # None: a free loopback port, chosen at start
    ready: str = "/v1/models"     # GET this path until it answers 2xx
    ready_timeout: float = 60.0   # seconds
    env: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Target:
    name: str
    base_url: str | None            # None: replay, or a local server not started yet
    api_key: str | None = field(repr=False)
    key_source: str                 # where the key comes from, for error messages
    models: tuple[str, ...]
    start: StartSpec | None = None
    base_path: str = ""
    claims: str = CLAIMS_HEROKU
    features: dict = field(default_factory=dict)  # model-table column -> bool, for the profile's own models
    own_models: tuple[str, ...] = ()  # models the profile lists itself: judged from `features`, not Heroku's rows
    profile: str | None = None      # where the target was described: "cases/targets.yaml", a manifest, or None
    # Claims (or rows) where this server is known to differ from the docs, each with why: its tests are
    # expected failures, so a run fails only when what it shows changes.
    known_differences: dict = field(default_factory=dict)
    # Models the service lists that the docs' table lacks (conformance/beyond.py): the model table's cases only.
    beyond: tuple[str, ...] = ()
    # A target configured from an add-on's config vars (`model_env`): the model id variable, and what it held.
    model_env: ModelEnv | None = None

    @property
    def models_are_the_docs_table(self) -> bool:
        return bool(self.profile) and not self.own_models

    @property
    def public_url(self) -> str | None:
        """The base URL safe to print: no user:password@, no query string."""
        return public_url(self.base_url)

    @property
    def secrets(self) -> list[str]:
        """The key, and any credential riding in the base URL (a password, query values)."""
        return ([self.api_key] if self.api_key else []) + url_credentials(self.base_url)

    def describe(self) -> dict:
        """What the results record about the target: which profile, which claims, which features."""
        return {"profile": self.profile, "claims": self.claims, "features": dict(self.features),
                "own_models": list(self.own_models), "beyond_the_table": list(self.beyond),
                **({"model_env": self.model_env.as_manifest()} if self.model_env and self.model_env.known else {})}


def load_profiles(targets_file: Path, docs: DocsTables) -> dict[str, dict]:
    """Every profile of the file, checked: the schema, then what a schema cannot say. One line per problem."""
    profiles = load_validated(targets_file, "targets")["targets"]
    for name, spec in profiles.items():
        problem = _profile_problem(spec, docs.model_columns()) or _known_differences_problem(spec, docs)
        if problem:
            raise ConformanceError(f"{targets_file}: target '{name}': {problem}")
    return profiles


def _profile_problem(spec: dict, columns: list[str]) -> str | None:
    if not any(k in spec for k in ("url", "url_env", "start")):
        return "names no url, url_env or start: there is no way to reach it"
    unknown = sorted(set(spec.get("features", {})) - set(columns))
    if unknown:
        return (f"unknown feature(s) {', '.join(unknown)}: features are the docs' model-table columns "
                f"({', '.join(columns)})")
    if spec.get("features") and spec.get("models", "docs") == "docs":
        return ("features describe the profile's own models: list them under models (with models: docs, "
                "Heroku's model table says what each model has)")
    start = spec.get("start")
    said = [*start["command"], *map(str, start.get("env", {}).values())] if start else []
    if start and start.get("port", "auto") == "auto" and not any(PORT_PLACEHOLDER in word for word in said):
        return (f"start never says {PORT_PLACEHOLDER} (in command or env): with port: auto the server must be "
                "told its port")
    return None


def _known_differences_problem(spec: dict, docs: DocsTables) -> str | None:
    """A known difference names a claim that exists for the profile's models, or a case (checked
    when the cases are loaded)."""
    own = [] if spec.get("models", "docs") == "docs" else spec["models"]
    claims = set(docs.claims) | {f"models.{model}.{column}" for model in own for column in docs.model_columns()}
    unknown = sorted(key for key in spec.get("known_differences", {}) if "." in key and key not in claims)
    if unknown:
        return f"known_differences names no docs claim: {', '.join(unknown)} (claims are listed in docs-tables.yaml)"
    return None


def parse_features(text: str, docs: DocsTables) -> dict:
    """--features thinking=false,vision=true -> {"thinking": False, "vision": True}: columns of the
    docs' model table other than the SDK's, each true or false. One-line error otherwise."""
    columns = [c for c in docs.model_columns() if c != "sdk"]
    features = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        column, _, value = part.partition("=")
        column, value = column.strip(), value.strip().lower()
        if column not in columns:
            raise ConformanceError(f"--features: unknown feature '{column}': features are {', '.join(columns)}")
        if value not in ("true", "false"):
            raise ConformanceError(f"--features: {column}={value or '?'}: say true or false")
        features[column] = value == "true"
    if not features:
        raise ConformanceError(f"--features names no feature: e.g. --features {columns[0]}=false")
    return features


def start_spec(spec: dict) -> StartSpec:
    port = spec.get("port", "auto")
    return StartSpec(command=tuple(spec["command"]), port=None if port == "auto" else int(port),
                     ready=spec.get("ready", "/v1/models"), ready_timeout=float(spec.get("ready_timeout", 60)),
                     env=tuple((k, str(v)) for k, v in spec.get("env", {}).items()))


def manifest_path(cassette_dir: Path, name: str) -> Path:
    return cassette_dir / safe_name(name) / MANIFEST


def write_manifest(cassette_dir: Path, target: Target, image_base_url: str | None = None,
                   model_env_by_model: dict | None = None) -> None:
    """Beside a target's cassettes: what replaying them needs (the models; for an ad-hoc target the
    rest too; the image host its cases by URL were recorded with, when it was not the suite's own;
    what the add-on's INFERENCE_MODEL_ID held, for a target configured from it)."""
    data = {"target": target.name, "models": list(target.models), "claims": target.claims,
            "features": dict(target.features), "own_models": list(target.own_models), "profile": target.profile}
    if target.model_env is not None:
        data["model_env"] = target.model_env.as_manifest()
        data["model_env_by_model"] = model_env_by_model
    if image_base_url:
        data["image_base_url"] = image_base_url
    write_text_atomic(manifest_path(cassette_dir, target.name), json.dumps(data, indent=1) + "\n")


def read_manifest(cassette_dir: Path, name: str) -> dict | None:
    path = manifest_path(cassette_dir, name)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as err:
        raise ConformanceError(f"{path}: not a readable target manifest ({err})") from None
    if not isinstance(data, dict) or not isinstance(data.get("models"), list) or data.get("claims") not in CLAIMS_MODES:
        raise ConformanceError(f"{path}: not a target manifest (models and claims are missing or wrong)")
    return data


def recorded_targets(cassette_dir: Path) -> list[str]:
    """Targets with cassettes under cassette_dir (folders holding at least one cassette)."""
    if not cassette_dir.is_dir():
        return []
    return sorted(p.name for p in cassette_dir.iterdir()
                  if p.is_dir() and next(p.glob("*/*/*.yaml"), None) is not None)


def resolve_target(
    targets_file: Path,
    docs: DocsTables,
    name: str,
    base_url: str | None = None,
    api_key_env: str | None = None,
    models: list[str] | None = None,
    env_prefix: str | None = None,
    need_url: bool = True,
    environ=os.environ,
    cassette_dir: Path | None = None,
    features: dict | None = None,
) -> Target:
    """The target called `name`: a profile, an ad-hoc server given by --base-url, or (replay only)
    an ad-hoc target recorded earlier, known from its cassettes' manifest. `features` (--features)
    describe an ad-hoc target's models that the docs' table does not list."""
    known = load_profiles(targets_file, docs)
    spec = known.get(name)
    if spec is not None and features is not None:
        raise ConformanceError(f"--features describes an ad-hoc target's models; target '{name}' is a profile "
                               f"in {targets_file.name}, whose `features` say what its models have")
    profile = targets_file.as_posix() if spec is not None else None
    manifest = read_manifest(cassette_dir, name) if spec is None and not need_url and cassette_dir else None
    if spec is None and manifest is not None:
        spec = {"key": "", "models": manifest["models"] if manifest["own_models"] else "docs",
                "claims": manifest["claims"], "features": manifest.get("features") or {},
                "own_models": manifest["own_models"]}
        models = models or manifest["models"]
        profile = manifest_path(cassette_dir, name).as_posix()
    recorded = [t for t in recorded_targets(cassette_dir) if t not in known] if cassette_dir else []
    replaying_recorded = not need_url and spec is None and name in recorded  # an older recording: no manifest
    if spec is None and not base_url and not replaying_recorded:
        also = f"; recorded: {', '.join(recorded)}" if recorded else ""
        raise ConformanceError(
            f"unknown target '{name}' (known in {targets_file}: {', '.join(known)}{also}); "
            f"to test another server pass --base-url URL"
        )
    if replaying_recorded and not models:
        raise ConformanceError(f"target '{name}' has cassettes but no {manifest_path(cassette_dir, name)}: "
                               "name the models to replay with --models a,b")
    if spec is None and not models:
        raise ConformanceError(f"target '{name}' is not in {targets_file.name}: name the models to test with "
                               "--models a,b (Heroku's model ids mean nothing to another server)")
    spec = dict(spec or {"key_env": "OPENAI_API_KEY", "base_path": ""})
    prefix = env_prefix or spec.get("env_prefix")

    def var(field_name: str) -> str | None:
        default = spec.get(field_name)
        if default and prefix and spec.get("env_prefix") and default.startswith(spec["env_prefix"] + "_"):
            return prefix + default[len(spec["env_prefix"]):]  # INFERENCE_URL -> INFERENCE_4_URL
        return default

    base_path = spec.get("base_path", "")
    url = base_url
    if url is None:
        url_var = var("url_env")
        if url_var:
            url = environ.get(url_var) or None
            if url is None and need_url and not spec.get("start"):  # with start:, the suite starts it instead
                raise ConformanceError(f"target '{name}' needs {url_var} set (or pass --base-url)")
            url = join_url(url, base_path) if url else None
        elif spec.get("url"):
            url = join_url(spec["url"], base_path)
    key_var = api_key_env or var("key_env")
    if key_var:
        key, source = environ.get(key_var) or None, f"${key_var}"
    else:
        key, source = spec.get("key"), f"the '{name}' entry of {targets_file.name}"

    chosen = list(models or [])
    model_env = ModelEnv(var("model_env"), environ.get(var("model_env")) or None) if var("model_env") else None
    if not chosen and model_env and model_env.model:
        chosen = [model_env.model]  # an attachment with a model id is for that model
    listed = spec.get("models", "docs")
    own = () if listed == "docs" or profile is None else tuple(listed)
    if not chosen:
        chosen = docs.model_ids if listed == "docs" else list(listed)
    if "own_models" in spec:  # an ad-hoc target replayed from its manifest
        own = tuple(spec["own_models"])
    elif profile is None:  # ad-hoc: the models the docs' table lacks are described by --features (or unknown)
        own = tuple(m for m in chosen if docs.model_row(m) is None)
        spec["features"] = dict(features or {})
    return Target(name=name, base_url=url, api_key=key, key_source=source, models=tuple(chosen),
                  start=start_spec(spec["start"]) if spec.get("start") else None, base_path=base_path,
                  claims=spec.get("claims", CLAIMS_HEROKU), features=dict(spec.get("features", {})),
                  own_models=own, profile=profile, known_differences=dict(spec.get("known_differences", {})),
                  model_env=model_env)
