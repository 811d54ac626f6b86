"""A deterministic scripted 'model'. It understands the few prompt forms the suite's probes use,
which a real model also answers the same way, so one probe works against both:

- "Count from A to B ..."          -> "A, A+1, ..., B"
- a question about "keyword(s)"     -> every "keyword is X" said earlier, in order, space-separated
- "Repeat after me: TEXT"           -> TEXT
- anything else                     -> a fixed sentence that quotes the prompt's first words

Tokens are words and punctuation marks, so counts are easy to reason about in tests.
"""
import re

TOKEN = re.compile(r"\w+|[^\w\s]")
COUNT = re.compile(r"count from (\d+) to (\d+)", re.IGNORECASE)
KEYWORD = re.compile(r"keyword is (\w+)", re.IGNORECASE)
REPEAT = re.compile(r"repeat after me:\s*(.+)", re.IGNORECASE | re.DOTALL)
MAX_COUNT = 5000


def text_of(content) -> str:
    """Message content is a string or a list of parts; only text parts carry words."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text")
    return ""


def count_tokens(text: str) -> int:
    return len(TOKEN.findall(text))


def compose(messages: list[dict]) -> str:
    """The full answer, before stop sequences and max_tokens are applied."""
    last_user = next((text_of(m.get("content")) for m in reversed(messages) if m.get("role") == "user"), "")
    if m := COUNT.search(last_user):
        first, last = int(m.group(1)), min(int(m.group(2)), int(m.group(1)) + MAX_COUNT)
        return ", ".join(str(i) for i in range(first, last + 1))
    if "keyword" in last_user.lower():
        earlier = messages[:-1]
        words = [w for msg in earlier for w in KEYWORD.findall(text_of(msg.get("content")))]
        return " ".join(words) if words else "I have not been told any keyword."
    if m := REPEAT.search(last_user):
        return m.group(1).strip()
    head = " ".join(last_user.split()[:12])
    return f"Hello! This is the reference server. You said: {head}"


def apply_stop(text: str, stop) -> tuple[str, bool]:
    """Cut the text before the earliest stop sequence; True if one was found."""
    stops = [stop] if isinstance(stop, str) else list(stop or [])
    cuts = [i for i in (text.find(s) for s in stops if s) if i >= 0]
    return (text[: min(cuts)], True) if cuts else (text, False)


def truncate(text: str, max_tokens: int | None) -> tuple[str, bool]:
    """Keep at most max_tokens tokens; True if anything was cut."""
    if max_tokens is None:
        return text, False
    found = list(TOKEN.finditer(text))
    if len(found) <= max_tokens:
        return text, False
    return text[: found[max_tokens - 1].end()], True


def pieces(text: str) -> list[str]:
    """Stream pieces: each token with the whitespace before it, so they join back to the text."""
    out, start = [], 0
    for m in TOKEN.finditer(text):
        out.append(text[start : m.end()])
        start = m.end()
    if start < len(text):
        out.append(text[start:])
    return out
