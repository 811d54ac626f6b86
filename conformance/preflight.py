"""Before a live or record run sends a case: is there a key, and does the server answer at all?"""
import openai

from .errors import ConformanceError
from .targets import Target


def check_key(target: Target) -> None:
    if target.api_key:
        return
    where = (f"set {target.key_source.lstrip('$')}" if target.key_source.startswith("$")
             else f"none in {target.key_source}")
    raise ConformanceError(f"target '{target.name}' has no API key: {where}")


def check_reachable(target: Target, sdk: openai.OpenAI, timeout: float = 10.0) -> None:
    """Any HTTP answer to GET /models, even a 404, shows the server is there."""
    try:
        sdk.with_options(max_retries=0, timeout=timeout).models.list()
    except openai.APIStatusError:
        return
    except openai.APIConnectionError as err:
        cause = err.__cause__ or err
        reason = str(cause).splitlines()[0] if str(cause) else type(cause).__name__
        raise ConformanceError(f"target '{target.name}' is unreachable at {target.base_url}: {reason}") from None
