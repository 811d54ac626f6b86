"""The Advanced and Metadata parameters: structured output, Ignored parameters, user and metadata.

Documented behaviour: seed, n, the penalties and logit_bias are accepted with no effect (and refused,
by name, with `allow_ignored_params: false`, in validation.py); response_format json_object and
json_schema make the answer a JSON object (an instance of the schema); user and metadata of any
shape are accepted. Each break switch of this module gives one of them the effect, or the refusal,
the docs rule out.
"""
import json
import random
import re

from .responder import text_of
from .schemas import prepared, validate_schema
from .validation import DOCUMENTED, EXTENSIONS, RequestError, bad

# "Pick a random integer between 1 and 1000000": the one prompt form the scripted model samples,
# as a real model does at a temperature above 0.
RANDOM = re.compile(r"random (?:integer|number) between (\d+) and (\d+)", re.IGNORECASE)
FORMATS = {"text", "json_object", "json_schema"}
PENALTIES = ("presence_penalty", "frequency_penalty")


def admitted(body, breaks: frozenset[str]):
    """The body as validation sees it: the switches that stop refusals drop what would be refused."""
    if not isinstance(body, dict):
        return body
    if "unknown-params" in breaks:
        body = {k: v for k, v in body.items() if k in DOCUMENTED | EXTENSIONS}
    if "allow-ignored" in breaks:
        body = {k: v for k, v in body.items() if k != "allow_ignored_params"}
    return body


def validate_parameters(body: dict, breaks: frozenset[str]) -> None:
    """The checks of this module's parameters, after validation.validate accepted the body."""
    if "user" in breaks and body.get("user") is not None:  # user: null means no user
        raise bad("user is not supported")
    metadata = body.get("metadata")
    nested = isinstance(metadata, dict) and any(isinstance(v, (dict, list)) for v in metadata.values())
    if "metadata-refused" in breaks and metadata is not None:
        raise bad("metadata is not supported")
    if "metadata" in breaks and nested:
        raise RequestError(500, "Internal Server Error", "server_error")
    # Under "Partial" only a server error (or a changed answer) differs; each shape has its switch.
    flat = isinstance(metadata, dict) and not nested
    if "metadata-strings" in breaks and flat and len(metadata) <= 8:
        raise RequestError(500, "Internal Server Error", "server_error")
    if "metadata-many-keys" in breaks and isinstance(metadata, dict) and len(metadata) > 8:
        raise RequestError(500, "Internal Server Error", "server_error")
    response_format = body.get("response_format")
    if response_format is None:
        return
    if not isinstance(response_format, dict) or response_format.get("type") not in FORMATS:
        raise bad(f"response_format.type must be one of {', '.join(sorted(FORMATS))}")
    if "response-format-refused" in breaks and response_format.get("type") != "text":
        raise bad(f"response_format {response_format.get('type')} is not supported")
    # Under "Partial" a mode that does not work is no difference; a server error is.
    if f"response-format-{response_format['type'].removeprefix('json_')}" in breaks:
        raise RequestError(500, "Failed to execute chat", "server_error")
    if response_format["type"] == "json_schema":
        spec = response_format.get("json_schema")
        if not isinstance(spec, dict) or not isinstance(spec.get("schema"), dict):
            raise bad("response_format.json_schema.schema must be an object")
        validate_schema(spec["schema"], breaks)  # the structured-output limitation (schemas.py)


def answer(body: dict, breaks: frozenset[str], text: str) -> str:
    """The scripted model's answer, given the parameters of this module."""
    last_user = next((text_of(m.get("content")) for m in reversed(body["messages"]) if m.get("role") == "user"), "")
    if (m := RANDOM.search(last_user)) and body.get("temperature") != 0:
        seeded = "seed" in breaks and body.get("seed") is not None
        sampler = random.Random(body["seed"]) if seeded else random.SystemRandom()
        text = str(sampler.randint(int(m.group(1)), max(int(m.group(1)), int(m.group(2)))))
    if any(name in breaks and (body.get(name) or 0) > 0 for name in PENALTIES):
        text = without_repeats(text)
    if "logit_bias" in breaks and (forced := forced_token(body.get("logit_bias"))):
        text = " ".join([forced] * 200)
    return structured(body.get("response_format"), breaks, text)


def without_repeats(text: str) -> str:
    """What a strong penalty does to a repetitive answer: each word said once."""
    seen, kept = set(), []
    for word in text.split():
        if word.lower() not in seen:
            seen.add(word.lower())
            kept.append(word)
    return " ".join(kept)


def forced_token(bias) -> str | None:
    """A token a positive bias of 50 or more would force, as the scripted model's tokenizer spells it."""
    strong = [token for token, value in (bias or {}).items() if isinstance(value, (int, float)) and value >= 50]
    return f"tok{strong[0]}" if strong else None


def structured(response_format, breaks: frozenset[str], text: str) -> str:
    """The answer in the requested format: JSON for json_object and json_schema."""
    kind = (response_format or {}).get("type")
    if kind == "json_object":
        return json.dumps({"answer": text})
    if kind == "json_schema":
        return json.dumps(instance(prepared(response_format["json_schema"]["schema"], breaks)))
    return text


def instance(schema: dict):
    """A value that validates against a (simple) JSON schema: object, array, string, number,
    integer, boolean, null, enum, const, and the first branch of anyOf/oneOf."""
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for combined in ("anyOf", "oneOf"):
        if schema.get(combined):
            return instance(schema[combined][0])
    kind = schema.get("type", "object")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object":
        return {name: instance(sub) for name, sub in (schema.get("properties") or {}).items()}
    if kind == "array":
        return [instance(schema.get("items") or {"type": "string"})] * max(1, schema.get("minItems", 1))
    samples = {"string": "x" * max(7, schema.get("minLength", 0)), "number": max(1.5, schema.get("minimum", 0)),
               "integer": max(1, int(schema.get("minimum", 0))), "boolean": True, "null": None}
    return samples.get(kind, "example")


def violating(value):
    """The instance with its first property of the wrong type (or not an object at all)."""
    if not isinstance(value, dict) or not value:
        return ["not", "an", "object"]
    first = next(iter(value))
    return {**value, first: 12345 if isinstance(value[first], str) else "not the schema's type"}


def with_choices(done: dict, body: dict, breaks: frozenset[str]) -> dict:
    """n is Ignored: one choice. The `n` switch answers n choices instead."""
    n = body.get("n")
    if "n" not in breaks or not isinstance(n, int) or n < 2:
        return done
    first = done["choices"][0]
    return {**done, "choices": [{**first, "index": i} for i in range(n)]}
