"""ColorHistogram: colour distributions in RGB, HSV or Lab (Swain & Ballard 1991)."""

from __future__ import annotations

import functools
import numbers

import cv2
import numpy as np

from .._grid import cell_edges, cell_feature_names, cell_histograms
from .._validation import check_bool, check_grid, check_option
from ._base import BaseImageFeatures, image_in_form

__all__ = ["ColorHistogram", "COLOR_SPACES", "to_color_space"]

#: Colour spaces and their 8-bit OpenCV conversions from RGB.
COLOR_SPACES = ("rgb", "hsv", "lab")

_CONVERSIONS = {"hsv": cv2.COLOR_RGB2HSV, "lab": cv2.COLOR_RGB2LAB}
# Value range of each 8-bit channel: OpenCV's 8-bit hue is degrees / 2, in [0, 180).
_RANGES = {"rgb": (256, 256, 256), "hsv": (180, 256, 256), "lab": (256, 256, 256)}
_CHANNELS = {"rgb": "rgb", "hsv": "hsv", "lab": "Lab"}

def to_color_space(image, space="hsv"):
    """Convert one image to 8-bit ``space`` (OpenCV's 8-bit encodings).

    Parameters
    ----------
    image : ndarray of shape (h, w) or (h, w, c)
        Any supported image; gray is repeated into R = G = B, alpha dropped.
    space : {"rgb", "hsv", "lab"}, default="hsv"
        HSV: hue in degrees / 2 ([0, 180)), saturation and value in [0, 255].
        Lab: L * 255 / 100, a + 128, b + 128 (D65 white).

    Returns
    -------
    ndarray of shape (h, w, 3), uint8

    Examples
    --------
    >>> import numpy as np
    >>> red = np.zeros((1, 1, 3), np.uint8); red[..., 0] = 255
    >>> to_color_space(red, "hsv")[0, 0].tolist()
    [0, 255, 255]
    """
    check_option("space", space, COLOR_SPACES)
    rgb = np.ascontiguousarray(image_in_form(image, "rgb_u8"))
    return _from_rgb(rgb, space)


def _from_rgb(rgb, space):
    return rgb if space == "rgb" else cv2.cvtColor(np.ascontiguousarray(rgb), _CONVERSIONS[space])


