"""PatchCodebook: whitening, the triangle formula, pooling cells, batching, n_jobs, bad input."""

import numpy as np
import pytest

from featurevision.features import PatchCodebook
from featurevision.features.bovw.encodings import word_activations


def _small(**params):
    return PatchCodebook(**{"n_words": 16, "n_patches": 2000, "kmeans_iter": 3, **params})


@pytest.mark.parametrize("color", [False, True])
def test_whitened_sample_covariance_is_identity(color, color_batch):
    # Same seed as fit: the very sample the whitening was learned on.
    codebook = _small(whiten_epsilon=1e-6, color=color).fit(color_batch)
    patches = codebook._normalize(codebook._sample_patches(color_batch, np.random.RandomState(0)))
    whitened = codebook._whiten(patches).astype(np.float64)
    dim = 108 if color else 36
    # Each normalised patch sums to zero, so the all-ones direction carries no variance:
    # identity on the other dim - 1 directions.
    ones = np.full((dim, 1), dim ** -0.5)
    np.testing.assert_allclose(np.cov(whitened, rowvar=False, bias=True), np.eye(dim) - ones @ ones.T,
                               atol=5e-3)
    np.testing.assert_allclose(whitened.mean(axis=0), 0, atol=1e-3)


def test_epsilon_shrinks_low_variance_directions(color_batch):
    codebook = _small(whiten_epsilon=0.1).fit(color_batch)
    patches = codebook._normalize(codebook._sample_patches(color_batch, np.random.RandomState(0)))
    eigenvalues = np.linalg.eigvalsh(np.cov(codebook._whiten(patches).astype(np.float64),
                                            rowvar=False, bias=True))
    assert eigenvalues.max() < 1.0 and eigenvalues.min() < 0.5


def test_triangle_encoding_equals_its_formula():
    x = np.float32([[0, 0], [1, 1]])
    centres = np.float32([[3, 4], [0, 1], [1, 1]])
    got = word_activations(x, centres)
    expected = []
    for row in x:
        z = np.linalg.norm(centres - row, axis=1)
        expected.append(np.maximum(0, z.mean() - z))
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6)
    # Hand computed: z = (5, 1, sqrt 2), mean 2.4714.
    np.testing.assert_allclose(got[0], [0, 2.4714045 - 1, 2.4714045 - np.sqrt(2)], atol=1e-5)


def test_soft_threshold_and_hard_activations():
    x = np.float32([[1, 2]])
    centres = np.float32([[1, 0], [0, 1], [1, 1]])
    np.testing.assert_allclose(word_activations(x, centres, "soft_threshold", alpha=1.5),
                               [[0, 0.5, 1.5]])
    np.testing.assert_array_equal(word_activations(x, centres, "hard"), [[0, 0, 1]])


@pytest.mark.parametrize("shape, grid, step", [((12, 12), (2, 2), 1), ((13, 9), (3, 2), 2),
                                                ((7, 20), (2, 3), 1), ((6, 6), (2, 2), 1)])
