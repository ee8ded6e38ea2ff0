"""Pooling of point detections (edge pixels, corners, blobs) over a grid of image cells."""

from __future__ import annotations

import functools

import numpy as np

__all__ = ["cell_of_points", "cell_map", "cell_areas", "cell_names"]


def _bins(coords, length, n_bins):
    # Bin b holds the pixels [b * length / n_bins, (b + 1) * length / n_bins): the same
    # split as cell_areas, so densities divide by the right pixel counts.
    # Truncation sends the small negative coordinates of sub-pixel points to bin 0.
    bins = (np.asarray(coords, dtype=np.float64) * n_bins / length).astype(np.intp)
    return np.minimum(bins, n_bins - 1)


def cell_of_points(ys, xs, shape, grid):
    """Return the flat cell index (row-major) of each point ``(ys[i], xs[i])``.

    Coordinates may be fractional (sub-pixel detections); points on or past the far
    border fall in the last cell.

    Examples
    --------
    >>> cell_of_points([0, 5, 9], [9, 0, 9], (10, 10), (2, 2))
    array([1, 2, 3])
    """
    return _bins(ys, shape[0], grid[0]) * grid[1] + _bins(xs, shape[1], grid[1])


@functools.lru_cache(maxsize=8)
def cell_map(shape, grid):
    """Return the cell index of every pixel, flattened (int32, read-only, cached per shape).

    Looking a dense set of points (edge pixels) up by flat index is much cheaper than
    binning their coordinates; a dataset's images mostly share a few shapes.

    Examples
    --------
    >>> cell_map((2, 4), (1, 2)).tolist()
    [0, 0, 1, 1, 0, 0, 1, 1]
    """
    rows = _bins(np.arange(shape[0]), shape[0], grid[0]) * grid[1]
    cols = _bins(np.arange(shape[1]), shape[1], grid[1])
    cells = (rows[:, None] + cols[None, :]).astype(np.int32).ravel()
    cells.flags.writeable = False
    return cells


@functools.lru_cache(maxsize=8)
def cell_areas(shape, grid):
    """Return the pixel count of each cell (row-major), flattened; 0 for empty cells.

    An image smaller than the grid leaves some cells without pixels. Read-only, cached.

    Examples
    --------
    >>> cell_areas((3, 4), (2, 2))
    array([4, 4, 2, 2])
    """
    rows = np.bincount(_bins(np.arange(shape[0]), shape[0], grid[0]), minlength=grid[0])
    cols = np.bincount(_bins(np.arange(shape[1]), shape[1], grid[1]), minlength=grid[1])
    areas = np.outer(rows, cols).ravel()
    areas.flags.writeable = False
    return areas


def cell_names(grid):
    """Return the names ``"r{row}c{col}"`` of the cells, row-major.

    Examples
    --------
    >>> cell_names((1, 2))
    ['r0c0', 'r0c1']
    """
    return [f"r{r}c{c}" for r in range(grid[0]) for c in range(grid[1])]
