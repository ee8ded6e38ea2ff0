"""Hypothesis properties of the image-batch contract: check_images, read_image, conversions.

Every bad input gives a ValueError or TypeError naming the image; every good input gives
finite conversions in range, whatever its dtype, extreme values, size or aspect.
"""

import os

import cv2
import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from featurevision._images import (
    as_float,
    as_gray_float,
    as_gray_u8,
    as_rgb,
    check_images,
    read_image,
    stack_as_float,
)

from . import crafted_images

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

PIXEL_DTYPES = [np.bool_, np.uint8, np.uint16, np.int8, np.int16, np.int32, np.int64, np.uint32,
                np.uint64, np.float16, np.float32, np.float64]

# Tiny, thin and extreme-aspect sizes as well as ordinary ones.
sizes = st.tuples(st.integers(1, 12), st.integers(1, 12)) | st.sampled_from(
    [(1, 1), (1, 300), (300, 1), (2, 97)])
channels = st.sampled_from([None, 1, 3, 4])


def _elements(dtype):
    """Any finite value of ``dtype``, with its extremes and subnormals drawn often."""
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        return None
    info = np.finfo(dtype)
    special = st.sampled_from([v for v in (float(info.max), -float(info.max), float(info.smallest_subnormal),
                                           -float(info.smallest_subnormal), 0.0, 1.0, 1e6, 1e6 + 0.1)
                               if abs(v) <= float(info.max)])
    return special | st.floats(allow_nan=False, allow_infinity=False, width=dtype.itemsize * 8)


@st.composite
def images(draw, dtype=None):
    dtype = np.dtype(draw(st.sampled_from(PIXEL_DTYPES)) if dtype is None else dtype)
    h, w = draw(sizes)
    c = draw(channels)
    shape = (h, w) if c is None else (h, w, c)
    return draw(hnp.arrays(dtype, shape, elements=_elements(dtype)))


def _assert_unit(out, shape):
    assert out.dtype == np.float32 and out.shape == shape
    assert np.isfinite(out).all() and out.min() >= 0.0 and out.max() <= 1.0


@FAST
@given(images())
def test_conversions_of_good_images_are_finite_and_in_range(image):
    h, w = image.shape[:2]
    assert check_images([image])[0] is image
    _assert_unit(as_float(image), image.shape)
    _assert_unit(as_gray_float(image), (h, w))
    assert as_gray_u8(image).dtype == np.uint8 and as_gray_u8(image).shape == (h, w)
    assert as_rgb(image).dtype == np.uint8 and as_rgb(image).shape == (h, w, 3)


@FAST
@given(st.data())
def test_stack_conversion_matches_per_image(data):
    first = data.draw(images())
    rest = data.draw(st.lists(images(first.dtype).filter(lambda im: im.shape == first.shape),
                              max_size=2))
    stack = np.stack([first, *rest])
    out = stack_as_float(stack)
    _assert_unit(out, stack.shape)
    for k, image in enumerate(stack):
        np.testing.assert_array_equal(out[k], as_float(image))


@FAST
@given(st.data(), st.sampled_from([np.float16, np.float32, np.float64]))
def test_nan_or_inf_names_the_image(data, dtype):
    batch = data.draw(st.lists(images(dtype), min_size=1, max_size=4))
    bad = data.draw(st.integers(0, len(batch) - 1))
    flat = batch[bad].reshape(-1)
    flat[data.draw(st.integers(0, flat.size - 1))] = data.draw(st.sampled_from([np.nan, np.inf, -np.inf]))
    with pytest.raises(ValueError, match=rf"^image {bad}: contains NaN or infinite values"):
        check_images(batch)
    if len({image.shape for image in batch}) == 1:
        with pytest.raises(ValueError, match=rf"^image {bad}: contains NaN"):
            check_images(np.stack(batch))


bad_shapes = st.sampled_from([(5,), (0, 4), (4, 0), (3, 3, 2), (3, 3, 5), (2, 2, 2, 1), (0, 0, 3)])
bad_dtypes = st.sampled_from(["complex64", "complex128", "m8[s]", "M8[D]", "U1", "O"])


@FAST
@given(st.data())
def test_bad_shapes_and_dtypes_name_the_image(data):
    batch = data.draw(st.lists(images(np.uint8), min_size=1, max_size=4))
    bad = data.draw(st.integers(0, len(batch)))
    if data.draw(st.booleans()):
        item, error = np.zeros(data.draw(bad_shapes), np.uint8), ValueError
    else:
        item, error = np.zeros((3, 3), data.draw(bad_dtypes)), TypeError
    batch.insert(bad, item)
    with pytest.raises(error, match=rf"^image {bad}: "):
        check_images(batch)


def _read_or_refuse(path):
    """read_image's answer: a valid image, or a ValueError naming the file; nothing else."""
    try:
        image = read_image(path, where="image 7")
    except ValueError as exc:
        assert str(exc).startswith("image 7: "), exc
        return None
    assert image.ndim in (2, 3) and image.size
    assert np.isfinite(as_float(image)).all()
    return image


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


@FAST
@given(st.binary(max_size=300))
def test_random_bytes_are_refused_or_read(folder, content):
    path = folder / "random.img"
    path.write_bytes(content)
    _read_or_refuse(path)


# Each side small or over 10^4, so an image is either small or refused by its header
# (a mid-size declaration would be decoded, rightly, and merely be slow).
sides = st.integers(0, 64) | st.integers(10_001, 2**31 - 1) | st.just(100_000)
png_declarations = st.tuples(
    sides,
    sides,
    st.sampled_from([1, 2, 4, 8, 16]),
    st.sampled_from([0, 2, 4, 6]),
)


@FAST
@given(png_declarations)
def test_any_declared_png_size_is_refused_or_read(folder, declared):
    width, height, depth, colour = declared
    assume(colour == 0 or depth >= 8)
    path = folder / "declared.png"
    small = 0 < width * height <= 4096
    path.write_bytes(crafted_images.png_bytes(width, height, depth, colour, rows=height if small else 0))
    image = _read_or_refuse(path)
    if width * height > 100_000_000:
        assert image is None


@FAST
@given(st.sampled_from([".png", ".jpg", ".bmp", ".tif", ".webp", ".ppm"]), st.data())
def test_damaged_real_files_are_refused_or_read(folder, ext, data):
    image = np.arange(16 * 16 * 3, dtype=np.uint8).reshape(16, 16, 3)
    content = bytearray(cv2.imencode(ext, image)[1].tobytes())
    # Damage the pixel data only: a damaged header may declare any mid-size image, whose
    # decoding the header check rightly allows (and which would be slow, not wrong).
    for _ in range(data.draw(st.integers(1, 8))):
        content[data.draw(st.integers(len(content) // 2, len(content) - 1))] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(len(content) // 2, len(content)))
    path = folder / f"damaged{ext}"
    path.write_bytes(bytes(content[:cut]))
    _read_or_refuse(path)


def test_paths_that_are_not_files_name_the_image(folder):
    fifo = folder / "fifo.png"
    if not fifo.exists():
        os.mkfifo(fifo)
    for i, path in enumerate([folder / "missing.png", folder, fifo]):
        with pytest.raises(ValueError, match=r"^image 0 \("):
            check_images([path])
        with pytest.raises(ValueError, match="^image 7: "):
            read_image(path, where="image 7")
