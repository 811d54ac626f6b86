"""Secrets never leave the process: every text the suite keeps passes through here.

A server can echo the key in many spellings, so each secret is matched as:
- itself, or JSON-escaped (any of its characters as \\uXXXX, `/` as `\\/`);
- URL-encoded (upper- or lower-case hex);
- base64 or base64url, at any of the three byte alignments it can sit at inside a longer encoding
  (`Basic dXNlcjpLRVk=` carries "user:KEY");
- split across streamed chunks: `scrub_events` masks the pieces that together spell it.
"""
import base64
import json
import re
from urllib.parse import quote, quote_plus

SCRUBBED = "<scrubbed>"
MIN_LENGTH = 4  # shorter values would mangle ordinary text
MIN_BASE64_MATCH = 8  # base64 forms shorter than this would match innocent text


def _json_escaped(secret: str) -> str:
    """A pattern for the secret with any subset of its characters JSON-escaped."""
    parts = []
    for ch in secret:
        alternatives = [re.escape(ch), r"\\u" + "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c
                                                        for c in f"{ord(ch):04x}")]
        if ch == "/":
            alternatives.append(r"\\/")
        parts.append("(?:" + "|".join(alternatives) + ")")
    return "".join(parts)


def _base64_cores(secret: str) -> list[str]:
    """The part of the secret's base64 that does not depend on the bytes around it, per alignment."""
    raw = secret.encode("utf-8")
    cores = []
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + raw).decode()
        first_group = -(-offset // 3)  # groups of 3 bytes that start inside the secret
        last_group = (offset + len(raw)) // 3
        core = encoded[4 * first_group: 4 * last_group]
        if len(core) >= MIN_BASE64_MATCH:
            cores += [core, core.replace("+", "-").replace("/", "_")]
    return cores


def _pattern(secret: str) -> re.Pattern:
    forms = [_json_escaped(secret)]
    for encoded in {quote(secret, safe=""), quote_plus(secret, safe="")} - {secret}:
        forms.append(re.sub(r"%([0-9A-F]{2})", lambda m: f"%(?:{m.group(1)}|{m.group(1).lower()})",
                            re.escape(encoded).replace(r"\%", "%")))
    forms += [re.escape(core) for core in dict.fromkeys(_base64_cores(secret))]
    return re.compile("|".join(forms))


def meaningful(secrets) -> list[re.Pattern]:
    """Patterns for the secrets long enough to replace without mangling ordinary text."""
    return [_pattern(s) for s in dict.fromkeys(secrets) if s and len(s) >= MIN_LENGTH]


def scrub_text(value, secrets: list[re.Pattern]):
    """The value with every spelling of every secret replaced; bytes stay bytes, other types pass."""
    if isinstance(value, bytes):
        try:
            return scrub_text(value.decode("utf-8"), secrets).encode("utf-8")
        except UnicodeDecodeError:
            return value
    if isinstance(value, str):
        for pattern in secrets:
            value = pattern.sub(SCRUBBED, value)
    return value


def scrub_json(value, secrets: list[re.Pattern]):
    """A parsed JSON value with every secret replaced in every string."""
    if isinstance(value, dict):
        return {scrub_text(k, secrets): scrub_json(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub_json(v, secrets) for v in value]
    return scrub_text(value, secrets)


def _mask_spans(pieces: list[str], spans: list[tuple[int, int]]) -> list[str]:
    """Replace the characters of `pieces` (joined) that fall in any span with '*'."""
    out, start = [], 0
    for piece in pieces:
        chars = list(piece)
        for i in range(len(chars)):
            if any(a <= start + i < b for a, b in spans):
                chars[i] = "*"
        out.append("".join(chars))
        start += len(piece)
    return out


def scrub_events(events: list[dict], secrets: list[re.Pattern]) -> list[dict]:
    """Parsed stream chunks with every secret masked, also where it is split across chunks: the
    deltas of each (choice, field) are joined, matched, and the matching characters masked."""
    events = scrub_json(events, secrets)
    streams: dict = {}
    for event in events:
        for choice in event.get("choices") or []:
            if not isinstance(choice, dict) or not isinstance(choice.get("delta"), dict):
                continue
            for name, text in choice["delta"].items():
                if isinstance(text, str):
                    streams.setdefault((choice.get("index"), name), []).append(choice["delta"])
    for (_, name), deltas in streams.items():
        pieces = [d[name] for d in deltas]
        joined = "".join(pieces)
        spans = [m.span() for pattern in secrets for m in pattern.finditer(joined)]
        if spans:
            for delta, masked in zip(deltas, _mask_spans(pieces, spans), strict=True):
                delta[name] = masked
    return events


def scrub_sse(text: str, secrets: list[re.Pattern]) -> str:
    """An SSE body (as recorded) with secrets masked, also where split across `data:` events."""
    lines = text.split("\n")
    parsed = {}
    for i, line in enumerate(lines):
        if line.startswith("data:"):
            try:
                event = json.loads(line[len("data:"):])
            except ValueError:
                continue
            if isinstance(event, dict):
                parsed[i] = event
    if parsed:
        scrubbed = scrub_events([dict(e) for e in json.loads(json.dumps(list(parsed.values())))], secrets)
        for (i, before), after in zip(parsed.items(), scrubbed, strict=True):
            if after != before:
                lines[i] = "data: " + json.dumps(after)
    return scrub_text("\n".join(lines), secrets)
