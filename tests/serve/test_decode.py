import struct
import zlib

import cv2
import numpy as np
import pytest

import featurevision
from featurevision.serve.decode import ImageTooLarge, decode_image, decode_images


def _chunk(kind, payload):
    body = kind + payload
    return struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body))


def png_header_only(width, height):
    """A valid PNG header announcing ``width``×``height`` gray pixels, and an empty pixel stream."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", zlib.compress(b""))
            + _chunk(b"IEND", b""))


@pytest.mark.parametrize("ext", [".png", ".jpg", ".bmp", ".tiff", ".webp", ".ppm"])
def test_decodes_like_read_image(ext, tmp_path, color_batch):
    image = color_batch[0]
    _, data = cv2.imencode(ext, cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    path = tmp_path / f"a{ext}"
    path.write_bytes(data.tobytes())
    np.testing.assert_array_equal(decode_image(data.tobytes(), "a"), featurevision.read_image(path))


@pytest.mark.parametrize("ext", [".png", ".jpg", ".bmp", ".webp", ".pgm"])
@pytest.mark.parametrize("keep", [0.5, 0.95])
def test_truncated_files_are_refused(ext, keep, camera):
    data = cv2.imencode(ext, camera)[1].tobytes()
    with pytest.raises(ValueError, match=rf"^cut{ext}: "):
        decode_image(data[:int(len(data) * keep)], f"cut{ext}")


def test_jpeg_with_a_thumbnail_marker_before_the_cut_is_still_truncated(camera):
    data = cv2.imencode(".jpg", camera)[1].tobytes()
    # An earlier end-of-image marker (as an EXIF thumbnail has) must not hide the cut.
    start = data.index(b"\xff\xda")
    crafted = data[:start] + b"\xff\xd9" + data[start:len(data) // 2]
    with pytest.raises(ValueError, match="truncated or corrupt JPEG"):
        decode_image(crafted, "thumb.jpg")


@pytest.mark.parametrize("data, problem", [
    (b"", "empty file"),
    (b"hello, world", "not an image"),
    (b"%PDF-1.4\n" + bytes(100), "not an image"),
    (b"GIF89a" + bytes(40), "not an image|unsupported image format"),
])
def test_non_images_are_refused_with_the_name(data, problem):
    with pytest.raises(ValueError, match=rf"^notes.txt: ({problem})"):
        decode_image(data, "notes.txt")


def test_header_above_max_pixels_is_refused_before_decoding():
    side = int(featurevision.MAX_PIXELS ** 0.5) + 1
    with pytest.raises(ImageTooLarge, match=r"^huge.png: .*MAX_PIXELS"):
        decode_image(png_header_only(side, side), "huge.png")


def test_header_within_the_limit_but_no_pixels_is_corrupt():
    with pytest.raises(ValueError, match="truncated or corrupt PNG"):
        decode_image(png_header_only(64, 64), "empty.png")


def test_decode_images_names_the_first_bad_file(camera):
    good = cv2.imencode(".png", camera)[1].tobytes()
    with pytest.raises(ValueError, match="^b.png"):
        decode_images([("a.png", good), ("b.png", b"junk"), ("c.png", b"junk")])
