"""Base URLs: what may be printed of them, and the credentials that sometimes ride in them."""
from urllib.parse import parse_qsl, urlsplit, urlunsplit


def public_url(url: str | None) -> str | None:
    """The URL without user:password@ or a query string, where credentials sometimes ride."""
    if not url:
        return url
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def url_credentials(url: str | None) -> list[str]:
    """Values in a URL that may be credentials: the password of user:password@, and query values
    long enough to be tokens (a user name or `?v=1` would only mangle ordinary text)."""
    if not url:
        return []
    parts = urlsplit(url)
    found = [parts.password] if parts.password else []
    found += [value for _, value in parse_qsl(parts.query) if len(value) >= 8]
    return found


def join_url(url: str, base_path: str) -> str:
    url = url.rstrip("/")
    return url if url.endswith(base_path.rstrip("/")) else url + base_path.rstrip("/")
