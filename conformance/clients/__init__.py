"""The clients the suite sends through, each behind the same small protocol:

    client.attempt(request: dict, transport: dict) -> (Exchange, headers)

one attempt, no retries (the sender, conformance/wire/sender.py, holds the harness's policy), and
NotRecorded / NetworkBlocked (conformance/wire/cassettes.py) when replay has no answer.
"""
