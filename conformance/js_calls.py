"""The OpenAI Node.js SDK's chat completion call sites of a JavaScript or TypeScript file:
`openai.chat.completions.create({ ... })`, `.stream(...)`, `.parse(...)`, found by a scanner that
skips strings and comments, their first argument's object literal read key by key. Literal values
(strings, numbers, booleans, null, and objects and arrays of them) are read; anything else
(a variable, a call, a template with `${}`) is an Unknown holding its source text.
"""
import re
from pathlib import Path

from .app_requests import AppRequest, Unknown
from .errors import ConformanceError

CALL = re.compile(r"\bchat\s*\.\s*completions\s*\.\s*(?:with\w+\s*\.\s*)?(create|stream|parse)\s*\(")
NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
NAME = re.compile(r"[A-Za-z_$][\w$]*")
WORDS = {"true": True, "false": False, "null": None}
CLOSERS = {"{": "}", "[": "]", "(": ")"}
ABSENT = object()  # `undefined`: JSON.stringify leaves the key out
ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}


class JsSyntax(Exception):
    def __init__(self, at: int, problem: str):
        super().__init__(problem)
        self.at = at


def js_requests(path: Path, text: str) -> list[AppRequest]:
    blank = blanked(text)
    found = []
    for match in CALL.finditer(blank):
        line = text.count("\n", 0, match.start()) + 1
        try:
            body, unread = first_argument(text, match.end())
        except JsSyntax as err:
            raise ConformanceError(f"{path}:{text.count(chr(10), 0, err.at) + 1}: cannot read the call at line "
                                   f"{line}: {err}") from None
        if match.group(1) == "stream":  # the SDK's stream helper sends stream: true
            body.setdefault("stream", True)
        found.append(AppRequest(f"{path}:{line}", body, client="openai-node", method=match.group(1), unread=unread))
    return found


def first_argument(text: str, at: int) -> tuple[dict, list[str]]:
    at = skip_space(text, at)
    if text.startswith("{", at):
        body, _ = parse_object(text, at)
        unread = [key for key, value in body.items() if key.startswith("...")]
        return {k: v for k, v in body.items() if not k.startswith("...")}, unread
    end = expression_end(text, at)
    return {}, [f"the request object `{' '.join(text[at:end].split())}` (built elsewhere)"]


def parse_value(text: str, at: int):
    start = at
    char = text[at:at + 1]
    if char == "{":
        value, at = parse_object(text, at)
    elif char == "[":
        value, at = parse_array(text, at)
    elif char in ("'", '"'):
        value, at = parse_string(text, at)
    elif char == "`":
        value, at = parse_template(text, at)
    elif number := NUMBER.match(text, at):
        value, at = float(number.group()) if re.search(r"[.eE]", number.group()) else int(number.group()), number.end()
    elif (name := NAME.match(text, at)) and name.group() in WORDS | {"undefined": None}:
        value, at = ABSENT if name.group() == "undefined" else WORDS[name.group()], name.end()
    else:
        end = expression_end(text, at)
        return Unknown(text[start:end]), end
    after = skip_space(text, at)
    if re.match(r"as\s+const\b", text[after:]):  # TypeScript's `"json_schema" as const` is the literal
        after = skip_space(text, re.match(r"as\s+const\b", text[after:]).end() + after)
    if text[after:after + 1] in (",", "}", "]", ")"):
        return value, after
    end = expression_end(text, start)  # the literal starts a larger expression (`"a" + b`, `x ? y : z`)
    return Unknown(text[start:end]), end


def parse_object(text: str, at: int) -> tuple[dict, int]:
    out, at = {}, at + 1
    while True:
        at = skip_space(text, at)
        if text.startswith("}", at):
            return out, at + 1
        if text.startswith("...", at):
            end = expression_end(text, at + 3)
            out[f"...{' '.join(text[at + 3:end].split())}"] = Unknown(text[at + 3:end])
            at = end
        else:
            key, at = parse_key(text, at)
            at = skip_space(text, at)
            if text.startswith(":", at):
                value, at = parse_value(text, skip_space(text, at + 1))
            else:  # shorthand `{ model }` or a method: the value is a variable of the same name
                end = expression_end(text, at)
                value, at = Unknown(key + text[at:end]), end
            if value is not ABSENT:
                out[key] = value
        at = after_item(text, at, "}", "an object")


def after_item(text: str, at: int, close: str, what: str) -> int:
    """Past the comma after an item of an object or array; at its closing bracket if none comes."""
    at = skip_space(text, at)
    if text.startswith(",", at):
        return at + 1
    if not text.startswith(close, at):
        raise JsSyntax(at, f"expected ',' or '{close}' in {what}, found {text[at:at + 12]!r}")
    return at


