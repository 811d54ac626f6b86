"""The project's hand-written JSON Schemas of a chat completion and a chunk are faithful to OpenAI's spec.

OpenAI's OpenAPI spec is not shipped (it is not ours to redistribute): when a copy lies at
../shared/reference/openai-openapi.yaml, its schemas are read (only the blocks needed, with the spec's
OpenAPI-3.0 `nullable: true` turned into a "null" type) and must give the same accept/reject answer
as ours on every sample, valid and broken.
"""
import copy
import re
from pathlib import Path

import jsonschema
import pytest
import yaml
from conftest import ROOT

from conformance.checks.response import CHUNK_SCHEMA, COMPLETION_SCHEMA, schema_problem

SPEC = ROOT.parent / "shared" / "reference" / "openai-openapi.yaml"
REF = re.compile(r"#/components/schemas/([A-Za-z0-9_]+)")


def _blocks(text: str) -> dict[str, str]:
    """The text of each schema under components.schemas, by name (sliced, so 87k lines are not parsed)."""
    start = text.index("\ncomponents:\n")
    start = text.index("\n  schemas:\n", start) + len("\n  schemas:\n")
    blocks, name, lines = {}, None, []
    for line in text[start:].splitlines():
        if line and not line.startswith("    "):
            break  # the next section of components
        if line.startswith("    ") and not line.startswith("     ") and line.rstrip().endswith(":"):
            if name:
                blocks[name] = "\n".join(lines)
            name, lines = line.strip()[:-1], []
        else:
            lines.append(line)
    blocks[name] = "\n".join(lines)
    return blocks


def nullable_to_null_type(node):
    """OpenAPI 3.0's `nullable: true` in JSON Schema terms: null joins the type (and any enum)."""
    if isinstance(node, list):
        return [nullable_to_null_type(n) for n in node]
    if not isinstance(node, dict):
        return node
    node = {k: nullable_to_null_type(v) for k, v in node.items()}
    if node.pop("nullable", False):
        if "$ref" in node:
            node = {"anyOf": [{"$ref": node.pop("$ref")}, {"type": "null"}], **node}
        elif "type" in node:
            types = node["type"] if isinstance(node["type"], list) else [node["type"]]
            node["type"] = [*types, "null"]
        if "enum" in node and None not in node["enum"]:
            node["enum"] = [*node["enum"], None]
    return node


def spec_validator(name: str) -> jsonschema.Draft202012Validator:
    blocks = _blocks(SPEC.read_text(encoding="utf-8"))
    schemas, todo = {}, [name]
    while todo:
        current = todo.pop()
        if current in schemas:
            continue
        schemas[current] = nullable_to_null_type(yaml.safe_load("\n".join(
            line[6:] for line in blocks[current].splitlines())))
        todo += REF.findall(blocks[current])
    root = {"$ref": f"#/components/schemas/{name}", "components": {"schemas": schemas}}
    return jsonschema.Draft202012Validator(root)


