import cv2
import numpy as np
import pytest

from featurevision._images import (
    MAX_PIXELS,
    as_float,
    as_gray_float,
    as_gray_u8,
    as_rgb,
    check_images,
    read_image,
    stack_as_float,
)

from . import crafted_images


def test_three_forms_are_accepted(tmp_path):
    stack = np.zeros((2, 5, 6, 3), np.uint8)
    assert check_images(stack).stack is stack
    assert len(check_images([np.zeros((3, 3)), np.zeros((7, 2, 4))])) == 2
    path = tmp_path / "a.png"
    cv2.imwrite(str(path), np.zeros((4, 4), np.uint8))
    batch = check_images([path, str(path)])
    assert batch.paths is not None and batch[0].shape == (4, 4)


@pytest.mark.parametrize(
    "X, error, message",
    [
        ([], ValueError, "empty batch"),
        (np.zeros((0, 4, 4)), ValueError, "empty batch"),
        (np.zeros((4, 4)), ValueError, "pass \\[image\\]"),
        ([np.zeros((4, 4)), np.zeros((0, 3))], ValueError, "image 1: zero-size"),
        ([np.zeros((4, 4)), np.zeros(4)], ValueError, "image 1: expected a 2-D"),
        ([np.zeros((4, 4, 5))], ValueError, "image 0: expected 1, 3 or 4 channels"),
        (np.zeros((2, 4, 4, 2)), ValueError, "channels"),
        ([np.zeros((3, 3)), np.full((3, 3), np.nan)], ValueError, "image 1: contains NaN"),
        (np.stack([np.zeros((3, 3)), np.full((3, 3), np.inf)]), ValueError, "image 1: contains NaN"),
        ([np.zeros((3, 3), np.complex64)], TypeError, "image 0: unsupported pixel dtype"),
        ([np.zeros((3, 3)), "x.png"], TypeError, "image 1: a batch mixes"),
        (["missing.png"], ValueError, "image 0 \\('missing.png'\\): file not found"),
        ("one.png", TypeError, "batch of one"),
        (42, TypeError, "expected an array"),
    ],
)
def test_bad_batches_name_the_image(X, error, message):
    with pytest.raises(error, match=message):
        check_images(X)


def test_corrupt_and_oversized(tmp_path, monkeypatch):
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not an image")
    batch = check_images([str(bad)])
    with pytest.raises(ValueError, match="image 0 .*bad.png.*not a readable image"):
        batch[0]
    import featurevision._images as images

    monkeypatch.setattr(images, "MAX_PIXELS", 10)
    with pytest.raises(ValueError, match="exceeds the limit"):
        check_images([np.zeros((4, 4))])
    assert MAX_PIXELS == 100_000_000


