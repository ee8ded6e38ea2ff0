"""The grid module: partition, naming, pooling (most behaviour is covered by its doctests)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from featurevision._grid import cell_histograms, count_values, flat_nonzero


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.int32, np.intp])
def test_count_values_equals_bincount_for_every_dtype(dtype):
    rng = np.random.default_rng(0)
    n_values = 200 if dtype == np.uint8 else 3000
    values = rng.integers(0, n_values, 5000).astype(dtype)
    counts = count_values(values, n_values)
    assert counts.dtype == np.int64
    np.testing.assert_array_equal(counts, np.bincount(values.astype(np.intp), minlength=n_values))


@pytest.mark.parametrize("dtype", [np.uint8, np.intp])
def test_count_values_ignores_values_out_of_range(dtype):
    counts = count_values(np.array([0, 1, 1, 7, 9], dtype), 3)
    assert counts.tolist() == [1, 2, 0]


def test_cell_histograms_put_each_pixel_in_one_cell():
    codes = np.zeros((2, 7, 5), np.intp)
    rows = cell_histograms(codes, 1, (3, 2))
    np.testing.assert_allclose(rows, 1.0)


@settings(max_examples=200, deadline=None)
@given(size=st.integers(0, 5000), fraction=st.sampled_from([0.0, 5e-4, 0.003, 0.05, 0.099, 0.3, 1.0]),
       offset=st.integers(0, 7), seed=st.integers(0, 2**16), pass_count=st.booleans())
def test_flat_nonzero_equals_numpy_at_every_density(size, fraction, offset, seed, pass_count):
    # Each density takes its own path (findNonZero, 8-byte words, NumPy); an offset start
    # makes the words unaligned and the size leaves a tail past the last whole word.
    mask = np.random.default_rng(seed).random(size + offset) < fraction
    mask = mask[offset:]
    count = int(mask.sum()) if pass_count else None
    found = flat_nonzero(mask, count)
    assert found.dtype == np.intp
    np.testing.assert_array_equal(found, np.flatnonzero(mask))


def test_flat_nonzero_reads_a_2d_mask_flat_in_c_order():
    mask = np.zeros((40, 50), bool)
    mask[[3, 17, 39], [49, 0, 25]] = True
    np.testing.assert_array_equal(flat_nonzero(mask), np.flatnonzero(mask))
    np.testing.assert_array_equal(flat_nonzero(mask.T), np.flatnonzero(mask.T))
