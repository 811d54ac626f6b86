"""Targets: where requests go (base URL, API key, models), resolved from cases/targets.yaml,
the command line and the environment. A target never carries its key into results or logs."""
import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from .docs import DocsTables
from .errors import ConformanceError
from .schema import load_validated


def public_url(url: str | None) -> str | None:
    """The URL without user:password@ or a query string, where credentials sometimes ride."""
    if not url:
        return url
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def url_credentials(url: str | None) -> list[str]:
    """Values in a URL that may be credentials: the password of user:password@, and query values
    long enough to be tokens (a user name or `?v=1` would only mangle ordinary text)."""
    if not url:
        return []
    parts = urlsplit(url)
    found = [parts.password] if parts.password else []
    found += [value for _, value in parse_qsl(parts.query) if len(value) >= 8]
    return found


@dataclass(frozen=True)
class Target:
    name: str
    base_url: str | None            # None: the reference server is to be started locally
    api_key: str | None = field(repr=False)
    key_source: str                 # where the key comes from, for error messages
    models: tuple[str, ...]

    @property
    def public_url(self) -> str | None:
        """The base URL safe to print: no user:password@, no query string."""
        return public_url(self.base_url)

    @property
    def secrets(self) -> list[str]:
        """The key, and any credential riding in the base URL (a password, query values)."""
        return ([self.api_key] if self.api_key else []) + url_credentials(self.base_url)


def _join(url: str, base_path: str) -> str:
    url = url.rstrip("/")
    return url if url.endswith(base_path.rstrip("/")) else url + base_path.rstrip("/")


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
) -> Target:
    """The target called `name`; an unknown name with --base-url is an ad-hoc OpenAI-compatible server."""
    known = load_validated(targets_file, "targets")["targets"]
    spec = known.get(name)
    if spec is None and not base_url:
        raise ConformanceError(
            f"unknown target '{name}' (known in {targets_file}: {', '.join(known)}); "
            f"to test another server pass --base-url URL"
        )
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

    url = base_url
    if url is None:
        url_var = var("url_env")
        if url_var:
            url = environ.get(url_var) or None
            if url is None and need_url:
                raise ConformanceError(f"target '{name}' needs {url_var} set (or pass --base-url)")
            url = _join(url, spec.get("base_path", "")) if url else None
        elif spec.get("url"):
            url = _join(spec["url"], spec.get("base_path", ""))
    key_var = api_key_env or var("key_env")
    if key_var:
        key, source = environ.get(key_var) or None, f"${key_var}"
    else:
        key, source = spec.get("key"), f"the '{name}' entry of {targets_file.name}"

    chosen = list(models or [])
    if not chosen and var("model_env") and environ.get(var("model_env")):
        chosen = [environ[var("model_env")]]  # an attachment with a model id is for that model
    if not chosen:
        chosen = docs.model_ids if spec.get("models", "docs") == "docs" else list(spec["models"])
    return Target(name=name, base_url=url, api_key=key, key_source=source, models=tuple(chosen))