def test_each_patch_position_lands_in_exactly_one_cell(shape, grid, step):
    # Hard one-hot activations with one word: each cell counts its patch positions.
    image = np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)
    codebook = PatchCodebook(n_words=1, patch_size=3, step=step, color=False, n_patches=50,
                             activation="hard", grid=grid, kmeans_iter=1).fit([image])
    counts = codebook.transform([image])[0]
    rows = len(range(0, shape[0] - 2, step))
    cols = len(range(0, shape[1] - 2, step))
    assert counts.sum() == rows * cols
    ys, xs = np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij")
    cell = (ys * grid[0] // rows) * grid[1] + xs * grid[1] // cols
    np.testing.assert_array_equal(counts, np.bincount(cell.ravel(), minlength=grid[0] * grid[1]))


def test_rows_are_word_activations_summed_over_quadrants(color_batch):
    codebook = _small().fit(color_batch)
    image = color_batch[0][:10, :11].astype(np.float32) / 255
    windows = np.lib.stride_tricks.sliding_window_view(image, (6, 6), axis=(0, 1))
    patches = codebook._normalize(windows.reshape(-1, 108).copy())
    codes = word_activations(codebook._whiten(patches), codebook.codebook_).reshape(5, 6, 16)
    expected = [codes[:3, :3].sum((0, 1)), codes[:3, 3:].sum((0, 1)),
                codes[3:, :3].sum((0, 1)), codes[3:, 3:].sum((0, 1))]
    np.testing.assert_allclose(codebook.transform([color_batch[0][:10, :11]])[0],
                               np.concatenate(expected), rtol=1e-4, atol=1e-4)


def test_power_raises_each_pooled_sum(color_batch):
    plain = _small().fit(color_batch)
    rooted = _small(power=0.5).fit(color_batch)
    np.testing.assert_allclose(rooted.transform(color_batch[:3]),
                               np.sqrt(plain.transform(color_batch[:3])), rtol=1e-6)


def test_batch_equals_one_by_one_and_bounded_blocks(color_batch):
    codebook = _small().fit(color_batch)
    together = codebook.transform(color_batch)
    alone = np.concatenate([codebook.transform([image]) for image in color_batch])
    np.testing.assert_allclose(together, alone, rtol=1e-4, atol=1e-3)
    # A tiny block forces one band per response-map row: same rows.
    import featurevision.features.patches as patches

    saved, patches._BLOCK_BYTES = patches._BLOCK_BYTES, 1
    try:
        banded = codebook.transform(color_batch)
    finally:
        patches._BLOCK_BYTES = saved
    np.testing.assert_allclose(banded, together, rtol=1e-4, atol=1e-3)


def test_n_jobs_and_random_state(color_batch):
    images = np.concatenate([color_batch] * 3)
    serial = _small().fit(images).transform(images)
    parallel = _small(n_jobs=2).fit(images).transform(list(images))
    np.testing.assert_allclose(parallel, serial, rtol=1e-5, atol=1e-5)
    assert not np.allclose(_small(random_state=1).fit(images).codebook_,
                           _small().fit(images).codebook_)


@pytest.mark.parametrize("activation", ["triangle", "soft_threshold", "hard"])
def test_blank_and_tiny_images_give_finite_rows(activation, small_batch):
    codebook = _small(activation=activation, color=False).fit(small_batch)
    blank = [np.zeros((32, 32), np.uint8), np.full((32, 32), 255, np.uint8), np.zeros((1, 1)),
             np.zeros((2, 9, 3))]
    out = codebook.transform(blank)
    assert out.shape == (4, 64) and out.dtype == np.float32
    assert np.isfinite(out).all()


def test_fits_tiny_images_and_keeps_width():
    codebook = _small().fit(np.zeros((3, 2, 2), np.uint8))
    assert codebook.codebook_.shape == (16, 108)
    assert codebook.transform(np.ones((2, 1, 1))).shape == (2, 64)


def test_gray_and_features_names():
    codebook = _small(color=False, grid=(1, 2)).fit(np.random.default_rng(0).random((4, 12, 12)))
    assert codebook.codebook_.shape == (16, 36)
    names = codebook.get_feature_names_out()
    assert names[0] == "patchcodebook__r0c0_w0" and names[-1] == "patchcodebook__r0c1_w15"


@pytest.mark.parametrize("params, message", [
    ({"n_words": 0}, "n_words"),
    ({"patch_size": 0}, "patch_size"),
    ({"step": 0}, "step"),
    ({"activation": "max"}, "activation"),
    ({"whiten_epsilon": 0.0}, "whiten_epsilon"),
    ({"contrast_epsilon": -1.0}, "contrast_epsilon"),
    ({"grid": (0, 2)}, "grid"),
    ({"color": "yes"}, "color"),
    ({"n_patches": 0}, "n_patches"),
    ({"alpha": float("nan")}, "alpha"),
    ({"power": 0.0}, "power"),
])
def test_bad_parameters_name_themselves(params, message, small_batch):
    with pytest.raises((ValueError, TypeError), match=message):
        _small(**params).fit(small_batch)
