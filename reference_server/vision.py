"""Vision for the scripted model: an image sent as a PNG data URL is decoded (zlib, the five PNG
row filters; 8-bit RGB or RGBA, not interlaced), a JPEG one too (baseline: jpeg.py), and its
dominant colour named. Models without vision refuse image parts (validation.py). An image by URL is
fetched, from loopback only (this server never reaches another host): a URL it cannot fetch, or
that is not a PNG or JPEG, is refused with a 400 naming the URL, as a careful API does (`fetched`).

Break switches: `vision-dropped` drops image parts on vision models (the text alone is answered);
`vision-everywhere` lets models without vision accept and see images; `vision-jpeg` cannot read
JPEG images (PNG still works); `vision-url` cannot read images by URL (base64 still works).
"""
import base64
import binascii
import functools
import struct
import urllib.error
import urllib.request
import zlib
from collections import Counter
from urllib.parse import urlsplit

from .jpeg import decode_jpeg

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHANNELS = {2: 3, 6: 4}  # PNG colour type -> bytes a pixel: RGB, RGBA
NAMED = {
    "red": (255, 0, 0), "green": (0, 128, 0), "blue": (0, 0, 255), "yellow": (255, 255, 0),
    "orange": (255, 165, 0), "purple": (128, 0, 128), "pink": (255, 192, 203), "cyan": (0, 255, 255),
    "black": (0, 0, 0), "white": (255, 255, 255), "grey": (128, 128, 128), "brown": (139, 69, 19),
}


def images_in(message: dict) -> list[str]:
    """The image URLs of a message's content parts."""
    content = message.get("content")
    if not isinstance(content, list):
        return []
    return [str((p.get("image_url") or {}).get("url", "")) for p in content
            if isinstance(p, dict) and p.get("type") == "image_url" and isinstance(p.get("image_url"), dict)]


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else b if pb <= pc else c


def _unfilter(data: bytes, width: int, height: int, bpp: int) -> list[bytes]:
    stride, rows, previous, at = width * bpp, [], bytes(width * bpp), 0
    for _ in range(height):
        kind, line = data[at], bytearray(data[at + 1:at + 1 + stride])
        at += 1 + stride
        for i in range(stride):
            left = line[i - bpp] if i >= bpp else 0
            up, corner = previous[i], previous[i - bpp] if i >= bpp else 0
            line[i] = (line[i] + (0, left, up, (left + up) // 2, _paeth(left, up, corner))[kind]) & 0xFF
        rows.append(bytes(line))
        previous = line
    return rows


def decode_png(png: bytes) -> list[tuple[int, int, int]]:
    """The RGB pixels of a PNG; ValueError for what this small decoder cannot read."""
    if not png.startswith(PNG_SIGNATURE):
        raise ValueError("not a PNG")
    at, header, compressed = len(PNG_SIGNATURE), None, b""
    while at + 8 <= len(png):
        length, kind = struct.unpack(">I4s", png[at:at + 8])
        data = png[at + 8:at + 8 + length]
        at += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", data)
        elif kind == b"IDAT":
            compressed += data
    if header is None:
        raise ValueError("no IHDR chunk")
    width, height, depth, colour_type, _, _, interlace = header
    if depth != 8 or colour_type not in CHANNELS or interlace:
        raise ValueError("only 8-bit RGB or RGBA PNGs without interlacing are read")
    bpp = CHANNELS[colour_type]
    rows = _unfilter(zlib.decompress(compressed), width, height, bpp)
    return [tuple(row[i:i + 3]) for row in rows for i in range(0, width * bpp, bpp)]


@functools.lru_cache(maxsize=65536)  # a probe image has few distinct pixels, sent many times over
def colour_name(rgb: tuple[int, int, int]) -> str:
    return min(NAMED, key=lambda name: sum((a - b) ** 2 for a, b in zip(NAMED[name], rgb, strict=True)))


LOOPBACK = {"127.0.0.1", "localhost", "::1"}
IMAGE_TYPES = {"image/png": "data:image/png;base64,", "image/jpeg": "data:image/jpeg;base64,"}


class ImageURLError(ValueError):
    """An image URL that cannot be used: its message is the 400's."""


def fetched(url: str) -> str:
    """An http(s) image URL as the data URL of what it serves (PNG or JPEG), or ImageURLError."""
    host = urlsplit(url).hostname or ""
    if host not in LOOPBACK:
        raise ImageURLError(f"image URL {url} cannot be fetched: this server reaches loopback only")
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:  # noqa: S310 (loopback, checked above)
            kind = answer.headers.get_content_type()
            data = answer.read(4_000_000)
    except urllib.error.HTTPError as err:
        raise ImageURLError(f"image URL {url} could not be fetched: HTTP {err.code}") from None
    except (urllib.error.URLError, OSError) as err:
        raise ImageURLError(f"image URL {url} could not be fetched: {getattr(err, 'reason', err)}") from None
    if kind not in IMAGE_TYPES:
        raise ImageURLError(f"image URL {url} is not a PNG or JPEG image ({kind})")
    return IMAGE_TYPES[kind] + base64.b64encode(data).decode("ascii")


def resolve_urls(messages: list[dict], breaks: frozenset[str]) -> list[dict]:
    """The messages with every http(s) image URL replaced by the data URL of what it serves; a URL
    that cannot be used raises ImageURLError (a 400). `vision-url`: URLs are left as they are."""
    if "vision-url" in breaks:
        return messages
    out = []
    for message in messages:
        content = message.get("content")
        if isinstance(content, list):
            content = [{**p, "image_url": {**p["image_url"], "url": fetched(p["image_url"]["url"])}}
                       if isinstance(p, dict) and p.get("type") == "image_url" and isinstance(p.get("image_url"), dict)
                       and str(p["image_url"].get("url", "")).startswith(("http://", "https://")) else p
                       for p in content]
            message = {**message, "content": content}
        out.append(message)
    return out


def describe(url: str, breaks: frozenset[str] = frozenset()) -> str:
    """What the scripted model says about one image."""
    decoders = {"data:image/png;base64,": decode_png, "data:image/jpeg;base64,": decode_jpeg,
                "data:image/jpg;base64,": decode_jpeg}
    if "vision-jpeg" in breaks:  # JPEG's pixels never reach the model
        decoders = {"data:image/png;base64,": decode_png}
    prefix = next((p for p in decoders if url.startswith(p)), None)
    if prefix is None:
        return "I cannot read this image."
    try:
        pixels = decoders[prefix](base64.b64decode(url[len(prefix):], validate=True))
    except (ValueError, binascii.Error, zlib.error, struct.error, IndexError, KeyError):
        return "I cannot read this image."
    if not pixels:
        return "I cannot read this image."
    # Named first: a JPEG's areas vary by a level or two around one colour.
    return Counter(colour_name(p) for p in pixels).most_common(1)[0][0].capitalize() + "."


def answer(messages: list[dict], breaks: frozenset[str], text: str) -> str:
    """The answer to a last user message with images: their colours, one word each."""
    last_user = next((m for m in reversed(messages) if m.get("role") == "user"), {})
    urls = images_in(last_user)
    if not urls or "vision-dropped" in breaks:
        return text
    return " ".join(describe(url, breaks) for url in urls)
