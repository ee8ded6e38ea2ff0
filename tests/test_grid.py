"""The grid module: partition, naming, pooling (most behaviour is covered by its doctests)."""

import numpy as np
import pytest

from featurevision._grid import cell_histograms, count_values


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
