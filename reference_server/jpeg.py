"""A small baseline JPEG reader for the scripted model's vision: enough to tell an image's colours.

It reads what any baseline JPEG holds (ITU T.81: DQT, DHT, SOF0/SOF1, SOS, DRI and restart markers,
any sampling factors, one or three components) and decodes every block's Huffman-coded
coefficients, but keeps only the DC term: a block's average level, which is all that naming a
colour needs, so no inverse DCT. Progressive and arithmetic-coded JPEGs are refused (ValueError).
"""
import struct


def _huffman(lengths: bytes, symbols: bytes) -> dict[tuple[int, int], int]:
    """(length, code) -> symbol, from a DHT table's code lengths (T.81 Annex C)."""
    table, code, at = {}, 0, 0
    for length, count in enumerate(lengths, start=1):
        for _ in range(count):
            table[(length, code)] = symbols[at]
            code, at = code + 1, at + 1
        code <<= 1
    return table


class _Reader:
    """The entropy-coded bits of a scan: stuffed 0x00 after 0xFF skipped; a marker ends the bits."""

    def __init__(self, data: bytes, at: int):
        self.data, self.at, self.acc, self.count = data, at, 0, 0

    def bit(self) -> int:
        if self.count == 0:
            byte = self.data[self.at]
            if byte == 0xFF:
                following = self.data[self.at + 1]
                if following != 0x00:
                    raise ValueError(f"marker 0xFF{following:02X} inside the scan's data")
                self.at += 1
            self.at += 1
            self.acc, self.count = byte, 8
        self.count -= 1
        return (self.acc >> self.count) & 1

    def bits(self, n: int) -> int:
        value = 0
        for _ in range(n):
            value = (value << 1) | self.bit()
        return value

    def symbol(self, table: dict) -> int:
        code = 0
        for length in range(1, 17):
            code = (code << 1) | self.bit()
            if (length, code) in table:
                return table[(length, code)]
        raise ValueError("no Huffman code matches the scan's bits")

    def restart(self) -> None:
        """Skip the padding and the RSTn marker after a restart interval."""
        self.count = 0
        if self.data[self.at] == 0xFF and 0xD0 <= self.data[self.at + 1] <= 0xD7:
            self.at += 2
        else:
            raise ValueError("a restart marker is missing")


def _extend(value: int, size: int) -> int:
    """A DC difference from its `size` bits (T.81 F.2.2.1): a leading 0 bit means negative."""
    return value - (1 << size) + 1 if size and value < (1 << (size - 1)) else value


def _skip_ac(reader: _Reader, table: dict) -> None:
    at = 1
    while at < 64:
        symbol = reader.symbol(table)
        run, size = symbol >> 4, symbol & 0x0F
        if size == 0 and run != 15:
            return  # end of block
        reader.bits(size)
        at += run + 1


def decode_jpeg(data: bytes) -> list[tuple[int, int, int]]:
    """One RGB colour per MCU (an 8x8 or 16x16 area, by the sampling factors): the average of the
    area's blocks. ValueError for what this reader cannot read."""
    if not data.startswith(b"\xff\xd8"):
        raise ValueError("not a JPEG")
    at, quant, tables, frame, restart_interval = 2, {}, {}, None, 0
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            raise ValueError(f"expected a marker at byte {at}")
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        length = struct.unpack(">H", data[at + 2:at + 4])[0]
        segment = data[at + 4:at + 2 + length]
        at += 2 + length
        if marker == 0xDB:
            i = 0
            while i < len(segment):
                precision, ident = segment[i] >> 4, segment[i] & 0x0F
                size = 128 if precision else 64
                step = segment[i + 1:i + 1 + size]
                quant[ident] = struct.unpack(">H", step[:2])[0] if precision else step[0]  # DC step only
                i += 1 + size
        elif marker == 0xC4:
            i = 0
            while i < len(segment):
                kind, lengths = segment[i], segment[i + 1:i + 17]
                count = sum(lengths)
                tables[(kind >> 4, kind & 0x0F)] = _huffman(lengths, segment[i + 17:i + 17 + count])
                i += 17 + count
        elif marker in (0xC0, 0xC1):
            precision, height, width, count = struct.unpack(">BHHB", segment[:6])
            if precision != 8 or count not in (1, 3):
                raise ValueError("only 8-bit JPEGs with one or three components are read")
            frame = [(segment[6 + 3 * i], segment[7 + 3 * i] >> 4, segment[7 + 3 * i] & 0x0F, segment[8 + 3 * i])
                     for i in range(count)]
        elif 0xC2 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            raise ValueError("only baseline (sequential, Huffman-coded) JPEGs are read")
        elif marker == 0xDD:
            restart_interval = struct.unpack(">H", segment[:2])[0]
        elif marker == 0xDA:
            if frame is None:
                raise ValueError("a scan before the frame header")
            return _scan(data, at, segment, frame, (width, height), quant, tables, restart_interval)
        elif marker == 0xD9:
            break
    raise ValueError("no scan in the JPEG")


def _scan(data, at, segment, frame, size, quant, tables, restart_interval) -> list[tuple[int, int, int]]:
    if segment[0] != len(frame):
        raise ValueError("only scans of every component (interleaved) are read")
    selectors = {segment[1 + 2 * i]: segment[2 + 2 * i] for i in range(segment[0])}
    hmax, vmax = max(c[1] for c in frame), max(c[2] for c in frame)
    width, height = size
    mcus = ((width + 8 * hmax - 1) // (8 * hmax)) * ((height + 8 * vmax - 1) // (8 * vmax))
    if len(frame) == 1:  # one component, not interleaved: one block per MCU
        mcus = ((width + 7) // 8) * ((height + 7) // 8)
        frame = [(frame[0][0], 1, 1, frame[0][3])]
    reader, predictors, colours = _Reader(data, at), [0] * len(frame), []
    for index in range(mcus):
        if restart_interval and index and index % restart_interval == 0:
            reader.restart()
            predictors = [0] * len(frame)
        levels = []
        for c, (ident, h, v, q) in enumerate(frame):
            dc_table, ac_table = tables[(0, selectors[ident] >> 4)], tables[(1, selectors[ident] & 0x0F)]
            total = 0
            for _ in range(h * v):
                size_bits = reader.symbol(dc_table)
                predictors[c] += _extend(reader.bits(size_bits), size_bits)
                total += predictors[c]
                _skip_ac(reader, ac_table)
            levels.append(total / (h * v) * quant.get(q, 1) / 8 + 128)
        colours.append(_rgb(levels))
    if reader.at >= len(data) or data[reader.at] != 0xFF:  # the next marker (EOI) follows the last block
        raise ValueError("the scan's data does not end after its last block")
    return colours


def _rgb(levels: list[float]) -> tuple[int, int, int]:
    """JFIF's YCbCr -> RGB (a grey level for one component)."""
    y, cb, cr = (levels + [128, 128])[:3] if len(levels) == 1 else levels
    rgb = (y + 1.402 * (cr - 128), y - 0.344136 * (cb - 128) - 0.714136 * (cr - 128), y + 1.772 * (cb - 128))
    return tuple(min(255, max(0, round(v))) for v in rgb)