def parse_key(text: str, at: int) -> tuple[str, int]:
    if text[at:at + 1] in ("'", '"'):
        return parse_string(text, at)
    if text.startswith("[", at):  # a computed key: its name is not known before run time
        end = matching(text, at)
        return f"[{' '.join(text[at + 1:end - 1].split())}]", end
    name = NAME.match(text, at) or NUMBER.match(text, at)
    if not name:
        raise JsSyntax(at, f"expected a key, found {text[at:at + 12]!r}")
    return name.group(), name.end()


def parse_array(text: str, at: int) -> tuple[list, int]:
    out, at = [], at + 1
    while True:
        at = skip_space(text, at)
        if text.startswith("]", at):
            return out, at + 1
        if text.startswith("...", at):
            end = expression_end(text, at + 3)
            out.append(Unknown(text[at:end]))
            at = end
        else:
            value, at = parse_value(text, at)
            out.append(None if value is ABSENT else value)
        at = after_item(text, at, "]", "an array")


def parse_string(text: str, at: int) -> tuple[str, int]:
    quote, out, at = text[at], [], at + 1
    while at < len(text):
        char = text[at]
        if char == quote:
            return "".join(out), at + 1
        if char == "\n":
            break
        if char == "\\":
            nxt = text[at + 1:at + 2]
            if nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", text[at + 2:at + 6]):
                out.append(chr(int(text[at + 2:at + 6], 16)))
                at += 6
                continue
            out.append(ESCAPES.get(nxt, nxt))
            at += 2
            continue
        out.append(char)
        at += 1
    raise JsSyntax(at, "a string that does not end on its line")


def parse_template(text: str, at: int):
    """A template literal: a string when it has no `${}`, else Unknown with its literal start."""
    end = skip_string(text, at)
    inner = text[at + 1:end - 1]
    if "${" not in inner:
        return inner, end
    return Unknown(text[at:end], prefix=inner.split("${", 1)[0]), end


def expression_end(text: str, at: int) -> int:
    """Where an expression ends: the first `,` `}` `]` `)` outside brackets, strings and comments."""
    depth = 0
    while at < len(text):
        char = text[at]
        if char in ("'", '"', "`"):
            at = skip_string(text, at)
            continue
        if text.startswith("//", at) or text.startswith("/*", at):
            at = skip_comment(text, at)
            continue
        if char in CLOSERS:
            depth += 1
        elif char in CLOSERS.values():
            if depth == 0:
                return at
            depth -= 1
        elif char == "," and depth == 0:
            return at
        at += 1
    raise JsSyntax(at, "the call's arguments do not end (unbalanced brackets)")


def matching(text: str, at: int) -> int:
    """The index after the bracket that closes the one at `at`."""
    end = expression_end(text, at + 1)
    while text[end] == ",":  # commas inside the brackets
        end = expression_end(text, end + 1)
    return end + 1


def skip_space(text: str, at: int) -> int:
    while at < len(text):
        if text[at].isspace():
            at += 1
        elif text.startswith("//", at) or text.startswith("/*", at):
            at = skip_comment(text, at)
        else:
            break
    return at


def skip_comment(text: str, at: int) -> int:
    if text.startswith("//", at):
        end = text.find("\n", at)
        return len(text) if end < 0 else end
    end = text.find("*/", at + 2)
    if end < 0:
        raise JsSyntax(at, "a comment that does not end")
    return end + 2


def skip_string(text: str, at: int) -> int:
    """The index after the string, or template literal (with its `${}` parts), that starts at `at`."""
    quote, at = text[at], at + 1
    while at < len(text):
        char = text[at]
        if char == "\\":
            at += 2
            continue
        if char == quote:
            return at + 1
        if quote == "`" and text.startswith("${", at):
            at = matching(text, at + 1)
            continue
        if char == "\n" and quote != "`":
            break
        at += 1
    raise JsSyntax(at, "a string that does not end")


def blanked(text: str) -> str:
    """The text with strings and comments blanked out (newlines kept), so that a call written in a
    comment or a string is not taken for a call."""
    out, at, start = [], 0, 0
    while at < len(text):
        char = text[at]
        if char in ("'", '"', "`") or text.startswith("//", at) or text.startswith("/*", at):
            try:
                end = skip_string(text, at) if char in ("'", '"', "`") else skip_comment(text, at)
            except JsSyntax:  # an apostrophe in JSX text, a regex literal: not a string, read on
                at += 1
                continue
            out.append(text[start:at])
            out.append("".join(c if c == "\n" else " " for c in text[at:end]))
            at = start = end
        else:
            at += 1
    out.append(text[start:])
    return "".join(out)
