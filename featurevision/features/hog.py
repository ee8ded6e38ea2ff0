"""HOG: histograms of oriented gradients (Dalal & Triggs 2005), as scikit-image computes them.

The arithmetic follows ``skimage.feature.hog`` step for step, vectorised over whole images
and whole stacks of images (``cv2.cartToPolar`` for magnitudes and angles, ``np.bincount``
over a cell × orientation index instead of a loop per cell and per bin). What is equal,
precisely: given the same **float32** gray image in [0, 1] (what :class:`HOG` computes
on: every input is converted to float32 first), its rows equal scikit-image's to float
rounding (2.4e-7; the tests hold it to 1e-6). Given other dtypes, scikit-image computes
in float64 or on the raw 0–255 scale and the two differ in two places: a gradient
whose angle falls exactly on an orientation-bin edge (45° and 135° edges at 4, 8, 12
or 16 bins) can land in the neighbouring bin, and for uint8 input scikit-image adds
``eps`` to norms on the 0–255 scale where we add it on the [0, 1] scale, which matters
only in near-flat blocks. Convert to float32 in [0, 1] before calling scikit-image to
compare like with like. The steps:

- gradient: central differences ``[-1, 0, 1]`` along rows and columns, zero on the outer
  rows/columns of the image; magnitude ``hypot``, orientation
  ``degrees(arctan2(g_row, g_col)) % 180`` in float64;
- binning: hard, no interpolation between bins or cells; bin ``i`` holds orientations in
  ``[i, i + 1) * 180 / orientations`` (edges rounded to float32 as scikit-image's Cython
  does); a cell's histogram is the mean magnitude per bin over its pixels; cells tile the
  image from the top-left corner and leftover rows/columns are ignored;
- blocks: every ``cells_per_block`` window of cells at a stride of one cell, normalised by
  ``block_norm`` with ``eps = 1e-5``; no Gaussian window;
- order: ``(block_row, block_col, cell_row, cell_col, orientation)``, row-major.

``cv2.HOGDescriptor`` (the benchmark's speed floor) computes a different descriptor from
the same idea: gradients at the border use a reflected border instead of zero; each pixel
votes into the two nearest orientation bins (linear interpolation) and the four nearest
cells (bilinear), weighted by a Gaussian window over the block (``winSigma``); L2-Hys is
``v / (||v|| + 0.1 * len(v))``, clipped at 0.2, then ``v / (||v|| + 1e-3)``; blocks and the
cells inside them are ordered column-major; colour takes the channel with the largest
gradient. Its values therefore differ from scikit-image's by tens of percent; this module
matches scikit-image.
"""

from __future__ import annotations

import functools
import numbers

import cv2
import numpy as np
from sklearn.utils import check_scalar

from .._resize import resize_image
from .._validation import check_grid, check_option, check_size
from ._base import BaseImageFeatures, image_in_form

__all__ = ["HOG", "hog_cells", "hog_blocks", "BLOCK_NORMS"]

#: Block normalisations, named as in ``skimage.feature.hog``.
BLOCK_NORMS = ("L1", "L1-sqrt", "L2", "L2-Hys")

_EPS = 1e-5

# Images per vectorised pass are grouped up to this many pixels: the pass's temporaries
# (about 40 bytes a pixel) then stay in cache; whole 256-image chunks ran 4x slower.
_PIXELS_PER_PASS = 1 << 16


@functools.lru_cache(maxsize=16)
def _bin_edges(orientations):
    """Bin edges ``0 .. n`` as scikit-image's Cython computes them: float32 ``(180 / n) * i``."""
    step = np.float32(180.0 / orientations)
    return np.array([np.float32(step * np.float32(i)) for i in range(orientations + 1)], np.float64)


