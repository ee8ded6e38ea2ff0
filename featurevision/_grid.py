"""The one way an image is cut into a grid of cells, how cells are named, and per-cell pooling.

The partition rule: along an axis of ``length`` pixels cut into ``n`` cells, pixel (or
sub-pixel point) coordinate ``y`` lies in cell ``floor(y * n / length)``, clipped to
``n - 1``. Cell ``b`` thus spans pixels ``ceil(b * length / n)`` up to
``ceil((b + 1) * length / n)``; on an image smaller than the grid some cells hold no
pixel and pool to zeros. Cells are numbered row-major and named ``"r{row}c{col}"``;
a feature computed per cell is named ``"r{row}c{col}_{feature}"``.

Every grid-pooling extractor (Canny, Harris, blobs, colour, LBP, Gabor) uses this
module, so a cell with a given name covers the same pixels in all of them.
"""

from __future__ import annotations

import functools

import cv2
import numpy as np

__all__ = [
    "cell_areas",
    "cell_edges",
    "cell_feature_names",
    "cell_histograms",
    "cell_map",
    "cell_names",
    "cell_of_points",
    "cell_sums",
    "count_values",
    "flat_nonzero",
]


def _bins(coords, length, n_bins):
    # Truncation sends the small negative coordinates of sub-pixel points to bin 0.
    bins = (np.asarray(coords, dtype=np.float64) * n_bins / length).astype(np.intp)
    return np.minimum(bins, n_bins - 1)