def test_read_image_is_rgb_and_keeps_16_bit(tmp_path):
    rgb = np.zeros((2, 3, 3), np.uint8)
    rgb[..., 0] = 200  # red
    cv2.imwrite(str(tmp_path / "c.png"), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    assert read_image(tmp_path / "c.png")[0, 0].tolist() == [200, 0, 0]
    deep = np.full((2, 2), 40000, np.uint16)
    cv2.imwrite(str(tmp_path / "d.png"), deep)
    assert read_image(tmp_path / "d.png").dtype == np.uint16
    with pytest.raises(ValueError, match="file not found"):
        read_image(tmp_path / "nope.png")


def test_pixel_conventions():
    assert as_float(np.array([[0, 255]], np.uint8)).tolist() == [[0.0, 1.0]]
    assert as_float(np.array([[0, 65535]], np.uint16)).tolist() == [[0.0, 1.0]]
    assert as_float(np.array([[False, True]])).tolist() == [[0.0, 1.0]]
    np.testing.assert_allclose(as_float(np.array([[0, 100]], np.int64)), [[0.0, 100 / 255]], rtol=1e-6)
    assert as_float(np.array([[0.25, 0.5]])).tolist() == [[0.25, 0.5]]
    np.testing.assert_allclose(as_float(np.array([[-1.0, 3.0]])), [[0.0, 1.0]])
    assert as_float(np.full((2, 2), 7.0)).max() == 0.0
    assert as_gray_u8(np.full((2, 2, 3), 255, np.uint8)).tolist() == [[255, 255], [255, 255]]
    assert as_gray_float(np.zeros((2, 2, 4), np.uint8)).shape == (2, 2)
    assert as_rgb(np.ones((2, 2), bool)).max() == 255


def test_stack_as_float_matches_per_image():
    rng = np.random.default_rng(0)
    for stack in [rng.normal(size=(4, 5, 5)), rng.integers(0, 300, (3, 4, 4)),
                  rng.random((2, 3, 3)).astype(np.float32)]:
        expected = np.stack([as_float(image) for image in stack])
        np.testing.assert_allclose(stack_as_float(stack), expected, rtol=1e-6, atol=1e-7)


# Files that declare more than the decoder should ever be asked to produce.

def test_dtypes_that_are_not_pixels_are_refused():
    # NumPy files timedelta64 under np.integer: it must not pass as pixels.
    for dtype in ["m8[s]", "M8[s]", "complex128", "object"]:
        X = np.zeros((2, 3, 3), dtype)
        with pytest.raises(TypeError, match="unsupported pixel dtype"):
            check_images(X if dtype != "object" else list(X))


@pytest.mark.parametrize(
    "name, content, match",
    [
        ("huge.png", crafted_images.png_bytes(100_000, 100_000), "declares 100000×100000 pixels"),
        ("huge16.png", crafted_images.png_bytes(100_000, 100_000, depth=16, colour=2),
         "declares 100000×100000 pixels"),
        ("huge.jpg", crafted_images.jpeg_bytes(65_500, 65_500), "declares 65500×65500 pixels"),
        ("empty.png", crafted_images.png_bytes(0, 7), "declares a zero-size image"),
    ],
    ids=["png", "png-16-bit-rgb", "jpeg", "png-zero-width"],
)
def test_files_declaring_huge_images_are_refused_before_decoding(tmp_path, monkeypatch, name,
                                                                 content, match):
    path = tmp_path / name
    path.write_bytes(content)
    assert len(content) < 1000
    decode = cv2.imdecode
    monkeypatch.setattr(cv2, "imdecode", lambda *a: pytest.fail("decoded a refused file"))
    with pytest.raises(ValueError, match=rf"image 3 \('.*{name}'\): the file {match}"):
        check_images([path] * 4)[3]
    monkeypatch.setattr(cv2, "imdecode", decode)


def test_opencv_errors_become_value_errors(tmp_path, monkeypatch):
    import featurevision._images as images

    # With the header check off, OpenCV's own limit answers: still a ValueError naming the file.
    monkeypatch.setattr(images, "read_header", lambda data: None)
    path = tmp_path / "huge.png"
    path.write_bytes(crafted_images.png_bytes(100_000, 100_000))
    with pytest.raises(ValueError, match=r"'.*huge.png': not a readable image \(.*pixels"):
        read_image(path)


def test_decoded_byte_budget(tmp_path, monkeypatch):
    import featurevision._images as images

    path = tmp_path / "deep.png"
    cv2.imwrite(str(path), np.zeros((8, 8, 3), np.uint16))
    monkeypatch.setattr(images, "MAX_IMAGE_BYTES", 8 * 8 * 3 * 2 - 1)
    with pytest.raises(ValueError, match=r"8×8×3 samples of 2 bytes \(384 bytes decoded\), over"):
        read_image(path)
    monkeypatch.setattr(images, "MAX_IMAGE_BYTES", 8 * 8 * 3 * 2)
    assert read_image(path).shape == (8, 8, 3)


@pytest.fixture(scope="session")
def png_bomb(tmp_path_factory):
    """A real 11000×11000 16-bit PNG of zeros: under 1 MB on disk, 242 MB decoded."""
    path = tmp_path_factory.mktemp("bomb") / "bomb.png"
    path.write_bytes(crafted_images.png_bytes(11_000, 11_000, depth=16, rows=11_000))
    return path


def test_decompression_bomb_is_refused_unread(png_bomb):
    import resource
    import time

    assert png_bomb.stat().st_size < 1_000_000
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    began = time.perf_counter()
    with pytest.raises(ValueError, match="declares 11000×11000 pixels, over the limit"):
        read_image(png_bomb)
    assert time.perf_counter() - began < 1.0
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak < 100_000


def test_every_parsed_header_matches_the_decoder(tmp_path):
    from featurevision._headers import read_header

    cases = [(".png", np.zeros((3, 5, 3), np.uint16)), (".jpg", np.zeros((7, 9), np.uint8)),
             (".bmp", np.zeros((7, 9, 3), np.uint8)), (".tif", np.zeros((7, 9, 4), np.float32)),
             (".webp", np.zeros((7, 9, 3), np.uint8)), (".pgm", np.zeros((7, 9), np.uint16)),
             (".ppm", np.zeros((7, 9, 3), np.uint8))]
    for ext, image in cases:
        data = cv2.imencode(ext, image)[1]
        header = read_header(data)
        decoded = cv2.imdecode(data, cv2.IMREAD_UNCHANGED)
        assert (header.height, header.width) == decoded.shape[:2], ext
        assert header.decoded_bytes >= decoded.nbytes, ext
    assert read_header(b"GIF89a") is None and read_header(b"\x89PNG\r\n\x1a\n") is None


def test_only_regular_files_are_read(tmp_path):
    import os

    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    good = tmp_path / "good.png"
    cv2.imwrite(str(good), np.zeros((4, 4), np.uint8))
    with pytest.raises(ValueError, match=r"image 1 \('.*pipe.png'\): not a regular file"):
        check_images([good, fifo])
    with pytest.raises(ValueError, match="not a regular file"):
        read_image(fifo)  # would block on open() if it tried to read
    with pytest.raises(ValueError, match="not a regular file"):
        read_image(tmp_path)


def test_float_conversions_stay_finite_and_in_range():
    big32, big64 = np.finfo(np.float32).max, np.finfo(np.float64).max
    offset = 1e6 + 0.1 * np.arange(16.0).reshape(4, 4)
    # Before: float32 rounding of the offset put the brightest pixel at 1.25, wrapped to 63.
    assert as_gray_u8(np.array([[1e6, 1e6 + 0.1]])).tolist() == [[0, 255]]
    assert as_gray_u8(offset).max() == 255 and as_gray_u8(offset).min() == 0
    for image in [np.array([[-big32, big32]], np.float32), np.array([[-big64, 0.0, big64]]),
                  np.array([[-5e-324, 5e-324]]), np.array([[-2e-310, 0.0, 1e-310]])]:
        for convert in (as_float, as_gray_float):
            out = convert(image)
            assert np.isfinite(out).all() and out.min() == 0.0 and out.max() == 1.0
        assert stack_as_float(image[None]).tolist() == [as_float(image).tolist()]
        assert as_rgb(image)[..., 0].tolist()[0][-1] == 255