@functools.lru_cache(maxsize=16)
def _cell_offsets(m, h, w, cell_rows, cell_cols, n_slots):
    """First histogram slot of the cell of every pixel of ``m`` stacked ``(h, w)`` regions."""
    rows = np.arange(h) // cell_rows
    cols = np.arange(w) // cell_cols
    cells = rows[:, None] * (w // cell_cols) + cols[None, :]
    images = np.arange(m)[:, None, None] * ((h // cell_rows) * (w // cell_cols))
    offsets = ((images + cells) * n_slots).astype(np.intp)
    offsets.flags.writeable = False
    return offsets


# cv2.cartToPolar's angles are within 0.01 degree of arctan2's; a gradient closer than this
# to a bin edge is binned again exactly, in float64, as scikit-image does.
_NEAR_EDGE_DEG = 0.05


def _orientation_slots(g_row, g_col, angle, orientations):
    """Histogram slot of each gradient: ``0 .. 2n`` over [0, 360] degrees, ``2n + 1`` = no bin.

    Slots ``k`` and ``k + n`` (and ``2n``, i.e. 360 degrees, with 0) are the same
    orientation and are summed after counting: folding the angle to [0, 180) per pixel
    would cost a pass over the image. The fast float32 angle decides every gradient that
    is not within ``_NEAR_EDGE_DEG`` of an edge; those near one get scikit-image's exact
    test: ``degrees(arctan2) % 180`` in float64 against its float32 edges, where an angle
    on no bin (a float32 edge rounding below 180) is dropped. A zero row gradient lies
    exactly at 0 or 180 degrees, bin 0 either way (``180 * float32(n / 180)`` rounds to
    ``n``), and is left to the fast path.
    """
    shifted = angle * np.float32(orientations / 180.0)
    shifted += np.float32(_NEAR_EDGE_DEG * orientations / 180.0)
    whole = np.floor(shifted)
    slots = whole.astype(np.intp)
    index = np.flatnonzero(shifted - whole < np.float32(2.0 * _NEAR_EDGE_DEG * orientations / 180.0))
    rows = g_row.ravel()[index]
    index, rows = index[rows != 0], rows[rows != 0]
    if index.size:
        cols = g_col.ravel()[index].astype(np.float64)
        theta = np.rad2deg(np.arctan2(rows.astype(np.float64), cols)) % 180
        exact = np.searchsorted(_bin_edges(orientations)[1:], theta, side="right")
        exact[exact == orientations] = 2 * orientations + 1
        slots.ravel()[index] = exact
    return slots


def _cell_histograms(stack, orientations, pixels_per_cell):
    """Per-cell orientation histograms of an ``(m, h, w)`` float stack: ``(m, rows, cols, n)``."""
    m, height, width = stack.shape
    cell_rows, cell_cols = pixels_per_cell
    n_rows, n_cols = height // cell_rows, width // cell_cols
    h, w = n_rows * cell_rows, n_cols * cell_cols
    if h == 0 or w == 0:
        return np.zeros((m, n_rows, n_cols, orientations))
    # Only the pixels inside whole cells vote; the outer rows/columns keep a zero gradient.
    stack = stack.astype(np.float32, copy=False)
    g_row = np.zeros((m, h, w), np.float32)
    g_col = np.zeros((m, h, w), np.float32)
    r_stop, c_stop = min(h, height - 1), min(w, width - 1)
    if r_stop > 1:
        np.subtract(stack[:, 2:r_stop + 1, :w], stack[:, :r_stop - 1, :w], out=g_row[:, 1:r_stop])
    if c_stop > 1:
        np.subtract(stack[:, :h, 2:c_stop + 1], stack[:, :h, :c_stop - 1], out=g_col[:, :, 1:c_stop])
    magnitude, angle = cv2.cartToPolar(g_col.reshape(m * h, w), g_row.reshape(m * h, w),
                                       angleInDegrees=True)
    slots = _orientation_slots(g_row, g_col, angle, orientations).reshape(m, h, w)
    n_slots = 2 * orientations + 2
    slots += _cell_offsets(m, h, w, cell_rows, cell_cols, n_slots)
    counts = np.bincount(slots.ravel(), magnitude.ravel(), minlength=m * n_rows * n_cols * n_slots)
    counts = counts.reshape(m, n_rows, n_cols, n_slots)
    hist = counts[..., :orientations] + counts[..., orientations:2 * orientations]
    hist[..., 0] += counts[..., 2 * orientations]
    return hist / (cell_rows * cell_cols)


def _normalize_blocks(cells, cells_per_block, block_norm):
    """``(m, rows, cols, n)`` cell histograms → ``(m, b_rows, b_cols, br, bc, n)`` float32 blocks."""
    windows = np.lib.stride_tricks.sliding_window_view(cells, cells_per_block, axis=(1, 2))
    blocks = np.ascontiguousarray(windows.transpose(0, 1, 2, 4, 5, 3), dtype=np.float32)
    rows = blocks.reshape(-1, int(np.prod(blocks.shape[3:])))
    if block_norm in ("L1", "L1-sqrt"):
        rows /= rows.sum(axis=1, keepdims=True) + np.float32(_EPS)   # cells are >= 0
        if block_norm == "L1-sqrt":
            np.sqrt(rows, out=rows)
        return blocks
    rows /= np.sqrt(np.einsum("ij,ij->i", rows, rows) + np.float32(_EPS ** 2))[:, None]
    if block_norm == "L2-Hys":
        np.minimum(rows, np.float32(0.2), out=rows)
        rows /= np.sqrt(np.einsum("ij,ij->i", rows, rows) + np.float32(_EPS ** 2))[:, None]
    return blocks


def hog_cells(image, orientations=9, pixels_per_cell=(8, 8), transform_sqrt=False):
    """Orientation histogram of every cell of one image, before block normalisation.

    Parameters
    ----------
    image : ndarray of shape (h, w) or (h, w, c)
        Any supported image; converted to gray float in [0, 1].
    orientations : int, default=9
        Bins over [0, 180) degrees (unsigned gradients).
    pixels_per_cell : int or (int, int), default=(8, 8)
        Cell height and width in pixels.
    transform_sqrt : bool, default=False
        Square-root (gamma) compression of the intensities first.

    Returns
    -------
    ndarray of shape (h // cell_h, w // cell_w, orientations), float64
        Mean gradient magnitude per bin, as scikit-image's ``hog`` builds it; bin ``i``
        covers orientations ``[i, i + 1) * 180 / orientations`` degrees, measured from
        the column axis towards the row axis (downwards).

    Examples
    --------
    >>> import numpy as np
    >>> ramp = np.tile(np.linspace(0, 1, 16), (16, 1))   # brighter to the right
    >>> cells = hog_cells(ramp, orientations=4, pixels_per_cell=8)
    >>> cells.shape, int(cells[0, 0].argmax())            # gradient along the columns: 0°
    ((2, 2, 4), 0)
    """
    orientations = check_scalar(orientations, "orientations", numbers.Integral, min_val=1)
    gray = image_in_form(image, "gray_float")
    if transform_sqrt:
        gray = np.sqrt(gray)
    return _cell_histograms(gray[None], orientations, check_grid(pixels_per_cell, "pixels_per_cell"))[0]


def hog_blocks(cells, cells_per_block=(2, 2), block_norm="L2-Hys"):
    """Normalise overlapping blocks of cell histograms (the HOG descriptor before flattening).

    Parameters
    ----------
    cells : ndarray of shape (rows, cols, orientations)
        From :func:`hog_cells`.
    cells_per_block : int or (int, int), default=(2, 2)
        Block height and width in cells; blocks move one cell at a time.
    block_norm : {"L1", "L1-sqrt", "L2", "L2-Hys"}, default="L2-Hys"
        As in ``skimage.feature.hog``, with ``eps = 1e-5``.

    Returns
    -------
    ndarray of shape (rows - br + 1, cols - bc + 1, br, bc, orientations)
        ``.ravel()`` equals ``skimage.feature.hog(..., feature_vector=True)``.

    Examples
    --------
    >>> import numpy as np
    >>> blocks = hog_blocks(np.ones((3, 3, 9)), cells_per_block=2, block_norm="L1")
    >>> blocks.shape, round(float(blocks[0, 0].sum()), 4)
    ((2, 2, 2, 2, 9), 1.0)
    """
    check_option("block_norm", block_norm, BLOCK_NORMS)
    per_block = check_grid(cells_per_block, "cells_per_block")
    cells = np.asarray(cells, np.float64)
    if cells.shape[0] < per_block[0] or cells.shape[1] < per_block[1]:
        raise ValueError(f"{cells.shape[:2]} cells cannot hold a block of {per_block} cells")
    return _normalize_blocks(cells[None], per_block, block_norm)[0]


class HOG(BaseImageFeatures):
    """Histograms of oriented gradients on a fixed canvas: one descriptor per image.

    Dalal & Triggs (2005), "Histograms of oriented gradients for human detection", CVPR.
    Each image is converted to gray float in [0, 1] and resized to ``image_size`` (area
    averaging when shrinking, bilinear when enlarging), so every image gives the same
    width, whatever its size; a tiny or blank image gives a valid row (zeros when blank).
    As in scikit-image, ``eps = 1e-5`` is small next to [0, 1] intensities, so the
    rounding-level gradients of a nearly flat patch are normalised up to full-size
    values.
    The descriptor on that float32 canvas equals ``skimage.feature.hog`` given the same
    canvas and parameters, to float rounding (the module notes say precisely what is
    equal, and how it differs from ``cv2.HOGDescriptor``). Colour is converted to gray (ITU-R 601 luma) first, where
    scikit-image would take the strongest channel's gradient.

    Parameters
    ----------
    orientations : int, default=9
        Orientation bins over [0, 180) degrees.
    pixels_per_cell : int or (int, int), default=(8, 8)
        Cell size in pixels.
    cells_per_block : int or (int, int), default=(2, 2)
        Block size in cells (Dalal & Triggs' 2×2; scikit-image's default is 3×3).
    block_norm : {"L1", "L1-sqrt", "L2", "L2-Hys"}, default="L2-Hys"
        Block normalisation, as in scikit-image.
    image_size : int or (int, int), default=(64, 64)
        The canvas every image is resized to: 8×8 cells of 8 pixels with the defaults,
        7×7 blocks, 1,764 values. Use a canvas near the images' own size; small images
        (28×28 digits) do well with ``image_size=32, pixels_per_cell=4``.
    transform_sqrt : bool, default=False
        Square-root (gamma) compression of the intensities before the gradients.
    image_shape, n_jobs, progress, memory
        See :class:`~featurevision.features.BaseImageFeatures`.

    Attributes
    ----------
    n_features_out_ : int
        ``blocks_r * blocks_c * br * bc * orientations``.

    Examples
    --------
    >>> from featurevision.datasets import load_digits
    >>> hog = HOG(image_size=16, pixels_per_cell=4)
    >>> hog.fit_transform(load_digits().images[:3]).shape
    (3, 324)
    """

    pixel_form = "gray_float"

    def __init__(self, orientations=9, pixels_per_cell=(8, 8), cells_per_block=(2, 2),
                 block_norm="L2-Hys", image_size=(64, 64), transform_sqrt=False,
                 image_shape=None, n_jobs=None, progress=False, memory=None):
        self.orientations = orientations
        self.pixels_per_cell = pixels_per_cell
        self.cells_per_block = cells_per_block
        self.block_norm = block_norm
        self.image_size = image_size
        self.transform_sqrt = transform_sqrt
        super().__init__(image_shape=image_shape, n_jobs=n_jobs, progress=progress, memory=memory)

    def _layout(self):
        """Cells and blocks on the canvas: ``((rows, cols), (b_rows, b_cols))``."""
        height, width = check_size(self.image_size, "image_size")
        cell_rows, cell_cols = check_grid(self.pixels_per_cell, "pixels_per_cell")
        block_rows, block_cols = check_grid(self.cells_per_block, "cells_per_block")
        cells = (height // cell_rows, width // cell_cols)
        blocks = (cells[0] - block_rows + 1, cells[1] - block_cols + 1)
        if min(blocks) < 1:
            raise ValueError(
                f"image_size={self.image_size!r} is too small for one block of "
                f"{self.cells_per_block!r} cells of {self.pixels_per_cell!r} pixels"
            )
        return cells, blocks

    def _check_params(self):
        check_scalar(self.orientations, "orientations", numbers.Integral, min_val=1)
        check_option("block_norm", self.block_norm, BLOCK_NORMS)
        self._layout()

    def _feature_names(self):
        _, (n_block_rows, n_block_cols) = self._layout()
        block_rows, block_cols = check_grid(self.cells_per_block, "cells_per_block")
        return [
            f"b{br}_{bc}_c{cr}_{cc}_o{o}"
            for br in range(n_block_rows) for bc in range(n_block_cols)
            for cr in range(block_rows) for cc in range(block_cols)
            for o in range(self.orientations)
        ]

    def _images_per_call(self, h, w):
        # Memory follows the canvas, not the input image.
        canvas_h, canvas_w = check_size(self.image_size)
        return max(1, _PIXELS_PER_PASS // (canvas_h * canvas_w))

    def _extract(self, gray):
        return self._extract_batch(gray[None])[0]

    def _extract_batch(self, stack):
        """``(m, h, w)`` float32 gray images → ``(m, n_features)`` float32 descriptors."""
        # One resize per image: resizing the stack four images at a time (as channels) rounds
        # differently in the last bit, and block normalisation magnifies the gradients of
        # near-flat patches, so rows would depend on how images were batched.
        size = check_size(self.image_size)
        canvases = np.stack([resize_image(image, size) for image in stack])
        if self.transform_sqrt:
            canvases = np.sqrt(canvases)
        cells = _cell_histograms(canvases, self.orientations,
                                 check_grid(self.pixels_per_cell, "pixels_per_cell"))
        blocks = _normalize_blocks(cells, check_grid(self.cells_per_block, "cells_per_block"),
                                   self.block_norm)
        return blocks.reshape(len(canvases), -1).astype(np.float32)
