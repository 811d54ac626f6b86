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
    "stream-not-json": "streams a `data: ping` line (not JSON) among the chunks",
    "stream-named-events": "names every event of a stream (`event: chunk`)",
    "stream-role-every-delta": "repeats role 'assistant' in every delta of a stream",
    "stream-no-finish": "streams no finish_reason in any chunk",
    "stream-empty-choices": "streams a chunk with `choices: []` and no usage, unasked",
    "stop": "ignores stop sequences",
    "shape": "answers plain requests in a shape the openai SDK's types reject (object, created)",
    "max_completion_tokens": "ignores max_completion_tokens",
    "stream-usage": "ignores stream_options.include_usage: no usage chunk",
    "parallel-tools": "ignores parallel_tool_calls: false on every model",
    "reasoning-effort": "ignores reasoning_effort",
    "logprobs": "returns token logprobs when asked (the page's first listing), instead of ignoring them",
    "modalities": "accepts modalities with audio and returns audio",
    "developer-role": "drops developer messages",
    "system-mid": "drops system messages that come after the first user turn",
    "system-many": "keeps only the first system message",
    "content-parts": "loses content given as an array of parts",
    "stop-whitespace": "ignores stop sequences that are whitespace only",
    "null-params": "answers max_tokens: null with a 500",
    "usage-sum": "reports total_tokens one more than prompt_tokens + completion_tokens",
    "two-choices": "answers a plain request without n with two choices",
    "schema": "sends `created` as a numeric string: the openai SDK's lax types accept it, OpenAI's schema does not",
    "error-shape": "answers errors with a flat {\"error\": \"<message>\"} body",
    "malformed-500": "answers a body that is not JSON with a 500",
    "wrong-key-accepted": "answers a request with a wrong API key normally",
    "unknown-model": "answers an unknown model id with a default model",
    "seed": "honours seed: the same seed always samples the same answer",
    "n": "honours n: answers with n choices",
    "presence_penalty": "honours presence_penalty above 0: a repeated word is said once",
    "frequency_penalty": "honours frequency_penalty above 0: a repeated word is said once",
    "logit_bias": "honours a strong positive logit_bias: the answer is the forced token, over and over",
    "allow-ignored": "does not enforce allow_ignored_params: false (Ignored parameters stay accepted)",
    "unknown-params": "accepts parameters OpenAI does not define silently, instead of refusing them by name",
    "response-format-object": "answers response_format json_object with a 500 (\"Failed to execute chat\")",
    "response-format-schema": "answers response_format json_schema with a 500 (\"Failed to execute chat\")",
    "user": "rejects user with a 400",
    "metadata": "answers metadata with nested values with a 500 (flat string values still work)",
    "metadata-strings": "answers metadata with a few string values with a 500",
    "metadata-many-keys": "answers metadata with more than 8 keys with a 500",
    "metadata-refused": "refuses every metadata with a 400 naming it: no part of the Partial row works",
    "response-format-refused": "refuses every response_format but text with a 400 naming it",
    "tools": "calls tools with arguments that are not JSON (the object's Python repr, single-quoted)",
    "tool-choice-required": "ignores tool_choice required: answers in text when the prompt names no tool",
    "tool-choice-named": "ignores a named tool_choice: calls another of the declared tools",
    "tool-choice-none": "ignores tool_choice none: calls a tool the prompt names anyway",
    "thinking-enabled": "ignores extended_thinking on the models that have it: no thinking, no reasoning",
    "include-reasoning": "shows the reasoning even with include_reasoning false",
    "budget-tokens": "answers a budget_tokens below 1024, or not below max_tokens, with a 500",
    "thinking-everywhere": "lets the models without extended thinking (Haiku, Nova) think and show reasoning too",
    "vision-dropped": "drops image parts on vision models silently: only the text is answered",
    "vision-everywhere": "lets models without vision accept images, and see them",
    "vision-url": "cannot read images by URL on vision models: each is answered 'I cannot read this image.'",
    "batch-api": "serves /v1/batches: a list of batches, and a batch object for a create",
    "tool-content": "accepts an assistant message with tool_calls and empty, null or absent content",
    "tool-result-ignored": "answers a conversation that ends with tool results as if each result were empty",
    "tool-stream-fragments-broken": "streams each piece of a call's arguments under an index of its own",
    "parallel-calls-same-id": "gives every call of an answer with parallel calls the same id",
    "tool-choice-required-ignored-when-streamed": "ignores tool_choice required on streamed requests only",
    "tool-choice-named-ignored-when-streamed": "ignores a named tool_choice on streamed requests only",
    "tools-repeat-name-in-stream": "repeats a streamed call's name in every fragment (OpenAI's clients append it)",
    "tools-truncated-args-without-length": "cuts a call at max_tokens mid-arguments but says finish_reason tool_calls",
    "vision-jpeg": "cannot read JPEG images on vision models: each is answered 'I cannot read this image.'",
    "response-format-schemas": "supports every json_schema feature: $ref resolved, string patterns followed",
    "card-ids": "refuses the ids only Heroku's model cards give (openai-gpt-oss-120b, claude-sonnet) as unknown models",
    "available-models": "leaves claude-4-5-haiku out of GET /available-models (chat completions still serve it)",
    "request-id": "sends no request id header (x-request-id) on any answer",
    "error-traceback": "refuses a body that is not JSON with a Python traceback and a server path in the message",
    "error-flat": "answers a streamed request it refuses with a 500 {\"error\": \"Internal Server Error\"}",
}


def parse_breaks(spec: str | None) -> frozenset[str]:
    """`"stop,model"` -> {"stop", "model"}; an unknown name is a usage error."""
    names = frozenset(n.strip() for n in (spec or "").split(",") if n.strip())
    unknown = sorted(names - BREAKS.keys())
    if unknown:
        raise ValueError(f"unknown break switch(es) {', '.join(unknown)}; known: {', '.join(BREAKS)}")
    return names
