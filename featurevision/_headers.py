"""What an image file declares about its pixels, read from its header without decoding it.

:func:`~featurevision._images.read_image` asks :func:`read_header` first, so a file
that declares a huge image (a decompression bomb: a 1 MB PNG can unpack to gigabytes)
is refused before a single pixel is decoded. Parsed: PNG (IHDR), JPEG (SOF markers),
BMP, TIFF (first IFD), WebP (VP8, VP8L, VP8X) and PNM (PBM/PGM/PPM). Anything else
returns None and is left to the decoder.
"""

from __future__ import annotations

import re
import struct
from typing import NamedTuple

__all__ = ["ImageHeader", "read_header"]


class ImageHeader(NamedTuple):
    """Size and sample layout an image file declares.

    ``channels`` and ``bytes_per_sample`` are what the decoder will produce at most
    (a palette PNG decodes to 3 or 4 channels, a 12-bit JPEG to 2 bytes a sample), so
    ``decoded_bytes`` is an upper bound of the decoded array's size.

    Examples
    --------
    >>> ImageHeader(width=4, height=3, channels=3, bytes_per_sample=2).decoded_bytes
    72
    """

    width: int
    height: int
    channels: int
    bytes_per_sample: int

    @property
    def decoded_bytes(self):
        return self.width * self.height * self.channels * self.bytes_per_sample


# PNG colour type → channels once decoded (OpenCV expands gray+alpha and palettes).
_PNG_CHANNELS = {0: 1, 2: 3, 3: 4, 4: 4, 6: 4}
# JPEG start-of-frame markers: C0–CF except DHT (C4), JPG (C8) and DAC (CC).
_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
# Markers with no length field: TEM, RST0–7, SOI.
_JPEG_STANDALONE = frozenset([0x01, *range(0xD0, 0xD9)])


def _png(data):
    if len(data) < 29 or data[12:16] != b"IHDR":
        return None
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    return ImageHeader(width, height, _PNG_CHANNELS.get(colour, 4), 2 if depth > 8 else 1)


def _jpeg(data):
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte before a marker
            pos += 1
            continue
        if marker in _JPEG_STANDALONE:
            pos += 2
            continue
        if marker == 0xDA:  # start of scan before any frame header: nothing to read
            return None
        (length,) = struct.unpack(">H", data[pos + 2:pos + 4])
        if marker in _JPEG_SOF:
            if pos + 10 > len(data):
                return None
            precision, height, width, components = struct.unpack(">BHHB", data[pos + 4:pos + 10])
            return ImageHeader(width, height, max(components, 1), 2 if precision > 8 else 1)
        pos += 2 + length
    return None


def _bmp(data):
    if len(data) < 26:
        return None
    (size,) = struct.unpack("<I", data[14:18])
    if size == 12:  # BITMAPCOREHEADER: 16-bit sizes
        width, height, _, bits = struct.unpack("<HHHH", data[18:26])
    elif len(data) >= 30:
        width, height, _, bits = struct.unpack("<iiHH", data[18:30])
    else:
        return None
    return ImageHeader(abs(width), abs(height), 4 if bits == 32 else 3, 1)


_TIFF_TYPES = {3: "H", 4: "I"}  # SHORT, LONG


def _tiff_value(data, end, kind, count, field):
    """The first value of a TIFF IFD entry (inline when it fits in 4 bytes, else at an offset)."""
    code = _TIFF_TYPES.get(kind)
    if code is None:
        return None
    size = struct.calcsize(code)
    if size * count > 4:
        (offset,) = struct.unpack(end + "I", field)
        field = data[offset:offset + size]
        if len(field) < size:
            return None
    return struct.unpack(end + code, field[:size])[0]


def _tiff(data):
    end = "<" if bytes(data[:2]) == b"II" else ">"
    if len(data) < 8 or struct.unpack(end + "H", data[2:4])[0] != 42:
        return None  # BigTIFF (43) and others: left to the decoder
    (ifd,) = struct.unpack(end + "I", data[4:8])
    if ifd + 2 > len(data):
        return None
    (n_entries,) = struct.unpack(end + "H", data[ifd:ifd + 2])
    tags = {}
    for k in range(n_entries):
        entry = data[ifd + 2 + 12 * k:ifd + 14 + 12 * k]
        if len(entry) < 12:
            return None
        tag, kind, count = struct.unpack(end + "HHI", entry[:8])
        if tag in (256, 257, 258, 277):
            tags[tag] = _tiff_value(data, end, kind, count, entry[8:12])
    width, height = tags.get(256), tags.get(257)
    if width is None or height is None:
        return None
    bits = tags.get(258) or 8
    channels = tags.get(277) or 1
    return ImageHeader(width, height, max(channels, 1), max(1, -(-bits // 8)))


def _webp(data):
    if len(data) < 30:
        return None
    kind = data[12:16]
    if kind == b"VP8 " and data[23:26] == b"\x9d\x01\x2a":
        width, height = struct.unpack("<HH", data[26:30])
        return ImageHeader(width & 0x3FFF, height & 0x3FFF, 3, 1)
    if kind == b"VP8L" and data[20] == 0x2F:
        (bits,) = struct.unpack("<I", data[21:25])
        return ImageHeader((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1, 4, 1)
    if kind == b"VP8X":
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return ImageHeader(width, height, 4, 1)
    return None


# Magic, then width, height and (but for PBM) maxval, separated by whitespace and comments.
_PNM = re.compile(rb"P([1-6])((?:\s+|#[^\n]*\n)+(\d+)){2,3}")
_PNM_FIELD = re.compile(rb"(?:\s|#[^\n]*\n)+(\d+)")


def _pnm(data):
    head = bytes(data[:1024])
    if not _PNM.match(head):
        return None
    magic = head[1:2]
    fields = [int(v) for v in _PNM_FIELD.findall(head[2:])[:3]]
    maxval = fields[2] if magic not in (b"1", b"4") and len(fields) > 2 else 1
    channels = 3 if magic in (b"3", b"6") else 1
    return ImageHeader(fields[0], fields[1], channels, 2 if maxval > 255 else 1)


def read_header(data):
    """The size and layout an image file declares, or None when its format is not parsed.

    Parameters
    ----------
    data : bytes-like
        The file's bytes (a uint8 array will do; it is not copied). The first
        kilobytes suffice for all but JPEG, whose frame header may follow large
        metadata segments.

    Returns
    -------
    ImageHeader or None
        None for a format not parsed here or a header too damaged to read; the decoder
        then decides.

    Examples
    --------
    >>> import cv2, numpy as np
    >>> ok, png = cv2.imencode(".png", np.zeros((3, 5), np.uint16))
    >>> read_header(png.tobytes())
    ImageHeader(width=5, height=3, channels=1, bytes_per_sample=2)
    """
    data = memoryview(data).cast("B")
    magic = bytes(data[:12])
    try:
        if magic.startswith(b"\x89PNG\r\n\x1a\n"):
            return _png(data)
        if magic.startswith(b"\xff\xd8"):
            return _jpeg(data)
        if magic.startswith(b"BM"):
            return _bmp(data)
        if magic[:4] in (b"II*\x00", b"MM\x00*"):
            return _tiff(data)
        if magic.startswith(b"RIFF") and magic[8:12] == b"WEBP":
            return _webp(data)
        if magic.startswith(b"P"):
            return _pnm(data)
    except (struct.error, IndexError):
        return None
    return None
