"""Secrets never leave the process: every text the suite keeps passes through here."""
SCRUBBED = "<scrubbed>"


def scrub_text(value, secrets: list[str]):
    """The value with every secret replaced; bytes stay bytes, other types pass through."""
    if isinstance(value, bytes):
        try:
            return scrub_text(value.decode("utf-8"), secrets).encode("utf-8")
        except UnicodeDecodeError:
            return value
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, SCRUBBED)
    return value


def scrub_json(value, secrets: list[str]):
    """A parsed JSON value with every secret replaced in every string."""
    if isinstance(value, dict):
        return {k: scrub_json(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub_json(v, secrets) for v in value]
    return scrub_text(value, secrets)


def meaningful(secrets) -> list[str]:
    """Secrets long enough to replace without mangling ordinary text."""
    return [s for s in secrets if s and len(s) >= 4]
