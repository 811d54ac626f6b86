"""Images the suite makes itself, with the standard library only: a PNG of one solid colour.

An effect probe of vision needs an image whose answer is known and short ("red"), and no file or
URL to fetch. PNG is zlib-compressed rows, each behind a filter byte (0: none), in CRC'd chunks.
JPEG needs a DCT encoder the standard library lacks, so the suite sends PNG only.
"""
import base64
import struct
import zlib

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
RGB = 2  # PNG colour type: 8-bit red, green, blue


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def solid_png(rgb: tuple[int, int, int], width: int = 64, height: int = 64) -> bytes:
    """A width x height PNG of one colour."""
    header = struct.pack(">IIBBBBB", width, height, 8, RGB, 0, 0, 0)  # depth 8, no interlace
    row = b"\x00" + bytes(rgb) * width
    return (PNG_SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(row * height, 9))
            + _chunk(b"IEND", b""))


def data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
