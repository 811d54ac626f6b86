"""Replay without patching: the cassettes answered in-process through the Python SDK's own HTTP
transport. vcrpy writes the cassettes (record mode); replay needs none of its machinery (it patches
the HTTP library and copies every request several times to match it). A request with no recorded
answer is a miss, reported as "not recorded"; nothing here can reach the network."""
from .http import http_transport


class ReplayMiss(Exception):
    """The current cassette holds no answer for this request."""


class CassetteTransport(http_transport.BaseTransport):
    """An HTTP transport that answers from the cassette being replayed (`source.current`: the
    recorder's, which it sets around each test)."""

    def __init__(self, source):
        self.source = source

    def handle_request(self, request):
        path, cassette = request.url.path, self.source.current
        answer = cassette.answer(request.method, path, request.read(), getattr(self.source, "planned", None))
        if answer is None:
            raise ReplayMiss(cassette.miss(request.method, path))
        status, headers, content = answer
        return http_transport.Response(status, headers=headers, content=content, request=request)
