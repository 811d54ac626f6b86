"""The clients the suite sends through, each behind the same small protocol:

    client.name, client.version
    client.attempt(request: dict, transport: dict) -> Exchange

one attempt, no retries (the sender, conformance/wire/sender.py, holds the harness's policy), and
NotRecorded / NetworkBlocked (conformance/wire/cassettes.py) when replay has no answer.

- openai-python: the Python `openai` package, in-process (clients/python_openai.py);
- openai-node: the official `openai` npm package, and ai-sdk: Vercel's AI SDK with
  `@ai-sdk/openai-compatible`, both through one Node.js driver process (clients/node.py).
"""
from ..errors import ConformanceError
from .node import NODE_CLIENTS, node_missing

PYTHON = "openai-python"
SDKS = (PYTHON, *NODE_CLIENTS)
# What --sdk takes: a client's name, or a short one; `all` is every client.
ALIASES = {"python": PYTHON, "node": "openai-node", "ai-sdk": "ai-sdk", **{name: name for name in SDKS}}


def choose_sdks(asked: str | None, recording: bool = False) -> tuple[list[str], str | None]:
    """(the clients to send through, a one-line note on a client left out). Unasked, every client
    this machine can run (a recording: the Python SDK's, as one client writes each cassette)."""
    if asked is None:
        if recording:
            return [PYTHON], None
        missing = node_missing()
        if missing:
            return [PYTHON], f"the Node.js clients ({', '.join(NODE_CLIENTS)}) are skipped: {missing}"
        return list(SDKS), None
    names = [w.strip() for w in asked.split(",") if w.strip()]
    unknown = [w for w in names if w != "all" and w not in ALIASES]
    if unknown or not names:
        raise ConformanceError(f"--sdk: unknown client {', '.join(unknown) or repr(asked)} (use "
                               f"{', '.join(['python', 'node', 'ai-sdk', 'all'])}, or a comma-separated list)")
    chosen = list(SDKS) if "all" in names else list(dict.fromkeys(ALIASES[w] for w in names))
    if recording and len(chosen) > 1:
        raise ConformanceError(f"--sdk: a recording goes through one client (each cassette is written once); "
                               f"asked for {', '.join(chosen)}")
    if any(name in NODE_CLIENTS for name in chosen) and (missing := node_missing()):
        raise ConformanceError(f"--sdk {asked}: {missing}")
    return chosen, None
