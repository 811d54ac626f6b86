"""The documented limitation "Response format: limited support for structured output schemas", as
the scripted model has it: a json_schema with `$ref` is refused (400), and a string `pattern` is
accepted but not followed (the answer's string is the model's own). Every other feature the suite
tries (enum, nested objects, arrays with minItems/maxItems, anyOf, additionalProperties false with
strict) is answered with an instance of the schema (parameters.instance).

Break switch `response-format-schemas`: every feature works, `$ref` resolved and patterns followed,
so the limitation no longer holds.
"""
import re

from .validation import bad

SWITCH = "response-format-schemas"


def uses_ref(schema) -> bool:
    if isinstance(schema, dict):
        return "$ref" in schema or any(uses_ref(v) for v in schema.values())
    if isinstance(schema, list):
        return any(uses_ref(v) for v in schema)
    return False


def validate_schema(schema: dict, breaks: frozenset[str]) -> None:
    if SWITCH not in breaks and uses_ref(schema):
        raise bad("response_format.json_schema.schema: $ref is not supported")


def prepared(schema: dict, breaks: frozenset[str]) -> dict:
    """The schema as the scripted model follows it: with the switch on, every local `$ref` replaced
    by what it points to, and every `pattern` by a string that matches it (a `const`)."""
    if SWITCH not in breaks:
        return schema
    root = schema

    def resolve(node):
        if isinstance(node, list):
            return [resolve(v) for v in node]
        if not isinstance(node, dict):
            return node
        if isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
            target = root
            for part in node["$ref"][2:].split("/"):
                target = target[part]
            return resolve(target)
        if isinstance(node.get("pattern"), str):
            return {**node, "const": matching(node["pattern"])}
        return {k: resolve(v) for k, v in node.items()}

    return resolve(schema)


TOKEN = re.compile(r"\\d|\\w|\[([^\]]*)\]|\\?(.)")
QUANTIFIER = re.compile(r"\{(\d+)(?:,(\d*))?\}|[+*?]")


def matching(pattern: str) -> str:
    """A string that matches a simple pattern (literals, classes such as [A-Z] or \\d, quantifiers
    {n}, {n,m}, +, *, ?, anchors): the first character each class allows, as few times as allowed."""
    out, at, body = [], 0, pattern.removeprefix("^").removesuffix("$")
    while at < len(body):
        token = TOKEN.match(body, at)
        at = token.end()
        text = token.group(0)
        char = ("0" if text == r"\d" else "a" if text == r"\w"
                else token.group(1)[0] if token.group(1) is not None else token.group(2))
        times = 1
        if quantifier := QUANTIFIER.match(body, at):
            at = quantifier.end()
            count = quantifier.group(1)
            times = int(count) if count is not None else 0 if quantifier.group(0) in "*?" else 1
        out.append(char * times)
    return "".join(out)
