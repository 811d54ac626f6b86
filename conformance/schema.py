"""Load a YAML data file and validate it against a JSON Schema shipped inside the package.

Validation has two paths. A schema whose keywords mean the same in every draft is compiled once by
fastjsonschema, which accepts a valid document about 30 times faster than jsonschema walks it (a
10,000-result file: most of the report's time went there). When the compiled check refuses, or a
schema uses a 2020-12 keyword, jsonschema checks in full and names the first error, so the
messages stay jsonschema's. jsonschema and yaml are imported only when needed: the report's start-up
pays for neither.
"""
from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import ConformanceError

if TYPE_CHECKING:
    import jsonschema

# Keywords fastjsonschema (drafts 4 to 7) reads as jsonschema's Draft 2020-12 does; a schema with any
# other keyword (dependentRequired, prefixItems, $ref into $defs, ...) is always checked by jsonschema.
SAME_IN_EVERY_DRAFT = {"$schema", "title", "description", "type", "properties", "required", "items", "enum",
                       "const", "additionalProperties", "minItems", "minLength", "minimum", "maximum"}
NAMES_NOT_KEYWORDS = {"properties"}  # their keys are property names, not keywords


@cache
def schema(name: str) -> dict:
    text = resources.files("conformance").joinpath("schemas", f"{name}.schema.json").read_text()
    return json.loads(text)


def keywords(node: object) -> set[str]:
    """Every keyword a schema uses, at any depth."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            found.add(key)
            if key in NAMES_NOT_KEYWORDS and isinstance(value, dict):
                for sub in value.values():
                    found |= keywords(sub)
            elif key not in ("enum", "const", "required", "description", "title"):
                found |= keywords(value)
    elif isinstance(node, list):
        for item in node:
            found |= keywords(item)
    return found


def without_prose(node: object) -> object:
    """The schema less its descriptions: the compiled code quotes each rule, so this halves its size."""
    if isinstance(node, dict):
        return {k: without_prose(v) for k, v in node.items() if k not in ("description", "title", "$schema")}
    if isinstance(node, list):
        return [without_prose(v) for v in node]
    return node


@cache
def fast_validator(name: str):
    """The compiled check of a schema, or None where only jsonschema reads it right."""
    if not keywords(schema(name)) <= SAME_IN_EVERY_DRAFT:
        return None
    import fastjsonschema

    return fastjsonschema.compile(without_prose(schema(name)))


def is_valid_fast(data: object, schema_name: str) -> bool:
    """True when the compiled check accepts data (then jsonschema would too); False when it refuses
    or there is no compiled check: only a full check can say."""
    check = fast_validator(schema_name)
    if check is None:
        return False
    try:
        check(data)
    except Exception:  # a refusal, or anything odd: jsonschema decides
        return False
    return True


def load_yaml(path: Path) -> object:
    import yaml

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
    if is_valid_fast(data, schema_name):
        return None
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema(schema_name))
    errors = sorted(validator.iter_errors(data), key=lambda e: (list(e.absolute_path).__len__(), str(e.path)))
    return errors[0] if errors else None


def load_validated(path: Path, schema_name: str) -> dict:
    data = load_yaml(path)
    error = first_error(data, schema_name)
    if error is not None:
        raise ConformanceError(f"{path}: {describe(error)}")
    return data
