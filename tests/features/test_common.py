"""The contract every registered extractor must keep; a new extractor is tested by registering it.

Runs scikit-learn's estimator checks in full and our image-contract checks over REGISTRY.
"""

import pickle

import cv2
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.utils.estimator_checks import (
    check_set_output_transform,
    check_set_output_transform_pandas,
    check_transformer_get_feature_names_out,
    parametrize_with_checks,
)

from featurevision.features import REGISTRY

NAMES = sorted(REGISTRY)
EXTRACTORS = [REGISTRY[name]() for name in NAMES]


# The array-API checks skip (not fail) unless SCIPY_ARRAY_API=1 is set before scipy is
# imported; featurevision computes on NumPy/OpenCV arrays and declares no array API support.
@parametrize_with_checks(EXTRACTORS)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


@pytest.mark.parametrize("name", NAMES)
def test_feature_names_and_set_output(name):
    extractor = REGISTRY[name]()
    check_transformer_get_feature_names_out(name, extractor)
    check_set_output_transform(name, extractor)
    pytest.importorskip("pandas")
    check_set_output_transform_pandas(name, extractor)


def _fitted(name, images):
    return REGISTRY[name]().fit(images, np.arange(len(images)) % 2)


@pytest.mark.parametrize("name", NAMES)
def test_three_input_forms_give_identical_rows(name, small_batch, tmp_path):
    extractor = _fitted(name, small_batch)
    from_stack = extractor.transform(small_batch)
    from_list = extractor.transform(list(small_batch))
    paths = []
    for i, image in enumerate(small_batch):
        paths.append(str(tmp_path / f"{i}.png"))
        cv2.imwrite(paths[-1], image)
    from_paths = extractor.transform(paths)
    assert from_stack.dtype == np.float32
    assert from_stack.shape == (len(small_batch), extractor.n_features_out_)
    np.testing.assert_allclose(from_list, from_stack, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(from_paths, from_list)


@pytest.mark.parametrize("name", NAMES)
def test_rows_in_order_and_one_per_image(name, small_batch):
    extractor = _fitted(name, small_batch)
    forward = extractor.transform(list(small_batch))
    backward = extractor.transform(list(small_batch[::-1]))
    np.testing.assert_array_equal(backward, forward[::-1])


@pytest.mark.parametrize("name", NAMES)
def test_images_of_different_sizes_and_colours(name, small_batch, color_batch):
    mixed = [small_batch[0], color_batch[0][:40, :50], small_batch[1][:33, :61], color_batch[1]]
    extractor = _fitted(name, small_batch)
    out = extractor.transform(mixed)
    assert out.shape == (4, extractor.n_features_out_)
    assert np.isfinite(out).all()


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("shape", [(1, 1), (3, 3), (1, 17), (64, 64)])
def test_degenerate_and_blank_images_give_finite_rows(name, shape, small_batch):
    extractor = _fitted(name, small_batch)
    out = extractor.transform([np.zeros(shape, np.uint8), np.full(shape, 255, np.uint8)])
    assert out.shape == (2, extractor.n_features_out_)
    assert np.isfinite(out).all()


@pytest.mark.parametrize("name", NAMES)
def test_n_jobs_does_not_change_output(name, small_batch):
    images = np.concatenate([small_batch] * 3)
    serial = _fitted(name, images).transform(images)
    parallel = _fitted(name, images).set_params(n_jobs=2).transform(list(images))
    np.testing.assert_allclose(parallel, serial, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", NAMES)
def test_clone_and_pickle_round_trip(name, small_batch):
    extractor = _fitted(name, small_batch)
    restored = pickle.loads(pickle.dumps(extractor))
    np.testing.assert_array_equal(restored.transform(small_batch), extractor.transform(small_batch))
    assert clone(extractor).get_params() == extractor.get_params()


@pytest.mark.parametrize("name", NAMES)
def test_memory_caches_transform(name, small_batch, tmp_path):
    extractor = _fitted(name, small_batch).set_params(memory=str(tmp_path))
    first = extractor.transform(small_batch)
    np.testing.assert_array_equal(extractor.transform(small_batch), first)
    assert any(tmp_path.rglob("output.pkl"))


bad_images = st.one_of(
    st.just(np.zeros((0, 5), np.uint8)),
    st.just(np.zeros((4, 4, 2), np.uint8)),
    st.just(np.zeros((2, 2, 2, 2), np.uint8)),
    st.just(np.full((4, 4), np.nan)),
    st.just(np.full((4, 4), -np.inf, np.float32)),
    st.just(np.zeros((4, 4), np.complex64)),
    st.just(np.array([["a", "b"]])),
    st.just("no/such/file.png"),
    st.just(None),
    st.just(3.5),
)


@pytest.fixture(scope="module")
def good_paths(small_batch, tmp_path_factory):
    folder = tmp_path_factory.mktemp("good")
    paths = [str(folder / f"{i}.png") for i in range(4)]
    for path, image in zip(paths, small_batch):
        cv2.imwrite(path, image)
    return paths


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(bad=bad_images, position=st.integers(0, 3))
def test_bad_image_raises_naming_it(name, bad, position, small_batch, good_paths):
    extractor = _fitted(name, small_batch)
    batch = good_paths[:3] if isinstance(bad, str) else list(small_batch[:3])
    batch.insert(position, bad)
    with pytest.raises((ValueError, TypeError), match=rf"image {position}\b"):
        extractor.transform(batch)


def _per_image_functions():
    """Every public per-image function of the feature package, with cheap arguments."""
    from featurevision.features import bovw, color, corners, edges, gabor, hog, lbp, tamura
    from featurevision.features.blobs import find_blobs

    return {
        "canny_edges": edges.canny_edges,
        "canny_thresholds": edges.canny_thresholds,
        "harris_response": corners.harris_response,
        "harris_corners": corners.harris_corners,
        "find_blobs": lambda image: find_blobs(image, max_sigma=2.0, n_scales=2),
        "lbp_codes": lbp.lbp_codes,
        "hog_cells": lambda image: hog.hog_cells(image, pixels_per_cell=1),
        "gabor_responses": lambda image: gabor.gabor_responses(image, (0.25,), 2),
        "to_color_space": color.to_color_space,
        "dense_sift": lambda image: bovw.dense_sift(image, patch_sizes=8, step=8),
        "sparse_sift": bovw.sparse_sift,
        "tamura_coarseness_map": tamura.tamura_coarseness_map,
        "tamura_direction_histogram": tamura.tamura_direction_histogram,
    }


PER_IMAGE = _per_image_functions()


@pytest.mark.parametrize("name", sorted(PER_IMAGE))
@pytest.mark.parametrize("bad", [np.zeros((0, 5), np.uint8), np.full((4, 4), np.nan),
                                 np.zeros((2, 2, 2, 2), np.uint8), np.zeros((4, 4), np.complex64),
                                 np.zeros((4, 4), "timedelta64[s]"), None, "image.png"],
                         ids=["empty", "nan", "4d", "complex", "timedelta", "none", "string"])
def test_per_image_functions_validate_like_the_transformers(name, bad):
    with pytest.raises((ValueError, TypeError), match="image"):
        PER_IMAGE[name](bad)


@pytest.mark.parametrize("name", sorted(PER_IMAGE))
@pytest.mark.parametrize("shape", [(1, 1), (1, 9), (8, 8, 3)])
def test_per_image_functions_take_tiny_and_colour_images(name, shape):
    if name == "gabor_responses" and len(shape) == 3:
        pytest.skip("gabor_responses filters one gray channel as given")
    PER_IMAGE[name](np.full(shape, 128, np.uint8))


finite_images = st.one_of(
    st.sampled_from([np.float16, np.float32, np.float64]).flatmap(
        lambda dtype: st.tuples(st.integers(1, 40), st.integers(1, 40), st.sampled_from([
            np.finfo(dtype).max, np.finfo(dtype).tiny, 1e6, -1e6, 1.0])).map(
            lambda t, dtype=dtype: _extreme(dtype, *t))),
    st.tuples(st.integers(1, 3), st.integers(50, 300)).map(
        lambda hw: np.random.default_rng(hw[1]).integers(0, 256, hw).astype(np.uint8)),
)


def _extreme(dtype, h, w, scale):
    """Finite values at ``scale`` with a tiny relative spread: a 'large offset' image."""
    ramp = np.linspace(0.0, 1.0, h * w).reshape(h, w)
    values = np.float64(scale) * (1.0 - 0.5 * ramp) if abs(scale) > 1 else scale * ramp
    return np.clip(values, -np.finfo(dtype).max, np.finfo(dtype).max).astype(dtype)


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(image=finite_images)
def test_extreme_finite_and_thin_images_give_finite_rows(name, image, small_batch):
    """Near float limits, tiny ranges, large offsets, 1-3 pixel high strips: finite rows."""
    row = _fitted(name, small_batch).transform([image])
    assert row.shape == (1, _fitted(name, small_batch).n_features_out_)
    assert np.isfinite(row).all()


def test_memory_with_paths_decodes_no_image_to_make_its_key(small_batch, tmp_path, monkeypatch):
    from featurevision import _images
    from featurevision.features import TinyImage

    paths = []
    for i, image in enumerate(small_batch):
        paths.append(str(tmp_path / f"{i}.png"))
        cv2.imwrite(paths[-1], image)
    extractor = TinyImage(memory=str(tmp_path / "cache")).fit(paths)
    first = extractor.transform(paths)
    reads = []
    original = _images.read_image
    monkeypatch.setattr(_images, "read_image", lambda *a, **k: reads.append(a) or original(*a, **k))
    np.testing.assert_array_equal(extractor.transform(paths), first)
    assert reads == []  # a cache hit: the key came from names and stamps alone
