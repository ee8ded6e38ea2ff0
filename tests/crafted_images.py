"""Tiny image files that declare huge images, written without ever holding the pixels."""

import struct
import zlib

import cv2
import numpy as np


def _chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bytes(width, height, depth=8, colour=0, rows=1):
    """A valid PNG header declaring ``width``×``height``, with ``rows`` zero rows of data.

    ``rows=height`` gives a complete image, compressed row by row (a bomb stays small in
    memory while it is written).
    """
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[colour]
    row = bytes(1 + -(-width * channels * depth // 8)) if rows else b""  # filter byte + zeros
    packer = zlib.compressobj(9)
    data = b"".join(packer.compress(row) for _ in range(rows)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", data) + _chunk(b"IEND", b"")


def jpeg_bytes(width, height):
    """A real 8×8 JPEG whose frame header (SOF0) is rewritten to declare ``width``×``height``."""
    data = bytearray(cv2.imencode(".jpg", np.zeros((8, 8, 3), np.uint8))[1].tobytes())
    sof = data.index(b"\xff\xc0")
    data[sof + 5:sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)
