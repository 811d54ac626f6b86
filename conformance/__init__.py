"""Conformance suite for Heroku Managed Inference's OpenAI-compatible chat completions API.

The flow, one way only: cases (YAML) -> requests through the openai SDK (live or cassette)
-> exchanges -> checks -> verdicts against the docs rows -> results.json -> HTML report.
"""
__version__ = "0.1.0"
