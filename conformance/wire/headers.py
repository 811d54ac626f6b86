"""Extra request headers a case may send (`transport: {headers: {...}}`), and which it may not.

A header that carries a credential, or one the HTTP client or the harness sets itself, is refused:
a case is public data, and a planned header is recorded in its cassette as sent.
"""
import re

from .recording import SECRET_HEADERS

# RFC 9110's token characters: what a header name may be made of.
NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
# Set by the client or the harness for every request: a case cannot choose them.
SET_BY_CLIENT = {"content-type", "content-length", "host", "transfer-encoding", "connection", "accept",
                 "accept-encoding", "user-agent"}
PRINTABLE = re.compile(r"^[\x20-\x7e]*$")
HARNESS_PREFIX = "x-conformance-"  # the harness's own marks (which exchange, a deliberately wrong key)


def headers_problem(headers: object) -> str | None:
    """Why these planned headers cannot be sent, in a few words, or None."""
    if not isinstance(headers, dict):
        return f"headers must be a mapping of names to text, not {type(headers).__name__}"
    for name, value in headers.items():
        if not isinstance(name, str) or not NAME.match(name):
            return f"header name {name!r} is not an HTTP header name"
        if not isinstance(value, str):
            return f"header {name}: its value must be text (quote it), not {type(value).__name__}"
        if "\r" in value or "\n" in value:
            return f"header {name}: its value holds a line break"
        # Every client must send the same bytes: httpx refuses non-ASCII, Node's Headers trims spaces.
        if not PRINTABLE.match(value):
            return f"header {name}: its value must be printable ASCII"
        if value != value.strip():
            return f"header {name}: its value starts or ends with a space (some clients trim it)"
        if name.lower() in SECRET_HEADERS:
            return f"header {name} carries a credential: a case may not send one"
        if name.lower() in SET_BY_CLIENT or name.lower().startswith(HARNESS_PREFIX):
            return f"header {name} is set by the client or the harness: a case may not choose it"
    return None
