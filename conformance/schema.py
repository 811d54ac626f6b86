"""Load a YAML data file and validate it against a JSON Schema shipped inside the package."""
import json
from functools import cache
from importlib import resources
from pathlib import Path

import jsonschema
import yaml

from .errors import ConformanceError


@cache
def schema(name: str) -> dict:
    text = resources.files("conformance").joinpath("schemas", f"{name}.schema.json").read_text()
    return json.loads(text)


def load_yaml(path: Path) -> object:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except OSError as err:
        raise ConformanceError(f"{path}: cannot read: {err.strerror}") from None
    except UnicodeDecodeError as err:
        raise ConformanceError(f"{path}: not UTF-8 text (byte {err.object[err.start]:#04x} at offset "
                               f"{err.start})") from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise ConformanceError(f"{path}:{where} invalid YAML: {problem}") from None


def _short(value, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe(error: jsonschema.ValidationError, skip: int = 0) -> str:
    """'cases[2].request.max_tokens: 'x' is not of type ...' in one line (minus `skip` path parts)."""
    parts = list(error.absolute_path)[skip:]
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts).lstrip(".")
    message = error.message
    if error.validator == "type":  # the message would repeat the whole value, however big
        wanted = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        message = f"{_short(error.instance)} is not of type {', '.join(map(repr, wanted))}"
    if error.validator == "not" and list(error.validator_value) == ["required"]:
        message = f"may not set {', '.join(map(repr, error.validator_value['required']))} here"
    if error.validator == "additionalProperties":
        message = message.replace("Additional properties are not allowed", "unknown key(s)")
    message = message if len(message) <= 300 else message[:299] + "…"
    return f"{where}: {message}" if where else message


def first_error(data: object, schema_name: str) -> jsonschema.ValidationError | None:
    validator = jsonschema.Draft202012Validator(schema(schema_name))
    errors = sorted(validator.iter_errors(data), key=lambda e: (list(e.absolute_path).__len__(), str(e.path)))
    return errors[0] if errors else None


def load_validated(path: Path, schema_name: str) -> dict:
    data = load_yaml(path)
    error = first_error(data, schema_name)
    if error is not None:
        raise ConformanceError(f"{path}: {describe(error)}")
    return data
