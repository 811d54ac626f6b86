"""The HTTP library the Python openai SDK sends through: openai 3.x uses httpx2, a fork of httpx;
earlier releases httpx. Everything here that speaks HTTP in-process uses the same one."""
try:
    import httpx2 as http_transport
except ImportError:  # pragma: no cover - depends on the installed SDK
    import httpx as http_transport

__all__ = ["http_transport"]
