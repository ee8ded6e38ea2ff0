"""Blobs and find_blobs: discs found at their centres and sizes, pooled as documented."""

import cv2
import numpy as np
import pytest

from featurevision.features import REGISTRY, Blobs
from featurevision.features.blobs import (
    METHODS,
    SIGMA_WORK,
    _scale_space,
    blob_scales,
    find_blobs,
)

#: (row, col, radius) of bright discs on a dark 256×256 image.
DISCS = [(40, 40, 4), (40, 110, 6), (40, 190, 9), (130, 60, 12), (140, 170, 16), (215, 60, 5),
         (200, 200, 22)]


def _discs(discs=DISCS, shape=(256, 256), value=255, background=0, supersample=8):
    """Anti-aliased discs: drawn 8× larger and area-averaged; pixel centres at integers."""
    big = np.full((shape[0] * supersample, shape[1] * supersample), background, np.uint8)
    for y, x, r in discs:
        centre = (x * supersample + supersample // 2, y * supersample + supersample // 2)
        cv2.circle(big, centre, r * supersample, value, -1)
    return cv2.resize(big, shape[::-1], interpolation=cv2.INTER_AREA)


@pytest.mark.parametrize("method", METHODS)
def test_discs_found_at_their_centres_and_sizes(method):
    blobs = find_blobs(_discs(), method=method, min_sigma=1, max_sigma=20, n_scales=10)
    for y, x, r in DISCS:
        distance = np.hypot(blobs[:, 0] - y, blobs[:, 1] - x)
        nearest = blobs[np.argmin(distance)]
        assert distance.min() < 0.5
        assert np.sqrt(2) * nearest[2] == pytest.approx(r, rel=0.2)


def test_dark_discs_are_doh_blobs_only():
    dark = _discs([(32, 32, 8)], shape=(64, 64), value=0, background=255)
    for method in ("log", "dog"):
        blobs = find_blobs(dark, method=method)
        assert np.hypot(blobs[:, 0] - 32, blobs[:, 1] - 32).min() > 8
    y, x, sigma = find_blobs(dark, method="doh")[0]
    assert np.hypot(y - 32, x - 32) < 0.5 and np.sqrt(2) * sigma == pytest.approx(8, rel=0.2)


@pytest.mark.parametrize("method", METHODS)
def test_one_disc_fills_one_scale_and_cell(method):
    sigmas = blob_scales(1.0, 16.0, 9)
    radius = int(round(np.sqrt(2) * sigmas[5]))  # 8 px: scale 5 of the default scales
    image = _discs([(20, 44, radius)], shape=(64, 64))
    row = Blobs(method=method, grid=2).fit([image]).transform([image])[0]
    histogram = row[:-2].reshape(9, 4)
    assert histogram[5, 1] == pytest.approx(1 / 32 ** 2)
    if method == "doh":
        return  # DoH also finds dark gaps between the disc and its mirror images (borders)
    assert row[-2] == 1 and np.count_nonzero(histogram) == 1
    # A disc of contrast 1 responds 2/e at its centre and best scale.
    assert row[-1] == pytest.approx(2 / np.e, rel=0.15)


def test_extractor_pools_the_blobs_find_blobs_returns(camera):
    image = cv2.resize(camera, (128, 128), interpolation=cv2.INTER_AREA)
    for method in METHODS:
        row = REGISTRY[f"blobs_{method}"]().fit([image]).transform([image])[0]
        assert row[-2] == len(find_blobs(image, method=method)) > 10


def test_scale_space_is_built_on_a_pyramid():
    sigmas, ratio, plan = _scale_space(1.0, 16.0, 9, (256, 256))
    np.testing.assert_allclose(sigmas[1:-1], blob_scales(1.0, 16.0, 9))
    assert ratio == pytest.approx(2 ** 0.5) and sigmas[0] == pytest.approx(1 / ratio)
    assert [octave for octave, _, _ in plan] == [0, 1, 2, 3]
    for octave, owned, levels in plan:
        # Octave o finds the scales in [1.6, 3.2) * 2**o; one more on each side to compare.
        scales = sigmas[owned] / 2 ** octave
        assert np.all((scales < 2 * SIGMA_WORK) & ((scales >= SIGMA_WORK) | (octave == 0)))
        assert levels[0] == owned[0] - 1 and levels[-1] == owned[-1] + 1


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("image", [
    np.zeros((1, 1), np.uint8), np.full((3, 3), 255, np.uint8), np.zeros((40, 40), np.uint8),
    np.tile(np.arange(0, 128, 2, dtype=np.uint8), (64, 1)),  # smooth shading: no blob
], ids=["1x1", "3x3", "blank", "ramp"])
def test_images_without_blobs_give_zero_rows(method, image):
    assert len(find_blobs(image, method=method)) == 0
    np.testing.assert_array_equal(Blobs(method=method).fit([image]).transform([image])[0], 0)


@pytest.mark.parametrize("params", [dict(method="hessian"), dict(min_sigma=0), dict(max_sigma=0.5),
                                    dict(n_scales=1), dict(threshold=-0.1), dict(grid=(2, 0))])
def test_bad_parameters_raise(params, camera):
    with pytest.raises(ValueError):
        Blobs(**params).fit([camera])


@pytest.mark.parametrize("method", ["log", "dog", "doh"])
def test_a_blob_between_pixels_is_found_once(method):
    y, x = np.mgrid[:64, :64]
    image = np.exp(-((y - 31.5) ** 2 + (x - 31.5) ** 2) / 18.0).astype(np.float32)
    blobs = find_blobs(image, method=method)
    assert len(np.unique(blobs.round(6), axis=0)) == len(blobs)
    assert len(blobs) >= 1


@pytest.mark.parametrize("method", ["log", "dog", "doh"])
@pytest.mark.parametrize("centre_row", [0, 4, 8])
def test_a_disc_touching_the_top_border_is_found(method, centre_row):
    disc = cv2.circle(np.zeros((64, 64), np.uint8), (32, centre_row), 8, 255, -1)
    blobs = find_blobs(disc, method=method)
    near = [b for b in blobs if abs(b[1] - 32) < 3 and b[0] <= centre_row + 3]
    assert near, blobs[:5]
