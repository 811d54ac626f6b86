"""Errors a user can fix. Each prints as one line that names the file, case or setting at fault."""


def describe_error(err: BaseException) -> str:
    """`Type: first line of the message`, for reasons and one-line errors."""
    lines = str(err).splitlines()
    return f"{type(err).__name__}: {lines[0]}" if lines else type(err).__name__


class ConformanceError(Exception):
    """Bad input or setup: shown as one line, never a traceback."""
