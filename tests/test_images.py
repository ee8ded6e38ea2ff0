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
