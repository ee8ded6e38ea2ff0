"""HarrisCorners and harris_corners: checkerboard corners found, pooled as documented."""

import cv2
import numpy as np
import pytest

from featurevision.features import HarrisCorners
from featurevision.features.corners import (
    STRENGTH_QUANTILES,
    harris_corners,
    harris_response,
)

SQUARE = 16


def _checkerboard(n_squares=7, square=SQUARE):
    """A board filling the image; its inner corners sit between pixels, at k*square - 0.5."""
    index = np.arange(n_squares * square) // square
    board = ((index[:, None] + index[None, :]) % 2 * 255).astype(np.uint8)
    inner = np.arange(1, n_squares) * square - 0.5
    return board, np.stack(np.meshgrid(inner, inner, indexing="ij"), axis=-1).reshape(-1, 2)


def _match(found, expected):
    """Distance from each expected corner to the nearest found one."""
    return np.linalg.norm(found[None, :, :] - expected[:, None, :], axis=2).min(axis=1)


@pytest.mark.parametrize("subpixel", [False, True])
def test_finds_exactly_the_inner_corners_of_a_checkerboard(subpixel):
    board, expected = _checkerboard()
    found = harris_corners(board, subpixel=subpixel)
    assert len(found) == len(expected)
    assert _match(found, expected).max() <= (0.1 if subpixel else 0.75)


def test_finds_the_corners_of_a_rotated_checkerboard_within_a_pixel():
    board, corners = _checkerboard(n_squares=12)
    centre = (board.shape[1] / 2 - 0.5, board.shape[0] / 2 - 0.5)
    turn = cv2.getRotationMatrix2D(centre, 20, 1.0)
    # Supersampled rotation: anti-aliased edges like a photographed board.
    big = cv2.resize(board, None, fx=4, fy=4, interpolation=cv2.INTER_NEAREST)
    big_turn = cv2.getRotationMatrix2D(((big.shape[1] - 1) / 2, (big.shape[0] - 1) / 2), 20, 1.0)
    rotated = cv2.warpAffine(big, big_turn, big.shape[::-1], flags=cv2.INTER_LINEAR,
                             borderValue=128)
    image = cv2.resize(rotated, board.shape[::-1], interpolation=cv2.INTER_AREA)
    xy = corners[:, ::-1] @ turn[:, :2].T + turn[:, 2]
    expected = xy[:, ::-1]
    # Keep the inner corners well inside the image, where their squares are whole.
    margin = 3 * SQUARE
    inside = np.all((expected > margin) & (expected < np.array(image.shape) - margin), axis=1)
    expected = expected[inside]
    assert len(expected) >= 16
    found = harris_corners(image, subpixel=True)
    assert _match(found, expected).max() <= 1.0


def test_peaks_are_min_distance_apart_and_capped(camera):
    found = harris_corners(camera, min_distance=5)
    chebyshev = np.abs(found[:, None, :] - found[None, :, :]).max(axis=2)
    np.fill_diagonal(chebyshev, np.inf)
    assert len(found) > 50 and chebyshev.min() > 5
    strongest = harris_corners(camera, min_distance=5, max_corners=10)
    np.testing.assert_array_equal(strongest, found[:10])
    response = harris_response(camera)
    values = response[found[:, 0].astype(int), found[:, 1].astype(int)]
    assert np.all(np.diff(values) <= 0) and values[-1] >= 0.01 * response.max()


def test_row_counts_and_pools_the_corners():
    board, expected = _checkerboard()
    extractor = HarrisCorners(grid=(2, 3)).fit([board])
    row = extractor.transform([board])[0]
    assert row[0] == len(expected)
    h, w = board.shape
    ys, xs = harris_corners(board).T
    counts = np.bincount((ys * 2 // h).astype(int) * 3 + (xs * 3 // w).astype(int), minlength=6)
    rows, cols = np.indices(board.shape)
    areas = np.bincount((rows * 2 // h * 3 + cols * 3 // w).ravel(), minlength=6)
    np.testing.assert_allclose(row[1:7], counts / areas, rtol=1e-6)
    # The board's inner corners are alike: one strength, the fourth root of the response.
    strengths = row[7:]
    assert len(strengths) == len(STRENGTH_QUANTILES)
    np.testing.assert_allclose(strengths, harris_response(board).max() ** 0.25, rtol=1e-4)


def test_strength_grows_with_contrast():
    board, _ = _checkerboard()
    faint = (board // 4 + 100).astype(np.uint8)
    extractor = HarrisCorners().fit([board])
    strong_row, faint_row = extractor.transform([board, faint])
    assert strong_row[0] == faint_row[0]
    np.testing.assert_allclose(faint_row[-1] / strong_row[-1], (63 / 255), rtol=0.02)


@pytest.mark.parametrize("image", [
    np.zeros((1, 1), np.uint8), np.full((3, 3), 255, np.uint8), np.zeros((40, 40), np.uint8),
    np.repeat(np.array([[0] * 20 + [200] * 20], np.uint8), 40, axis=0),  # one straight edge
], ids=["1x1", "3x3", "blank", "edge"])
def test_images_without_corners_give_zero_rows(image):
    assert len(harris_corners(image)) == 0
    np.testing.assert_array_equal(HarrisCorners().fit([image]).transform([image])[0], 0)


@pytest.mark.parametrize("params", [dict(k=0), dict(block_size=1), dict(threshold_rel=1.5),
                                    dict(min_distance=0), dict(max_corners=0), dict(sigma=-1)])
def test_bad_parameters_raise(params, camera):
    with pytest.raises(ValueError):
        HarrisCorners(**params).fit([camera])


def test_a_suppressed_tie_suppresses_nothing():
    """Three equal peaks 3 px apart: the middle one goes, both outer ones stay."""
    from featurevision.features.corners import _peaks

    response = np.zeros((11, 17), np.float32)
    response[5, [5, 8, 11]] = 1.0
    at, _ = _peaks(response, threshold_rel=0.01, min_distance=3, max_corners=None)
    assert sorted(np.divmod(at, 17)[1].tolist()) == [5, 11]