@functools.lru_cache(maxsize=32)
def _bin_tables(space, bins):
    """Per channel, the bin of every 8-bit value: ``value * bins // range`` (exact integers)."""
    tables = []
    for n_bins, size in zip(bins, _RANGES[space]):
        table = np.minimum(np.arange(256) * n_bins // size, n_bins - 1).astype(np.uint8)
        table.flags.writeable = False
        tables.append(table)
    return tuple(tables)


class ColorHistogram(BaseImageFeatures):
    """Colour histograms in RGB, HSV or Lab, over the whole image or a grid of cells.

    Swain & Ballard (1991), "Color indexing", IJCV 7(1). Each image is converted to
    8-bit RGB (gray repeated into R = G = B) and then to ``space`` with OpenCV's 8-bit
    encodings (see :func:`to_color_space`); channel values are binned uniformly over
    their range (``value * bins // range``, exact integers) and counted with
    ``cv2.calcHist``. Each cell's histogram is divided by its pixel count, so rows do not
    depend on the image size; a cell with no pixels gives zeros.

    Gray input carries no colour: in RGB all mass lies on the R = G = B diagonal, in HSV
    hue and saturation fall in their first bin (value is the gray histogram), in Lab a
    and b fall in their middle bin (L is the lightness histogram).

    Parameters
    ----------
    space : {"rgb", "hsv", "lab"}, default="hsv"
        Colour space.
    bins : int or (int, int, int), default=8
        Bins per channel.
    joint : bool, default=True
        One joint 3-D histogram (``b0 * b1 * b2`` bins per cell, colours as wholes) when
        True; else the three marginal 1-D histograms side by side (``b0 + b1 + b2``).
    grid : int or (int, int), default=(1, 1)
        Cells (rows, columns), each with its own histogram.
    image_shape, n_jobs, progress, memory
        See :class:`~featurevision.features.BaseImageFeatures`.

    Attributes
    ----------
    n_features_out_ : int
        ``cells * (b0 * b1 * b2 if joint else b0 + b1 + b2)``.

    Examples
    --------
    >>> import numpy as np
    >>> red = np.zeros((1, 4, 4, 3), np.uint8); red[..., 0] = 255
    >>> row = ColorHistogram(space="rgb", bins=2).fit_transform(red)[0]
    >>> row.shape, float(row[4])          # all pixels in bin (R high, G low, B low)
    ((8,), 1.0)
    """

    pixel_form = "rgb_u8"
    # Stacking pays for small images (per-call overhead); larger ones go one by one through
    # cv2.calcHist, which beats index arithmetic and np.bincount over millions of pixels.
    batch_max_image_pixels = 64 * 64

    def __init__(self, space="hsv", bins=8, joint=True, grid=(1, 1), image_shape=None,
                 n_jobs=None, progress=False, memory=None):
        self.space = space
        self.bins = bins
        self.joint = joint
        self.grid = grid
        super().__init__(image_shape=image_shape, n_jobs=n_jobs, progress=progress, memory=memory)

    def _bins(self):
        bins = (self.bins,) * 3 if isinstance(self.bins, numbers.Integral) else tuple(self.bins)
        if len(bins) != 3 or not all(isinstance(b, numbers.Integral) and 1 <= b <= 256 for b in bins):
            raise ValueError(f"bins must be an int or three ints in [1, 256], got {self.bins!r}")
        return tuple(int(b) for b in bins)

    def _check_params(self):
        check_option("space", self.space, COLOR_SPACES)
        self._bins()
        check_grid(self.grid)
        check_bool(self.joint, "joint")

    def _feature_names(self):
        b0, b1, b2 = self._bins()
        names = _CHANNELS[self.space]
        if self.joint:
            per_cell = [f"{names[0]}{i}_{names[1]}{j}_{names[2]}{k}"
                        for i in range(b0) for j in range(b1) for k in range(b2)]
        else:
            per_cell = [f"{ch}{i}" for ch, n in zip(names, (b0, b1, b2)) for i in range(n)]
        return cell_feature_names(check_grid(self.grid), per_cell)

    def _extract(self, image):
        converted = _from_rgb(image, self.space)
        tables = _bin_tables(self.space, self._bins())
        binned = np.dstack([cv2.LUT(converted[..., ch], tables[ch]) for ch in range(3)])
        bins = self._bins()
        rows, cols = check_grid(self.grid)
        row_edges = cell_edges(binned.shape[0], rows)
        col_edges = cell_edges(binned.shape[1], cols)
        out = []
        for r in range(rows):
            for c in range(cols):
                cell = np.ascontiguousarray(
                    binned[row_edges[r]:row_edges[r + 1], col_edges[c]:col_edges[c + 1]])
                if cell.size == 0:
                    out.append(np.zeros(int(np.prod(bins)) if self.joint else sum(bins)))
                    continue
                if self.joint:
                    hist = cv2.calcHist([cell], [0, 1, 2], None, list(bins),
                                        [0, bins[0], 0, bins[1], 0, bins[2]])
                else:
                    hist = np.concatenate([
                        cv2.calcHist([cell], [ch], None, [bins[ch]], [0, bins[ch]])
                        for ch in range(3)
                    ])
                out.append(hist.ravel() / (cell.shape[0] * cell.shape[1]))
        return np.concatenate(out).astype(np.float32)

    def _extract_batch(self, stack):
        m, h, w, _ = stack.shape
        # Colour conversion is per pixel: the whole stack goes through as one tall image.
        converted = _from_rgb(stack.reshape(m * h, w, 3), self.space)
        tables = _bin_tables(self.space, self._bins())
        binned = [tables[ch][converted[..., ch]].reshape(m, h, w).astype(np.intp) for ch in range(3)]
        b0, b1, b2 = self._bins()
        grid = check_grid(self.grid)
        if self.joint:
            return cell_histograms((binned[0] * b1 + binned[1]) * b2 + binned[2], b0 * b1 * b2, grid)
        n_cells = grid[0] * grid[1]
        marginals = [cell_histograms(codes, n, grid).reshape(m, n_cells, n)
                     for codes, n in zip(binned, (b0, b1, b2))]
        return np.concatenate(marginals, axis=2).reshape(m, -1)
