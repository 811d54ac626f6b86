"""Switches that make the server break one documented claim each.

The harness's tests start the server with one switch on and expect the suite to report "differs"
on exactly the docs row that switch breaks, and nowhere else.
"""

# switch name -> what the server does instead of the documented behaviour
BREAKS = {
    "model": "answers with a different model id than the one requested",
    "messages": "drops system and earlier turns: only the last user message reaches the model",
    "max_tokens": "ignores max_tokens",
    "temperature": "rejects temperatures above 0.5 with a 400",
    "top_p": "rejects top_p below 0.5 with a 400",
    "stream": "ignores stream=true and answers with one JSON body",
    "stream-done": "streams without the closing `data: [DONE]`",
    "stream-chunks": "streams chunks whose id changes from chunk to chunk",
    "stop": "ignores stop sequences",
    "shape": "answers plain requests in a shape the openai SDK's types reject (object, created)",
    "seed": "honours seed: the same seed always samples the same answer",
    "n": "honours n: answers with n choices",
    "presence_penalty": "honours presence_penalty above 0: a repeated word is said once",
    "frequency_penalty": "honours frequency_penalty above 0: a repeated word is said once",
    "logit_bias": "honours a strong positive logit_bias: the answer is the forced token, over and over",
    "allow-ignored": "does not enforce allow_ignored_params: false (Ignored parameters stay accepted)",
    "unknown-params": "accepts parameters OpenAI does not define silently, instead of refusing them by name",
    "response-format-object": "answers response_format json_object with plain text",
    "response-format-schema": "answers response_format json_schema with JSON that violates the schema",
    "user": "rejects user with a 400",
    "metadata": "answers metadata with nested values with a 500 (flat string values still work)",
}


def parse_breaks(spec: str | None) -> frozenset[str]:
    """`"stop,model"` -> {"stop", "model"}; an unknown name is a usage error."""
    names = frozenset(n.strip() for n in (spec or "").split(",") if n.strip())
    unknown = sorted(names - BREAKS.keys())
    if unknown:
        raise ValueError(f"unknown break switch(es) {', '.join(unknown)}; known: {', '.join(BREAKS)}")
    return names