def cell_edges(length, n):
    """Return the ``n + 1`` pixel boundaries of ``n`` cells along an axis of ``length``.

    Examples
    --------
    >>> cell_edges(28, 3)
    (0, 10, 19, 28)
    >>> cell_edges(2, 3)          # fewer pixels than cells: one cell is empty
    (0, 1, 2, 2)
    """
    return tuple(-(-b * length // n) for b in range(n + 1))


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


@functools.lru_cache(maxsize=16)
def cell_map(shape, grid):
    """Return the cell index of every pixel, flattened (int32, read-only, cached per shape).

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


@functools.lru_cache(maxsize=16)
def cell_areas(shape, grid):
    """Return the pixel count of each cell (row-major), flattened; 0 for empty cells.

    Examples
    --------
    >>> cell_areas((3, 4), (2, 2))
    array([4, 4, 2, 2])
    """
    rows = np.diff(cell_edges(shape[0], grid[0]))
    cols = np.diff(cell_edges(shape[1], grid[1]))
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


def cell_feature_names(grid, names):
    """Return ``"r{row}c{col}_{name}"`` for every cell (row-major) and every name in it.

    Examples
    --------
    >>> cell_feature_names((1, 2), ["mean", "std"])
    ['r0c0_mean', 'r0c0_std', 'r0c1_mean', 'r0c1_std']
    """
    return [f"{cell}_{name}" for cell in cell_names(grid) for name in names]


def cell_sums(stack, grid):
    """Sum an ``(m, h, w[, k])`` stack over each cell: ``(m, cells[, k])`` float64.

    One integral image per map, four lookups per cell: O(pixels) whatever the grid.

    Examples
    --------
    >>> import numpy as np
    >>> cell_sums(np.ones((1, 3, 4)), (2, 2)).tolist()
    [[4.0, 4.0, 2.0, 2.0]]
    """
    m, h, w = stack.shape[:3]
    integral = np.zeros((m, h + 1, w + 1) + stack.shape[3:], dtype=np.float64)
    np.cumsum(stack, axis=1, dtype=np.float64, out=integral[:, 1:, 1:])
    np.cumsum(integral[:, 1:, 1:], axis=2, out=integral[:, 1:, 1:])
    rows = np.asarray(cell_edges(h, grid[0]))
    cols = np.asarray(cell_edges(w, grid[1]))
    r0, r1 = rows[:-1, None], rows[1:, None]
    c0, c1 = cols[None, :-1], cols[None, 1:]
    sums = integral[:, r1, c1] - integral[:, r0, c1] - integral[:, r1, c0] + integral[:, r0, c0]
    return sums.reshape((m, grid[0] * grid[1]) + stack.shape[3:])


def count_values(values, n_values):
    """Count each integer of ``[0, n_values)`` in ``values`` (1-D); int64.

    Unsigned 8- and 16-bit values are counted by ``cv2.calcHist``, 2-3 times as fast
    as ``np.bincount``, which counts the others and any array of 2**24 values or more
    (calcHist counts in float32, exact only below that). Values outside the range are
    not counted.

    Examples
    --------
    >>> import numpy as np
    >>> count_values(np.array([0, 2, 2, 5], np.uint8), 3).tolist()
    [1, 0, 2]
    """
    if values.dtype in (np.uint8, np.uint16) and n_values <= 1 << 16 and values.size < 1 << 24:
        counts = cv2.calcHist([np.ascontiguousarray(values).reshape(1, -1)], [0], None,
                              [n_values], [0, n_values]).ravel()
        return counts.astype(np.int64)
    counts = np.bincount(values[(values >= 0) & (values < n_values)], minlength=n_values)
    return counts[:n_values]


def flat_nonzero(mask, count=None):
    """Flat indices of the true elements of a bool array, ascending: ``np.flatnonzero``.

    NumPy's nonzero scans a bool array element by element, without branches, when a
    tenth or more of it is true; below that it calls ``memchr`` once per true element,
    which on an edge map (short runs, 2-10% true) takes 1.5 times as long. (On masks of
    long runs, such as thresholded corner responses, it does not: the word search below
    measured slower there, so those callers keep ``np.flatnonzero``.) So:

    - a tenth or more true: ``np.flatnonzero``;
    - under one in a thousand (LBP's doubtful bits): ``cv2.findNonZero``, one call;
    - in between: the 8-byte words holding a true element first (an eighth as many
      elements), then the true bytes within those words (at least one in eight, so
      NumPy's branch-free scan).

    Parameters
    ----------
    mask : ndarray of bool
        Any shape; read flat in C order.
    count : int, optional
        The number of true elements, when the caller has counted them.

    Returns
    -------
    ndarray of intp

    Examples
    --------
    >>> import numpy as np
    >>> flat_nonzero(np.array([[False, True], [True, False]])).tolist()
    [1, 2]
    """
    flat = np.ascontiguousarray(mask, dtype=np.bool_).reshape(-1)
    if count is None:
        count = np.count_nonzero(flat)
    if count * 10 > flat.size:
        return np.flatnonzero(flat)
    if count * 1000 < flat.size:
        found = cv2.findNonZero(flat.view(np.uint8).reshape(1, -1))
        return np.empty(0, np.intp) if found is None else found.reshape(-1, 2)[:, 0].astype(np.intp)
    # Bytes past the last whole word (fewer than 8) are searched on their own.
    head = flat.size - flat.size % 8
    words = flat[:head].view(np.uint64)
    at_words = np.flatnonzero(words != 0)
    in_words = np.flatnonzero(words.take(at_words).view(np.bool_))
    at = at_words.take(in_words >> 3)
    at <<= 3
    at += in_words & 7
    if head < flat.size:
        at = np.concatenate([at, head + np.flatnonzero(flat[head:])])
    return at


def cell_histograms(codes, n_bins, grid):
    """Per-cell histograms of an ``(m, h, w)`` stack of bin indices in ``[0, n_bins)``.

    Each cell's counts are divided by its pixel count (an empty cell gives zeros), so a
    row does not depend on the image size. One ``bincount`` for the whole stack.

    Returns
    -------
    ndarray of shape (m, cells * n_bins), float32
        Cells row-major, bins within a cell.

    Examples
    --------
    >>> import numpy as np
    >>> cell_histograms(np.array([[[0, 1, 1, 1]]]), 2, (1, 2)).tolist()
    [[0.5, 0.5, 0.0, 1.0]]
    """
    m, h, w = codes.shape
    n_cells = grid[0] * grid[1]
    cells = cell_map((h, w), tuple(grid)).reshape(h, w).astype(np.intp)
    slots = (cells * n_bins)[None] + (np.arange(m) * (n_cells * n_bins))[:, None, None]
    counts = np.bincount((slots + codes).ravel(), minlength=m * n_cells * n_bins)
    counts = counts.reshape(m, n_cells, n_bins).astype(np.float32)
    areas = cell_areas((h, w), tuple(grid))
    counts /= np.maximum(areas, 1)[:, None].astype(np.float32)
    return counts.reshape(m, -1)