def completion() -> dict:
    return {
        "id": "chatcmpl-0123456789abcdef01234", "object": "chat.completion", "created": 1764000000,
        "model": "claude-4-5-haiku", "system_fingerprint": "heroku-inf-abc1234",
        "choices": [{"index": 0, "logprobs": None, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": "1, 2, 3", "refusal": None}}],
        "usage": {"prompt_tokens": 12, "completion_tokens": 5, "total_tokens": 17},
    }


def chunk(delta: dict | None = None, finish=None) -> dict:
    return {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1764000000, "model": "nova-lite",
            "system_fingerprint": "heroku-inf-abc1234",
            "choices": [{"index": 0, "delta": {"content": "1, "} if delta is None else delta, "finish_reason": finish}]}


def changed(base: dict, path: str, value=..., drop: bool = False) -> dict:
    """base with the value at a dotted path (list indexes as numbers) replaced or dropped."""
    out = copy.deepcopy(base)
    *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
    node = out
    for part in parents:
        node = node[part]
    if drop:
        del node[last]
    else:
        node[last] = value
    return out


TOOL_CALL = {"id": "tooluse_abc", "type": "function",
             "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}
LOGPROBS = {"content": [{"token": "1", "logprob": -0.1, "bytes": [49], "top_logprobs": []}], "refusal": None}

VALID_COMPLETIONS = {
    "heroku's documented shape": completion(),
    "heroku's reasoning extension": changed(completion(), "choices.0.message.reasoning", {"thinking": "..."}),
    "tool calls": changed(changed(completion(), "choices.0.message.tool_calls", [TOOL_CALL]),
                          "choices.0.finish_reason", "tool_calls"),
    "null content": changed(completion(), "choices.0.message.content", None),
    "logprobs": changed(completion(), "choices.0.logprobs", LOGPROBS),
    "usage details": changed(completion(), "usage.prompt_tokens_details", {"cached_tokens": 0}),
    "no usage at all": changed(completion(), "usage", drop=True),
    "service tier": changed(completion(), "service_tier", "default"),
    "two choices": changed(completion(), "choices", completion()["choices"] * 2),
    "custom tool call": changed(completion(), "choices.0.message.tool_calls",
                                [{"id": "c1", "type": "custom", "custom": {"name": "f", "input": "x"}}]),
    "null audio and metadata": changed(changed(completion(), "choices.0.message.audio", None), "metadata", None),
}
BROKEN_COMPLETIONS = {
    "created as a numeric string": changed(completion(), "created", "1764000000"),
    "no logprobs key": changed(completion(), "choices.0.logprobs", drop=True),
    "no refusal key": changed(completion(), "choices.0.message.refusal", drop=True),
    "object": changed(completion(), "object", "chat.completion.result"),
    "finish_reason end_turn": changed(completion(), "choices.0.finish_reason", "end_turn"),
    "finish_reason null": changed(completion(), "choices.0.finish_reason", None),
    "role model": changed(completion(), "choices.0.message.role", "model"),
    "content as parts": changed(completion(), "choices.0.message.content", [{"type": "text", "text": "hi"}]),
    "total_tokens a string": changed(completion(), "usage.total_tokens", "17"),
    "total_tokens a fraction": changed(completion(), "usage.total_tokens", 17.5),
    "no prompt_tokens": changed(completion(), "usage.prompt_tokens", drop=True),
    "tool call type": changed(completion(), "choices.0.message.tool_calls", [{**TOOL_CALL, "type": "tool"}]),
    "tool call arguments as an object": changed(completion(), "choices.0.message.tool_calls",
                                                [{**TOOL_CALL, "function": {"name": "f", "arguments": {}}}]),
    "null system_fingerprint": changed(completion(), "system_fingerprint", None),
    "no choices": changed(completion(), "choices", drop=True),
    "integer id": changed(completion(), "id", 7),
    "index a string": changed(completion(), "choices.0.index", "0"),
    "content a number": changed(completion(), "choices.0.message.content", 7),
    "function_call without arguments": changed(completion(), "choices.0.message.function_call", {"name": "f"}),
    "logprobs without refusal": changed(completion(), "choices.0.logprobs", {"content": None}),
    "cached_tokens a string": changed(completion(), "usage.prompt_tokens_details", {"cached_tokens": "0"}),
    "service tier unknown": changed(completion(), "service_tier", "premium"),
}
VALID_CHUNKS = {
    "first": chunk({"role": "assistant", "content": ""}),
    "content": chunk(),
    "last": chunk({}, "stop"),
    "usage chunk": {**chunk(), "choices": [], "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}},
    "null usage": {**chunk(), "usage": None},
    "reasoning extension": chunk({"reasoning": {"thinking": "hm"}}),
    "tool call delta": chunk({"tool_calls": [{"index": 0, "id": "tooluse_a", "type": "function",
                                              "function": {"name": "f", "arguments": ""}}]}),
    "null logprobs": changed(chunk(), "choices.0.logprobs", None),
}
BROKEN_CHUNKS = {
    "no finish_reason key": changed(chunk(), "choices.0.finish_reason", drop=True),
    "finish_reason eos": chunk({}, "eos"),
    "role model": chunk({"role": "model"}),
    "created as a numeric string": changed(chunk(), "created", "1764000000"),
    "object": changed(chunk(), "object", "chat.completion"),
    "tool call chunk without index": chunk({"tool_calls": [{"id": "a", "function": {"arguments": ""}}]}),
    "usage fraction": {**chunk(), "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 1.5}},
    "logprobs a string": changed(chunk(), "choices.0.logprobs", "none"),
    "no delta": changed(chunk(), "choices.0.delta", drop=True),
    "tool call chunk type": chunk({"tool_calls": [{"index": 0, "type": "tool"}]}),
    "no id": changed(chunk(), "id", drop=True),
}

needs_spec = pytest.mark.skipif(not SPEC.is_file(), reason=f"OpenAI's spec is not at {SPEC} (it is not shipped)")


@pytest.fixture(scope="module")
def spec():
    return {COMPLETION_SCHEMA: spec_validator("CreateChatCompletionResponse"),
            CHUNK_SCHEMA: spec_validator("CreateChatCompletionStreamResponse")}


SAMPLES = ([(COMPLETION_SCHEMA, name, body, True) for name, body in VALID_COMPLETIONS.items()]
           + [(COMPLETION_SCHEMA, name, body, False) for name, body in BROKEN_COMPLETIONS.items()]
           + [(CHUNK_SCHEMA, name, body, True) for name, body in VALID_CHUNKS.items()]
           + [(CHUNK_SCHEMA, name, body, False) for name, body in BROKEN_CHUNKS.items()])


@pytest.mark.parametrize("schema_name, name, body, valid", SAMPLES, ids=[f"{s[0]}:{s[1]}" for s in SAMPLES])
def test_our_schema_gives_the_intended_answer(schema_name, name, body, valid):
    assert (schema_problem(body, schema_name) is None) == valid, schema_problem(body, schema_name)


@needs_spec
def test_our_schemas_and_openai_spec_agree_on_every_sample(spec):
    disagreements = []
    for schema_name, name, body, _ in SAMPLES:
        spec_accepts = spec[schema_name].is_valid(body)
        ours_accepts = schema_problem(body, schema_name) is None
        if spec_accepts != ours_accepts:
            disagreements.append(f"{schema_name}: {name}: spec {spec_accepts}, ours {ours_accepts}")
    assert not disagreements


def test_nullable_becomes_a_null_type():
    converted = nullable_to_null_type({"type": "string", "enum": ["stop"], "nullable": True,
                                       "properties": {"u": {"$ref": "#/x", "nullable": True}}})
    assert converted["type"] == ["string", "null"] and converted["enum"] == ["stop", None]
    assert converted["properties"]["u"] == {"anyOf": [{"$ref": "#/x"}, {"type": "null"}]}


def test_the_spec_is_not_in_the_repository():
    assert not list(Path(ROOT).glob("**/openai-openapi*")), "OpenAI's spec must not be committed"
