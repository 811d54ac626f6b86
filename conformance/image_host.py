"""The suite's own images, served by URL on loopback, so that "images ... via URLs" (the model table's
note) can be probed on a local target without reaching any other host.

The same solid-colour probes as the base64 cases (conformance/images.py): /red.png, /blue.png,
/red.jpg, /blue.jpg; /not-an-image.txt is text, and any other path is a 404, so that a server's
answer to a URL it cannot use is observed too. Cases name the images as `{image_base_url}/red.png`;
a run fills in its image host (this one, or `--image-base-url` for a remote target). The port is
fixed, so a URL recorded in a cassette is the URL a later replay plans.
"""
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .errors import ConformanceError
from .images import solid_jpeg, solid_png

PLACEHOLDER = "{image_base_url}"
PORT = 47113  # fixed: cassettes hold the URLs, and replay must plan the same ones
RED, BLUE = (255, 0, 0), (0, 0, 255)
IMAGES = {
    "/red.png": ("image/png", solid_png(RED)), "/blue.png": ("image/png", solid_png(BLUE)),
    "/red.jpg": ("image/jpeg", solid_jpeg(RED)), "/blue.jpg": ("image/jpeg", solid_jpeg(BLUE)),
    "/not-an-image.txt": ("text/plain; charset=utf-8", b"This is not an image.\n"),
}


def local_base_url(port: int = PORT) -> str:
    return f"http://127.0.0.1:{port}"


def fill(body, base_url: str):
    """A request body with `{image_base_url}` replaced in every string."""
    if isinstance(body, str):
        return body.replace(PLACEHOLDER, base_url.rstrip("/"))
    if isinstance(body, list):
        return [fill(v, base_url) for v in body]
    if isinstance(body, dict):
        return {k: fill(v, base_url) for k, v in body.items()}
    return body


def uses_images_by_url(body) -> bool:
    if isinstance(body, str):
        return PLACEHOLDER in body
    if isinstance(body, list):
        return any(uses_images_by_url(v) for v in body)
    if isinstance(body, dict):
        return any(uses_images_by_url(v) for v in body.values())
    return False


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        kind, data = IMAGES.get(self.path.split("?", 1)[0], ("text/plain; charset=utf-8", None))
        self.send_response(200 if data is not None else 404)
        data = data if data is not None else b"not found\n"
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_HEAD = do_GET

    def log_message(self, format, *args):  # quiet: the run's own output says what matters
        pass


def _serves_our_images(base_url: str) -> bool:
    """Whether the host at base_url answers /red.png with the suite's own red PNG (another process of
    the same run, an xdist worker's controller, already serves them)."""
    try:
        with urllib.request.urlopen(f"{base_url}/red.png", timeout=2) as answer:  # noqa: S310 (loopback)
            return answer.read() == IMAGES["/red.png"][1]
    except OSError:
        return False


class ImageHost:
    """The images on 127.0.0.1:PORT for the length of a run (or the host another process of the same
    run started: the port is fixed, so every worker plans the same URLs); port 0: any free port."""

    def __init__(self, port: int = PORT):
        self.server = None
        self.base_url = local_base_url(port)
        try:
            self.server = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
        except OSError as err:
            if port and _serves_our_images(self.base_url):
                return
            raise ConformanceError(f"cannot serve the suite's images on 127.0.0.1:{port} ({err.strerror}): "
                                   "something else uses the port; free it or pass --image-base-url") from None
        self.base_url = local_base_url(self.server.server_address[1])  # port 0: the one picked
        threading.Thread(target=self.server.serve_forever, name="image-host", daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
