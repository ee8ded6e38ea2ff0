"""HOG: known answers, and fidelity to skimage.feature.hog (max abs difference 1e-6).

scikit-image sums each cell in float32 and we sum in float64, so values differ in the
seventh decimal; the orientation bins themselves are decided exactly as scikit-image does.
"""

import numpy as np
import pytest
from skimage.feature import hog as skimage_hog

from featurevision._images import as_gray_float
from featurevision._resize import resize_image
from featurevision.features import HOG
from featurevision.features.hog import BLOCK_NORMS, hog_blocks, hog_cells

TOLERANCE = 1e-6


@pytest.mark.parametrize("block_norm", BLOCK_NORMS)
@pytest.mark.parametrize("orientations, cell, block", [(9, (8, 8), (2, 2)), (8, (6, 5), (3, 2)),
                                                       (7, (4, 4), (1, 1))])
def test_descriptor_matches_skimage(camera, block_norm, orientations, cell, block):
    image = as_gray_float(camera[150:250, 200:317])
    expected = skimage_hog(image, orientations, cell, block, block_norm)
    ours = hog_blocks(hog_cells(image, orientations, cell), block, block_norm).ravel()
    assert ours.shape == expected.shape
    np.testing.assert_allclose(ours, expected, atol=TOLERANCE)


def test_exact_bin_edges_on_diagonal_gradients():
    # With 8 bins, 45° and 135° gradients fall exactly on edges; scikit-image puts them in
    # the bin above. A float32 angle alone gets some of these wrong.
    rng = np.random.default_rng(0)
    image = rng.integers(0, 4, (40, 40)).astype(np.float32) / 4
    expected = skimage_hog(image, 8, (4, 4), (1, 1), "L1")
    ours = hog_blocks(hog_cells(image, 8, 4), 1, "L1").ravel()
    np.testing.assert_allclose(ours, expected, atol=TOLERANCE)


def test_extractor_row_is_skimage_hog_of_the_resized_image(small_batch, color_batch):
    extractor = HOG(image_size=(48, 40), pixels_per_cell=(8, 8), cells_per_block=(2, 2))
    images = [small_batch[0], color_batch[1][:30, :50]]
    rows = extractor.fit_transform(images)
    for image, row in zip(images, rows):
        canvas = resize_image(as_gray_float(image), (48, 40))
        np.testing.assert_allclose(row, skimage_hog(canvas, 9, (8, 8), (2, 2)), atol=TOLERANCE)


def test_gradient_direction_picks_the_bin():
    columns = np.tile(np.arange(32, dtype=np.float32) / 32, (32, 1))   # brighter to the right
    cells = hog_cells(columns, orientations=4, pixels_per_cell=8)
    inner = cells[1:-1, 1:-1]
    assert (inner[..., 0] > 0).all() and (inner[..., 1:] == 0).all()
    rows = hog_cells(columns.T, orientations=4, pixels_per_cell=8)       # brighter downwards
    assert (rows[1:-1, 1:-1, 2] > 0).all() and (rows[1:-1, 1:-1, [0, 1, 3]] == 0).all()
    # Mean magnitude per pixel: the central difference of a 1/32 ramp is 2/32.
    np.testing.assert_allclose(inner[..., 0], 2 / 32, rtol=1e-6)


def test_width_and_blank_or_tiny_images():
    extractor = HOG().fit(np.zeros((1, 8, 8), np.uint8))
    assert extractor.n_features_out_ == 7 * 7 * 2 * 2 * 9
    rows = extractor.transform([np.zeros((1, 1), np.uint8), np.full((3, 3), 200, np.uint8),
                                np.zeros((300, 20), np.uint8)])
    assert np.isfinite(rows).all() and not rows.any()


@pytest.mark.parametrize("dtype", [np.uint8, np.float64])
def test_batch_equals_one_by_one(small_batch, color_batch, dtype):
    extractor = HOG(image_size=32, pixels_per_cell=4, orientations=8).fit(small_batch)
    for stack in (small_batch, color_batch):
        stack = stack.astype(dtype) / (255 if dtype is np.float64 else 1)
        np.testing.assert_allclose(extractor.transform(stack), extractor.transform(list(stack)),
                                   atol=1e-6)


@pytest.mark.parametrize("params", [dict(image_size=8), dict(block_norm="L3"), dict(orientations=0),
                                    dict(pixels_per_cell=(8, 0)), dict(cells_per_block=(1, 2, 3))])
def test_bad_parameters_raise(params):
    with pytest.raises(ValueError):
        HOG(**params).fit(np.zeros((1, 8, 8)))
