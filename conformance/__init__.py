"""Conformance suite for Heroku Managed Inference's OpenAI-compatible chat completions API.

The flow, one way only: cases (YAML) -> requests through each client, the Python and Node.js SDKs
(live or cassette) -> exchanges (the wire, and what the client made of it) -> checks -> verdicts
against the docs rows -> results.json -> HTML report.
"""
__version__ = "0.1.0"
