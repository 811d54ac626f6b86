"""The OpenAI Python SDK's chat completion call sites of a Python file, read with `ast`:
`client.chat.completions.create(...)`, `.stream(...)`, `.parse(...)` (also under `beta.` and
`with_raw_response.`), their keyword arguments as the body the SDK sends (`extra_body` merged in)."""
import ast
from pathlib import Path

from .app_requests import AppRequest, Unknown
from .errors import ConformanceError

METHODS = {"create", "stream", "parse"}
WRAPPERS = {"with_raw_response", "with_streaming_response"}
# Arguments the SDK takes for itself: they are not sent in the body.
SDK_OPTIONS = {"extra_headers", "extra_query", "timeout"}


def python_requests(path: Path, text: str) -> list[AppRequest]:
    try:
        tree = ast.parse(text, filename=str(path))
    except (SyntaxError, ValueError) as err:  # ValueError: a null byte, on some Pythons
        line = f":{err.lineno}" if getattr(err, "lineno", None) else ""
        raise ConformanceError(f"{path}{line}: not Python: {getattr(err, 'msg', None) or err}") from None
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call) and chat_method(node.func)]
    return [request_of(path, call) for call in sorted(calls, key=lambda c: (c.lineno, c.col_offset))]


def chat_method(func: ast.expr) -> str | None:
    """`create`, `stream` or `parse` when func is `<anything>.chat.completions[.wrapper].<method>`."""
    names = []
    while isinstance(func, ast.Attribute):
        names.append(func.attr)
        func = func.value
    names.reverse()
    if len(names) < 3 or names[-1] not in METHODS:
        return None
    middle = names[:-1]
    while middle and middle[-1] in WRAPPERS:
        middle.pop()
    return names[-1] if middle[-2:] == ["chat", "completions"] else None


def request_of(path: Path, call: ast.Call) -> AppRequest:
    method = chat_method(call.func)
    body, unread = {}, []
    for keyword in call.keywords:
        if keyword.arg is None:
            unread.append(f"**{ast.unparse(keyword.value)}")
        elif keyword.arg == "extra_body":
            extra = literal(keyword.value)
            if isinstance(extra, dict):
                body.update(extra)
            else:
                unread.append(f"extra_body={ast.unparse(keyword.value)}")
        elif keyword.arg not in SDK_OPTIONS:
            body[keyword.arg] = literal(keyword.value)
    if call.args:
        unread.append("positional arguments")
    if method == "stream":  # the SDK's stream helper sends stream: true
        body.setdefault("stream", True)
    if method == "parse" and "response_format" in body and not isinstance(body["response_format"], dict):
        # parse() turns a pydantic class into a json_schema response format
        body["response_format"] = {"type": "json_schema", "json_schema": body["response_format"]}
    return AppRequest(f"{path}:{call.lineno}", body, client="openai-python", method=method, unread=unread)


def literal(node: ast.expr):
    """A node's value where the source spells it out; Unknown (its source text) where it does not."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Dict):
        out = {}
        for key, value in zip(node.keys, node.values, strict=True):
            if key is None:
                out[f"**{ast.unparse(value)}"] = Unknown(ast.unparse(value))
            elif isinstance(key, ast.Constant) and isinstance(key.value, str):
                out[key.value] = literal(value)
            else:
                out[f"[{ast.unparse(key)}]"] = Unknown(ast.unparse(value))
        return out
    if isinstance(node, ast.List | ast.Tuple):
        return [literal(item) for item in node.elts]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant):
        return -node.operand.value
    if isinstance(node, ast.JoinedStr):  # an f-string: its literal start still says what it is (data:image/…)
        head = node.values[0] if node.values else None
        prefix = head.value if isinstance(head, ast.Constant) else ""
        return Unknown(ast.unparse(node), prefix=prefix)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict" and not node.args:
        return {k.arg: literal(k.value) for k in node.keywords if k.arg}
    return Unknown(ast.unparse(node))
