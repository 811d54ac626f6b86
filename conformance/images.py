"""Images the suite makes itself, with the standard library only: a PNG or a JPEG of one solid colour.

An effect probe of vision needs an image whose answer is known and short ("red"), and no file or
URL to fetch. PNG is zlib-compressed rows, each behind a filter byte (0: none), in CRC'd chunks.
A baseline JPEG of one colour needs no DCT: every 8x8 block is flat, so its only non-zero
coefficient is the DC term (8 x (level - 128)), which is entropy-coded as a difference from the
previous block's (after the first block: 0), followed by an end-of-block code for the AC terms.
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


# JPEG's standard DC Huffman table (ITU T.81, Annex K.3, luminance): code lengths 1-16, then the
# symbols (the size category of a DC difference, 0-11) in code order.
DC_LENGTHS = (0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0)
DC_SYMBOLS = tuple(range(12))
# The AC terms of a flat block are all zero: one symbol, end of block (0x00), with the 1-bit code 0.
AC_LENGTHS = (1,) + (0,) * 15
AC_SYMBOLS = (0x00,)


def _segment(marker: int, payload: bytes) -> bytes:
    return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload


def _codes(lengths, symbols) -> dict[int, tuple[int, int]]:
    """symbol -> (code, length): canonical Huffman codes, as a decoder rebuilds them (T.81 C.2)."""
    table, code, at = {}, 0, 0
    for length, count in enumerate(lengths, start=1):
        for _ in range(count):
            table[symbols[at]] = (code, length)
            code, at = code + 1, at + 1
        code <<= 1
    return table


def ycbcr(rgb: tuple[int, int, int]) -> tuple[int, int, int]:
    """JFIF's RGB -> YCbCr, rounded and kept within 0-255."""
    r, g, b = rgb
    levels = (0.299 * r + 0.587 * g + 0.114 * b,
              128 - 0.168736 * r - 0.331264 * g + 0.5 * b,
              128 + 0.5 * r - 0.418688 * g - 0.081312 * b)
    return tuple(min(255, max(0, round(v))) for v in levels)


class _Bits:
    """Entropy-coded bits, most significant first; a 0xFF byte is followed by a stuffed 0x00."""

    def __init__(self):
        self.out, self.acc, self.count = bytearray(), 0, 0

    def put(self, value: int, length: int) -> None:
        for i in range(length - 1, -1, -1):
            self.acc = (self.acc << 1) | ((value >> i) & 1)
            self.count += 1
            if self.count == 8:
                self.out.append(self.acc)
                if self.acc == 0xFF:
                    self.out.append(0x00)
                self.acc, self.count = 0, 0

    def flush(self) -> bytes:
        if self.count:
            self.put((1 << (8 - self.count)) - 1, 8 - self.count)  # pad with 1-bits
        return bytes(self.out)


def _dc_difference(bits: _Bits, codes: dict, diff: int) -> None:
    """A DC difference: the Huffman code of its size, then its bits (negative: one's complement)."""
    size = abs(diff).bit_length()
    bits.put(*codes[size])
    if size:
        bits.put(diff if diff > 0 else diff + (1 << size) - 1, size)


def solid_jpeg(rgb: tuple[int, int, int], width: int = 64, height: int = 64) -> bytes:
    """A width x height baseline JPEG (JFIF, YCbCr, no subsampling, quantiser 1) of one colour."""
    levels = ycbcr(rgb)
    components = range(1, 4)
    jfif = _segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
    quantiser = _segment(0xDB, b"\x00" + b"\x01" * 64)  # table 0, 8-bit, every step 1: DC kept exactly
    frame = _segment(0xC0, struct.pack(">BHHB", 8, height, width, 3)
                     + b"".join(struct.pack(">BBB", c, 0x11, 0) for c in components))
    huffman = _segment(0xC4, b"\x00" + bytes(DC_LENGTHS) + bytes(DC_SYMBOLS)
                       + b"\x10" + bytes(AC_LENGTHS) + bytes(AC_SYMBOLS))  # class 0 / class 1, both id 0
    scan = _segment(0xDA, b"\x03" + b"".join(struct.pack(">BB", c, 0x00) for c in components) + b"\x00\x3f\x00")
    dc_codes, eob = _codes(DC_LENGTHS, DC_SYMBOLS), _codes(AC_LENGTHS, AC_SYMBOLS)[0x00]
    bits, previous = _Bits(), [0, 0, 0]
    blocks = ((width + 7) // 8) * ((height + 7) // 8)
    for _ in range(blocks):  # one MCU: a Y, a Cb and a Cr block
        for i, level in enumerate(levels):
            dc = 8 * (level - 128)
            _dc_difference(bits, dc_codes, dc - previous[i])
            previous[i] = dc
            bits.put(*eob)
    return b"\xff\xd8" + jfif + quantiser + frame + huffman + scan + bits.flush() + b"\xff\xd9"


def data_url(image: bytes) -> str:
    """A base64 data URL, its media type read from the image's signature (PNG or JPEG)."""
    media = "image/jpeg" if image.startswith(b"\xff\xd8") else "image/png"
    return f"data:{media};base64," + base64.b64encode(image).decode("ascii")
