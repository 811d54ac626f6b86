"""Errors a user can fix. Each prints as one line that names the file, case or setting at fault."""


class ConformanceError(Exception):
    """Bad input or setup: shown as one line, never a traceback."""
