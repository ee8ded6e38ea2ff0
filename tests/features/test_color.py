"""ColorHistogram: known answers in each colour space, gray input, grid cells."""

import cv2
import numpy as np
import pytest

from featurevision.features import ColorHistogram
from featurevision.features.color import to_color_space


def _solid(rgb, shape=(6, 8)):
    return np.broadcast_to(np.array(rgb, np.uint8), shape + (3,)).copy()


def test_pure_red_fills_one_joint_bin_in_every_space():
    red = _solid((255, 0, 0))
    hsv = ColorHistogram(space="hsv", bins=4).fit_transform([red])[0].reshape(4, 4, 4)
    assert hsv[0, 3, 3] == 1.0 and hsv.sum() == 1.0          # hue 0, full saturation and value
    rgb = ColorHistogram(space="rgb", bins=2).fit_transform([red])[0].reshape(2, 2, 2)
    assert rgb[1, 0, 0] == 1.0
    lab = to_color_space(red, "lab")[0, 0]                    # L 53, a +80, b +67 (8-bit encoded)
    np.testing.assert_allclose(lab, [136, 208, 195], atol=1)


def test_marginal_rgb_equals_numpy_histograms(color_batch):
    image = color_batch[2]
    row = ColorHistogram(space="rgb", bins=8, joint=False).fit_transform([image])[0]
    expected = np.concatenate([np.bincount(image[..., ch].ravel() // 32, minlength=8)
                               for ch in range(3)]) / (64 * 64)
    np.testing.assert_allclose(row, expected, rtol=1e-6)


def test_joint_hsv_equals_numpy_histogramdd(color_batch):
    image = color_batch[0]
    row = ColorHistogram(space="hsv", bins=(6, 4, 3)).fit_transform([image])[0]
    hsv = cv2.cvtColor(image, cv2.COLOR_RGB2HSV).reshape(-1, 3).astype(int)
    index = hsv * np.array([6, 4, 3]) // np.array([180, 256, 256])
    expected = np.zeros((6, 4, 3))
    np.add.at(expected, tuple(index.T), 1)
    np.testing.assert_allclose(row, expected.ravel() / len(hsv), rtol=1e-6)


def test_gray_input_keeps_only_brightness(small_batch):
    gray = small_batch[0]
    hsv = ColorHistogram(space="hsv", bins=8, joint=False).fit_transform([gray])[0]
    assert hsv[0] == 1.0 and hsv[8] == 1.0                    # hue and saturation: first bin
    np.testing.assert_allclose(hsv[16:], np.bincount(gray.ravel() // 32, minlength=8) / gray.size,
                               rtol=1e-6)
    lab = ColorHistogram(space="lab", bins=8, joint=False).fit_transform([gray])[0]
    assert lab[8 + 4] == 1.0 and lab[16 + 4] == 1.0           # a and b: the neutral middle bin


def test_grid_cells_see_their_own_colours():
    image = np.concatenate([_solid((255, 0, 0), (4, 4)), _solid((0, 0, 255), (4, 4))], axis=1)
    row = ColorHistogram(space="rgb", bins=2, grid=(1, 2)).fit_transform([image])[0].reshape(2, 8)
    assert row[0, 4] == 1.0 and row[1, 1] == 1.0              # left red (1,0,0), right blue (0,0,1)


def test_tiny_images_leave_empty_cells_zero():
    row = ColorHistogram(bins=2, grid=(2, 2)).fit_transform([_solid((9, 9, 9), (1, 1))])[0]
    assert np.isfinite(row).all() and row.sum() == 1.0       # one pixel: one cell of four


def test_batch_equals_one_by_one(color_batch, small_batch):
    extractor = ColorHistogram(space="lab", bins=5, grid=2).fit(color_batch)
    for stack in (color_batch, small_batch, color_batch / 255.0):
        np.testing.assert_array_equal(extractor.transform(stack), extractor.transform(list(stack)))


@pytest.mark.parametrize("params", [dict(space="xyz"), dict(bins=0), dict(bins=(8, 8)),
                                    dict(bins=300), dict(grid=(0, 1)), dict(joint="yes")])
def test_bad_parameters_raise(params):
    with pytest.raises(ValueError):
        ColorHistogram(**params).fit(np.zeros((1, 8, 8)))
