"""A local OpenAI-compatible server that implements Heroku Managed Inference's *documented* behaviour.

It is the thing under test in the harness's own tests and in the shipped cassettes (labelled the
`reference` target), never a stand-in for Heroku itself. It imports nothing from `conformance`:
the harness knows it only by URL. Each documented claim can be broken by a switch (see breaks.py)
so that tests can show every check notices when its claim does not hold.
"""
