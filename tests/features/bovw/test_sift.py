"""Dense and sparse SIFT: agreement with OpenCV, normalisation, flat and degenerate images."""

import cv2
import numpy as np
import pytest

from featurevision.features.bovw.sift import (
    OPENCV_WINDOW_PER_SIZE,
    _normalize,
    dense_sift,
    extract_descriptors,
    sparse_sift,
)


@pytest.mark.parametrize("patch, floor", [(24, 0.93), (32, 0.97)])
def test_dense_sift_matches_opencv_on_the_same_grid(camera, patch, floor):
    image = camera[:200, :200]
    keypoints, ours = dense_sift(image, patch_sizes=patch, step=12, contrast_threshold=0.0)
    opencv = [cv2.KeyPoint(float(x), float(y), float(size / OPENCV_WINDOW_PER_SIZE), 0)
              for x, y, size, _ in keypoints]
    found, reference = cv2.SIFT_create().compute(image, opencv)
    assert len(found) == len(ours)
    reference /= np.linalg.norm(reference, axis=1, keepdims=True)
    assert np.mean(np.sum(ours * reference, axis=1)) > floor


def test_dense_grid_positions_and_patch_in_pixels():
    image = np.random.default_rng(0).integers(0, 256, (40, 48), dtype=np.uint8)
    keypoints, descriptors = dense_sift(image, patch_sizes=16, step=8, contrast_threshold=0.0)
    # (40 - 16) // 8 + 1 = 4 rows, (48 - 16) // 8 + 1 = 5 columns, centred between pixels.
    assert descriptors.shape == (20, 128)
    assert sorted(set(keypoints[:, 1])) == [7.5, 15.5, 23.5, 31.5]
    assert sorted(set(keypoints[:, 0])) == [7.5, 15.5, 23.5, 31.5, 39.5]
    assert set(keypoints[:, 2]) == {16.0}


def test_descriptors_are_normalised_and_clipped(camera):
    _, sift = dense_sift(camera, patch_sizes=16, step=16)
    np.testing.assert_allclose(np.linalg.norm(sift, axis=1), 1.0, rtol=1e-5)
    assert sift.min() >= 0
    _, root = dense_sift(camera, patch_sizes=16, step=16, root_sift=True)
    np.testing.assert_allclose(root ** 2, sift / sift.sum(axis=1, keepdims=True), atol=1e-6)


def test_lowe_normalisation_clips_at_point_two_then_renormalises():
    # unit L2: (0.6, 0.8); clipped: (0.2, 0.2); unit again: (0.707, 0.707).
    out = _normalize(np.array([[3.0, 4.0] + [0.0] * 126], np.float32), root_sift=False)
    np.testing.assert_allclose(out[0, :2], [2 ** -0.5] * 2, rtol=1e-6)


def test_ramp_puts_all_mass_in_the_matching_orientation():
    ramp = np.tile(np.linspace(0, 1, 64, dtype=np.float32), (64, 1))
    _, rightwards = dense_sift(ramp, patch_sizes=16, step=8)
    # Angles are measured with y up, as OpenCV does: bin 0 is "brighter to the right",
    # bin 2 "brighter upwards".
    assert np.allclose(rightwards.reshape(-1, 16, 8)[:, :, 1:], 0)
    _, upwards = dense_sift(ramp.T[::-1], patch_sizes=16, step=8)
    mass = upwards.reshape(-1, 16, 8).sum(axis=(0, 1))
    assert mass.argmax() == 2 and mass[2] > 0.99 * mass.sum()


@pytest.mark.parametrize("shape", [(1, 1), (3, 3), (64, 64)])
def test_flat_images_give_no_descriptors(shape):
    for value in (0, 128, 255):
        keypoints, descriptors = dense_sift(np.full(shape, value, np.uint8))
        assert keypoints.shape == (0, 4) and descriptors.shape == (0, 128)
    assert sparse_sift(np.zeros(shape, np.uint8))[1].shape == (0, 128)


def test_low_contrast_patches_are_dropped_but_texture_is_kept(camera):
    image = camera.copy()
    image[:, :256] = 100
    keypoints, _ = dense_sift(image, patch_sizes=16, step=8)
    assert len(keypoints) and keypoints[:, 0].min() > 256 - 16


def test_tiny_images_are_enlarged_and_keypoints_stay_in_their_frame():
    row = np.random.default_rng(1).random((1, 17))
    keypoints, descriptors = dense_sift(row)
    assert len(descriptors) > 0
    assert keypoints[:, 0].min() >= -0.5 and keypoints[:, 0].max() <= 16.5
    assert keypoints[:, 1].min() >= -0.5 and keypoints[:, 1].max() <= 0.5


def test_sparse_patch_is_six_times_opencv_size(camera):
    keypoints, descriptors = sparse_sift(camera, max_keypoints=20)
    found = cv2.SIFT_create(nfeatures=20).detect(camera, None)
    assert sorted(keypoints[:, 2]) == pytest.approx(sorted(6 * k.size for k in found), rel=1e-5)
    np.testing.assert_allclose(np.linalg.norm(descriptors, axis=1), 1.0, rtol=1e-5)


def test_extract_descriptors_in_order_and_parallel_identical(small_batch):
    serial = extract_descriptors(small_batch, patch_sizes=(16, 32), step=8)
    parallel = extract_descriptors(list(small_batch), patch_sizes=(16, 32), step=8, n_jobs=2)
    assert len(serial) == len(small_batch)
    for (k1, d1), (k2, d2), image in zip(serial, parallel, small_batch):
        np.testing.assert_array_equal(d1, d2)
        np.testing.assert_array_equal(d1, dense_sift(image, (16, 32), 8)[1])
    sparse = extract_descriptors(small_batch[:2], sampling="keypoints", max_keypoints=3)
    assert [d.shape for _, d in sparse] == [(3, 128), (3, 128)]


@pytest.mark.parametrize("patch_sizes", [10, (16, 0), (), 4])
def test_bad_patch_sizes_raise(patch_sizes):
    with pytest.raises(ValueError, match="patch_sizes"):
        dense_sift(np.zeros((32, 32)), patch_sizes=patch_sizes)
    with pytest.raises(ValueError, match="sampling"):
        extract_descriptors(np.zeros((1, 32, 32)), sampling="grid")
