"""CannyEdges and canny_edges: equal to OpenCV's Canny, and pooled as documented."""

import cv2
import numpy as np
import pytest

from featurevision.features import CannyEdges
from featurevision.features.edges import canny_edges, canny_thresholds


def _opencv_canny(gray, sigma, low, high):
    smooth = cv2.GaussianBlur(gray, (0, 0), sigma) if sigma > 0 else gray
    return cv2.Canny(smooth, low, high) > 0


@pytest.mark.parametrize("sigma, low, high",
                         [(1.0, 50, 100), (2.0, 20, 60), (0, 100, 200), (1.5, 30.5, 30.5)])
def test_edge_map_equals_opencv_canny(camera, sigma, low, high):
    np.testing.assert_array_equal(canny_edges(camera, sigma, low, high),
                                  _opencv_canny(camera, sigma, low, high))


def test_automatic_thresholds_give_opencv_canny_at_those_thresholds(camera):
    low, high = canny_thresholds(camera)
    assert 0 < low == 0.5 * high
    np.testing.assert_array_equal(canny_edges(camera), _opencv_canny(camera, 1.0, low, high))


def test_automatic_thresholds_follow_contrast():
    rng = np.random.default_rng(0)
    shapes = np.zeros((64, 64), np.float64)
    shapes[10:40, 12:30] = 1.0
    cv2.circle(shapes, (45, 45), 10, 0.6, -1)
    shapes += rng.normal(0, 0.02, shapes.shape)
    strong = np.clip(40 + 200 * shapes, 0, 255).astype(np.uint8)
    weak = np.clip(40 + 40 * shapes, 0, 255).astype(np.uint8)
    strong_edges = canny_edges(strong)
    # The strong image's thresholds miss the faint copy's edges; its own find them
    # (within a pixel: the faint copy's quantisation moves a few).
    assert canny_edges(weak, 1.0, *canny_thresholds(strong)).sum() < 0.2 * strong_edges.sum()
    near_weak = cv2.dilate(canny_edges(weak).astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    assert (near_weak & strong_edges).sum() > 0.9 * strong_edges.sum()


def test_orientation_bins_of_straight_edges():
    vertical = np.zeros((64, 64), np.uint8)
    vertical[:, 32:] = 200
    extractor = CannyEdges(grid=1, n_orientations=4).fit([vertical])
    for image, expected_bin in ((vertical, 0), (vertical.T.copy(), 2)):
        edges = canny_edges(image)
        row = extractor.transform([image])[0]
        density = edges.mean()
        assert density > 0
        np.testing.assert_allclose(row[[0, -1]], density, rtol=1e-6)
        expected = np.zeros(4)
        expected[expected_bin] = density
        np.testing.assert_allclose(row[1:5], expected, rtol=1e-6)


def test_cells_pool_the_edge_map(camera):
    extractor = CannyEdges(grid=(2, 3), n_orientations=6).fit([camera])
    row = extractor.transform([camera])[0]
    per_cell = row[:-1].reshape(6, 7)
    edges = canny_edges(camera)
    rows, cols = np.indices(edges.shape)
    for cell in range(6):
        # Pixel (y, x) belongs to cell (floor(2 y / h), floor(3 x / w)).
        in_cell = ((rows * 2 // edges.shape[0] == cell // 3)
                   & (cols * 3 // edges.shape[1] == cell % 3))
        block = edges[in_cell]
        assert per_cell[cell, 0] == pytest.approx(block.mean(), rel=1e-5)
        assert per_cell[cell, 1:].sum() == pytest.approx(block.mean(), rel=1e-5)
    assert row[-1] == pytest.approx(edges.mean(), rel=1e-6)
    assert len(extractor.get_feature_names_out()) == 6 * 7 + 1



@pytest.mark.parametrize("grid, n_orientations", [((2, 3), 5), ((4, 4), 8)])
def test_orientation_histograms_match_a_float64_reference(camera, grid, n_orientations):
    # Reference: each edge pixel's Sobel direction modulo 180 degrees, counter-clockwise
    # as shown (rows down, so -dy), in float64, binned into equal steps, counted per cell.
    # Ours bins float32 angles, so a pixel within float32 rounding of a bin edge may
    # fall on the other side: allow one in a thousand.
    image = camera[::2, ::2]
    extractor = CannyEdges(grid=grid, n_orientations=n_orientations).fit([image])
    n_cells = grid[0] * grid[1]
    row = extractor.transform([image])[0]
    edges = canny_edges(image)
    smooth = cv2.GaussianBlur(image, (0, 0), 1.0)
    dx = cv2.Sobel(smooth, cv2.CV_64F, 1, 0, borderType=cv2.BORDER_REPLICATE)
    dy = cv2.Sobel(smooth, cv2.CV_64F, 0, 1, borderType=cv2.BORDER_REPLICATE)
    ys, xs = np.nonzero(edges)
    theta = np.arctan2(-dy[ys, xs], dx[ys, xs]) % np.pi
    bins = np.minimum((theta * n_orientations / np.pi).astype(int), n_orientations - 1)
    cells = (ys * grid[0] // image.shape[0]) * grid[1] + xs * grid[1] // image.shape[1]
    expected = np.bincount(cells * n_orientations + bins, minlength=n_cells * n_orientations)
    areas = np.bincount(((np.arange(image.shape[0]) * grid[0] // image.shape[0])[:, None] * grid[1]
                         + np.arange(image.shape[1]) * grid[1] // image.shape[1]).ravel())
    counts = row[:-1].reshape(n_cells, n_orientations + 1)[:, 1:] * areas[:, None]
    assert np.abs(np.rint(counts).ravel() - expected).sum() <= 1e-3 * len(ys)
    assert np.rint(counts).sum() == len(ys)

@pytest.mark.parametrize("image", [
    np.zeros((1, 1), np.uint8), np.full((3, 3), 255, np.uint8), np.zeros((40, 40), np.uint8),
    np.tile(np.arange(0, 128, 2, dtype=np.uint8), (64, 1)),  # gentle shading: no edge anywhere
], ids=["1x1", "3x3", "blank", "ramp"])
def test_images_without_edges_give_zero_rows(image):
    assert not canny_edges(image).any()
    row = CannyEdges().fit([image]).transform([image])[0]
    np.testing.assert_array_equal(row, 0)


@pytest.mark.parametrize("params", [dict(sigma=-1), dict(low=50, high=10), dict(high=-3),
                                    dict(grid=0), dict(n_orientations=0)])
def test_bad_parameters_raise(params, camera):
    with pytest.raises(ValueError):
        CannyEdges(**params).fit([camera])


def test_stack_path_equals_per_image_path(color_batch):
    # An RGB float stack takes the batched pooling; a list goes image by image.
    stack = color_batch.astype(np.float32) / 255.0
    extractor = CannyEdges(grid=3).fit(stack)
    np.testing.assert_array_equal(extractor.transform(stack), extractor.transform(list(stack)))
