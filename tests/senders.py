"""A sender through the Python openai SDK, as the run builds one, for tests that send directly."""
from conformance.clients.python_openai import PythonOpenAI
from conformance.wire.sender import Sender


def python_sender(base_url: str, api_key: str, max_retries: int = 0, requests_per_minute: float | None = None,
                  transport=None, scrub: bool = True) -> Sender:
    return Sender(PythonOpenAI(base_url, api_key, transport=transport), max_retries=max_retries,
                  requests_per_minute=requests_per_minute, secrets=[api_key] if scrub else [])
