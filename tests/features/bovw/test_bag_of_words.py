"""BagOfVisualWords: determinism, encoding definitions, widths, degenerate sets, references."""

import numpy as np
import pytest
from sklearn.metrics import pairwise_distances_argmin
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from featurevision.datasets import load_textures
from featurevision.features import BagOfVisualWords
from featurevision.features.bovw.encodings import (
    fisher_vectors,
    gmm_posteriors,
    nearest_words,
    pyramid_cells,
    vlad_vectors,
)
from featurevision.features.bovw.sift import dense_sift
from featurevision.models.classical import make_classifier

FAST = dict(patch_sizes=(16,), step=8)


def _bovw(**params):
    return BagOfVisualWords(**{**FAST, "n_words": 8, **params})


def test_same_random_state_same_codebook_and_rows(small_batch):
    a = _bovw(random_state=3).fit(small_batch)
    b = _bovw(random_state=3).fit(list(small_batch))
    np.testing.assert_array_equal(a.codebook_, b.codebook_)
    np.testing.assert_array_equal(a.transform(small_batch), b.transform(small_batch))
    other = _bovw(random_state=4, max_descriptors=100).fit(small_batch)
    assert not np.array_equal(other.codebook_, a.codebook_)


def test_codebook_does_not_depend_on_n_jobs(small_batch):
    serial = _bovw(max_descriptors=200).fit(small_batch)
    parallel = _bovw(max_descriptors=200, n_jobs=2).fit(small_batch)
    np.testing.assert_array_equal(serial.codebook_, parallel.codebook_)


@pytest.mark.parametrize("encoding", ["hard", "soft"])
def test_histograms_sum_to_one_per_pyramid_cell(small_batch, encoding):
    bovw = _bovw(encoding=encoding, pyramid=3, normalize=False).fit(small_batch)
    cells = bovw.transform(small_batch).reshape(len(small_batch), 21, 8).sum(axis=2)
    # A cell without textured patches (the camera crop's sky) stays empty; the textures
    # (brick, grass, gravel) fill every cell of every level.
    np.testing.assert_allclose(cells[1:4], 1.0, rtol=1e-5)
    assert np.all((np.abs(cells - 1) < 1e-5) | (cells == 0))


@pytest.mark.parametrize("encoding, pca, per_cell", [
    ("hard", None, 8), ("soft", None, 8), ("vlad", None, 8 * 128), ("vlad", 16, 8 * 16),
    ("fisher", None, 2 * 8 * 128), ("fisher", 16, 2 * 8 * 16),
])
@pytest.mark.parametrize("pyramid, cells", [(1, 1), (2, 5)])
def test_width_is_the_formula(small_batch, encoding, pca, per_cell, pyramid, cells):
    bovw = _bovw(encoding=encoding, pca=pca, pyramid=pyramid).fit(small_batch)
    out = bovw.transform(small_batch[:2])
    assert out.shape == (2, per_cell * cells) == (2, bovw.n_features_out_)
    assert len(bovw.get_feature_names_out()) == per_cell * cells


@pytest.mark.parametrize("encoding", ["hard", "soft", "vlad", "fisher"])
def test_rows_are_unit_after_normalisation_and_zero_without_descriptors(small_batch, encoding):
    bovw = _bovw(encoding=encoding).fit(small_batch)
    out = bovw.transform([small_batch[0], np.zeros((64, 64), np.uint8), np.full((9, 9), 7, np.uint8)])
    np.testing.assert_allclose(np.linalg.norm(out[0]), 1.0, rtol=1e-5)
    assert not out[1:].any()


def test_image_without_keypoints_gives_zero_row(small_batch, camera):
    bovw = _bovw(sampling="keypoints").fit([camera])
    out = bovw.transform([np.zeros((50, 50), np.uint8), camera])
    assert not out[0].any() and out[1].any()


def test_too_few_descriptors_is_a_clear_error(small_batch):
    with pytest.raises(ValueError, match=r"needs at least n_words=5000 descriptors.*gave \d+"):
        _bovw(n_words=5000).fit(small_batch)
    with pytest.raises(ValueError, match="gave 0"):
        _bovw().fit(np.zeros((3, 32, 32), np.uint8))


def test_hard_assignment_is_the_nearest_word():
    rng = np.random.default_rng(0)
    X, C = rng.random((500, 32), np.float32), rng.random((20, 32), np.float32)
    np.testing.assert_array_equal(nearest_words(X, C), pairwise_distances_argmin(X, C))


def test_pyramid_cells_split_by_position():
    points = np.array([[2.0, 3.0], [12.0, 3.0], [2.0, 13.0], [15.0, 15.0]])
    cells = pyramid_cells(points, (16, 16), 2)
    assert [c.tolist() for c in cells] == [[0, 1, 2, 3], [0], [1], [2], [3]]


def test_vlad_is_the_sum_of_residuals_to_the_nearest_word():
    rng = np.random.default_rng(1)
    X, C = rng.random((60, 4)), rng.random((3, 4))
    words = nearest_words(X, C)
    out = vlad_vectors(X, words, C, [np.arange(60)], normalize=False).reshape(3, 4)
    expected = np.stack([(X[words == k] - C[k]).sum(axis=0) for k in range(3)])
    np.testing.assert_allclose(out, expected, rtol=1e-5)


def test_fisher_vectors_agree_with_scikit_image(small_batch):
    from skimage.feature import fisher_vector

    bovw = _bovw(encoding="fisher", n_words=4, pca=8, normalize=False).fit(small_batch)
    keypoints, descriptors = dense_sift(small_batch[2], **FAST, root_sift=True)
    descriptors = bovw.pca_.transform(descriptors).astype(np.float64)
    gmm = bovw.gmm_
    gamma = gmm_posteriors(descriptors, gmm.weights_, gmm.means_, gmm.covariances_)
    np.testing.assert_allclose(gamma, gmm.predict_proba(descriptors), atol=1e-6)
    ours = fisher_vectors(descriptors, gamma, gmm.weights_, gmm.means_, gmm.covariances_,
                          [np.arange(len(descriptors))])[0]
    reference = fisher_vector(descriptors, gmm)
    k, kd = 4, 4 * 8
    # scikit-image puts the K weight gradients first and its variance gradient has the
    # opposite sign.
    np.testing.assert_allclose(ours[:kd], reference[k:k + kd], rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(ours[kd:], -reference[k + kd:], rtol=1e-4, atol=1e-6)
    row = bovw.transform(small_batch[2:3])[0]
    np.testing.assert_allclose(row, ours.astype(np.float32), rtol=1e-3, atol=1e-5)


@pytest.mark.parametrize("params, match", [
    (dict(encoding="bow"), "encoding"), (dict(sampling="grid"), "sampling"),
    (dict(n_words=0), "n_words"), (dict(pyramid=0), "pyramid"), (dict(step=0), "step"),
    (dict(patch_sizes=(15,)), "patch_sizes"), (dict(pca=200), "pca"),
])
def test_bad_parameters_raise(small_batch, params, match):
    with pytest.raises(ValueError, match=match):
        _bovw(**params).fit(small_batch)


def test_histograms_feed_the_chi2_kernel_svm():
    textures = load_textures()
    train_x, test_x, train_y, test_y = train_test_split(
        textures.images, textures.target, test_size=0.5, stratify=textures.target, random_state=0)
    model = make_pipeline(_bovw(n_words=32), make_classifier("chi2-svm", random_state=0))
    assert model.fit(train_x, train_y).score(test_x, test_y) > 0.9
