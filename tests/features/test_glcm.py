"""GLCM: co-occurrence matrices and properties equal scikit-image's; known textures."""

import numpy as np
import pytest
from skimage.feature import graycomatrix, graycoprops

from featurevision.features import GLCM
from featurevision.features import glcm as glcm_module
from featurevision.features.glcm import GLCM_PROPS, glcm, glcm_props

OFFSETS = [
    ([1, 2, 5], [0, np.pi / 4, np.pi / 2, 3 * np.pi / 4]),
    # Half-way roundings (0.5, 1.5), negative and beyond-π angles, a distance wider than the image.
    ([0.5, 1.5, 3], [np.pi / 3, -np.pi / 4, np.pi, 5.0]),
    ([40], [0]),
]


@pytest.mark.parametrize("distances, angles", OFFSETS)
@pytest.mark.parametrize("symmetric", [False, True])
@pytest.mark.parametrize("normed", [False, True])
def test_matrices_and_props_equal_skimage(distances, angles, symmetric, normed):
    image = np.random.default_rng(0).integers(0, 8, (23, 31)).astype(np.uint8)
    ours = glcm(image, distances, angles, levels=8, symmetric=symmetric, normed=normed)
    reference = graycomatrix(image, distances, angles, levels=8, symmetric=symmetric, normed=normed)
    assert ours.dtype == reference.dtype and ours.shape == reference.shape
    np.testing.assert_allclose(ours, reference, rtol=0, atol=1e-15)
    props = glcm_props(ours, GLCM_PROPS)
    for k, prop in enumerate(GLCM_PROPS):
        np.testing.assert_allclose(props[k], graycoprops(reference, prop), rtol=1e-12, atol=1e-12,
                                   err_msg=prop)


def test_sixteen_bit_levels_and_banded_counting_equal_skimage(monkeypatch):
    image = np.random.default_rng(1).integers(0, 300, (40, 30)).astype(np.uint16)
    reference = graycomatrix(image, [1, 3], [0, np.pi / 2], levels=300)
    np.testing.assert_array_equal(glcm(image, [1, 3], [0, np.pi / 2], levels=300), reference)
    # Counting in row bands (as images past 2**24 pixels are) gives the same matrices.
    monkeypatch.setattr(glcm_module, "_EXACT_PAIRS", 70)
    np.testing.assert_array_equal(glcm(image, [1, 3], [0, np.pi / 2], levels=300), reference)


def test_extractor_rows_equal_skimage_on_a_photograph(camera):
    image = camera[100:180, 200:290]
    extractor = GLCM(distances=(1, 3), angles=4, levels=16, props=GLCM_PROPS).fit([image])
    row = extractor.transform([image])[0].reshape(len(GLCM_PROPS), 2, 4)
    P = graycomatrix(image // 16, [1, 3], np.arange(4) * np.pi / 4, levels=16, symmetric=True)
    reference = np.stack([graycoprops(P, prop) for prop in GLCM_PROPS])
    np.testing.assert_allclose(row, reference, rtol=1e-6, atol=1e-6)


def test_checkerboard_and_stripes_have_their_known_properties():
    checker = (np.indices((32, 32)).sum(axis=0) % 2 * 255).astype(np.uint8)
    stripes = np.tile(np.array([0, 255], np.uint8), (32, 16))  # vertical stripes, period 2
    extractor = GLCM(distances=(1, 2), angles=4, levels=2, props=("contrast", "correlation"))
    rows = extractor.fit_transform(np.stack([checker, stripes])).reshape(2, 2, 2, 4)
    contrast, correlation = rows[:, 0], rows[:, 1]
    # Checkerboard: every 0° and 90° neighbour at distance 1 differs; diagonals never do.
    np.testing.assert_allclose(contrast[0, 0], [1, 0, 1, 0])
    np.testing.assert_allclose(contrast[0, 1], [0, 0, 0, 0])
    np.testing.assert_allclose(correlation[0, 0], [-1, 1, -1, 1], atol=1e-6)
    # Vertical stripes: constant along columns (90°), alternating along rows at distance 1.
    np.testing.assert_allclose(contrast[1, 0], [1, 1, 0, 1])
    # At distance 2 the diagonal offsets round to one column (±1, ±1): opposite stripes.
    np.testing.assert_allclose(correlation[1, 1], [1, -1, 1, -1], atol=1e-6)


def test_rotation_invariant_is_mean_and_range_over_angles(small_batch):
    per_angle = GLCM(angles=4).fit_transform(small_batch).reshape(6, 6, 3, 4)
    pooled = GLCM(angles=4, rotation_invariant=True).fit(small_batch)
    rows = pooled.transform(small_batch).reshape(6, 6, 3, 2)
    np.testing.assert_allclose(rows[..., 0], per_angle.mean(-1), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(rows[..., 1], np.ptp(per_angle, axis=-1), rtol=1e-5, atol=1e-6)
    assert pooled.get_feature_names_out()[:2].tolist() == ["glcm__contrast_d1_mean",
                                                           "glcm__contrast_d1_range"]


def test_batch_path_equals_one_image_at_a_time(small_batch):
    extractor = GLCM(levels=64, props=GLCM_PROPS).fit(small_batch)
    np.testing.assert_allclose(extractor._extract_batch(small_batch),
                               np.stack([extractor._extract(im) for im in small_batch]),
                               rtol=1e-6, atol=1e-7)


def test_an_image_too_small_for_the_offsets_gives_empty_matrices():
    extractor = GLCM(distances=(4,), angles=1, props=("contrast", "correlation", "entropy"))
    row = extractor.fit_transform([np.arange(9, dtype=np.uint8).reshape(3, 3)])
    np.testing.assert_array_equal(row, [[0, 1, 0]])


@pytest.mark.parametrize("image, kwargs", [
    (np.zeros((4, 4), np.float32), {}),
    (np.full((4, 4), 9, np.uint16), {"levels": 8}),
    (np.zeros((4, 4), np.uint16), {}),
    (np.zeros(4, np.uint8), {}),
    (np.zeros((4, 4), np.int32), {"levels": 70000}),
])
def test_glcm_rejects_what_skimage_rejects(image, kwargs):
    with pytest.raises(ValueError):
        glcm(image, [1], [0], **kwargs)


@pytest.mark.parametrize("params", [
    {"distances": ()}, {"distances": (0, 1)}, {"angles": 0}, {"levels": 1}, {"levels": 300},
    {"props": ("contrast", "sharpness")}, {"props": "contrast"}, {"props": ("ASM", "ASM")},
])
def test_bad_parameters_raise(params, small_batch):
    with pytest.raises(ValueError):
        GLCM(**params).fit(small_batch)
