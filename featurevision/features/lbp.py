"""LBP: local binary patterns (Ojala, Pietikäinen & Mäenpää 2002), as scikit-image codes them.

Neighbour ``i`` of ``P`` sits at row offset ``-R sin(2πi/P)`` and column offset
``R cos(2πi/P)``, both rounded to 5 decimals, sampled bilinearly with zeros outside the
image; bit ``i`` is set when the sample is ``>=`` the centre pixel, in real arithmetic:
an exact tie (a flat patch, or corners whose weighted differences cancel) sets the bit.
``"default"`` is the ``P``-bit code; ``"ror"`` its smallest circular rotation (rotation
invariant); ``"uniform"`` the number of set bits when the pattern has at most two 0/1
transitions, else ``P + 1``. These are ``skimage.feature.local_binary_pattern``'s
definitions. Its codes equal ours wherever no exact tie occurs; at exact ties its float64
rounding (which varies with the pixel's row and column in the last bits) clears the bit
about half the time, so on photographs about 0.5% of codes differ (the tests hold
agreement to 99.5%, and to 100% on tie-free images).
"""

from __future__ import annotations

import math
import numbers

import numpy as np
from sklearn.utils import check_scalar

from .._grid import cell_names
from .._validation import check_finite_scalar, check_grid, check_option
from ._base import BaseImageFeatures, image_in_form
from ._lbp_span import (
    PIXELS_PER_PASS,
    FlatStack,
    bin_table,
    codes_stack,
    grid_histograms,
    span_bins,
)

__all__ = ["LBP", "lbp_codes", "lbp_n_bins", "LBP_METHODS"]

#: LBP code mappings, named as in ``skimage.feature.local_binary_pattern``.
LBP_METHODS = ("uniform", "ror", "default")

# Largest P per method: a "default"/"ror" histogram has up to 2**P bins, and a lookup
# table of 2**P entries; "uniform" has P + 2 bins and needs only bit counts.
_MAX_POINTS = {"uniform": 31, "ror": 16, "default": 16}


def _check_config(n_points, radius, method):
    """Validate one (P, R, method) triple; return ``(P, R)``."""
    check_option("method", method, LBP_METHODS)
    n_points = check_scalar(n_points, "n_points", numbers.Integral, min_val=1,
                            max_val=_MAX_POINTS[method])
    radius = check_finite_scalar(radius, "radius", min_val=0, include_boundaries="neither")
    return int(n_points), float(radius)


def lbp_n_bins(n_points, method):
    """Number of histogram bins of ``method``'s codes for ``n_points`` neighbours.

    Examples
    --------
    >>> lbp_n_bins(8, "uniform"), lbp_n_bins(8, "ror"), lbp_n_bins(8, "default")
    (10, 36, 256)
    """
    if method == "uniform":
        return n_points + 2
    if method == "default":
        return 1 << n_points
    return int(bin_table(n_points, method).max()) + 1


def lbp_codes(image, n_points=8, radius=1, method="uniform"):
    """Local binary pattern code of every pixel of one image.

    Parameters
    ----------
    image : ndarray of shape (h, w) or (h, w, c)
        Any supported image; converted to 8-bit gray first.
    n_points : int, default=8
        Neighbours on the circle, ``P``.
    radius : float, default=1
        Circle radius in pixels, ``R``.
    method : {"uniform", "ror", "default"}, default="uniform"
        As in ``skimage.feature.local_binary_pattern``.

    Returns
    -------
    ndarray of shape (h, w), unsigned ints (the smallest type that holds the codes)
        ``local_binary_pattern(gray, n_points, radius, method)`` of the 8-bit gray
        image, with exact ties counted as ``>=`` (see the module notes).

    Examples
    --------
    >>> import numpy as np
    >>> pit = np.full((5, 5), 9, np.uint8); pit[2, 2] = 0     # one dark pixel
    >>> int(lbp_codes(pit, 8, 1, "default")[2, 2]), int(lbp_codes(pit)[2, 2])
    (255, 8)
    >>> int(lbp_codes(pit, 8, 1, "default")[2, 3])   # right neighbour: bits 3-5 (135°-225°) unset
    199
    """
    n_points, radius = _check_config(n_points, radius, method)
    gray = image_in_form(image, "gray_u8")
    return codes_stack(gray[None], n_points, radius, method)[0]


class LBP(BaseImageFeatures):
    """Histograms of local binary patterns over a grid of cells, for one or several (P, R).

    Ojala, Pietikäinen & Mäenpää (2002), "Multiresolution gray-scale and rotation
    invariant texture classification with local binary patterns", IEEE TPAMI 24(7);
    the per-cell histograms follow Ahonen, Hadid & Pietikäinen (2006). Each image is
    converted to 8-bit gray; its codes equal ``skimage.feature.local_binary_pattern``'s
    (see :func:`lbp_codes`), border pixels included (their outside neighbours read 0).
    Each cell's histogram is divided by the cell's pixel count, so rows do not depend on
    the image size; a cell with no pixels (an image smaller than the grid) gives zeros.

    Parameters
    ----------
    n_points : int or list of int, default=8
        Neighbours ``P`` (at most 31 for "uniform", 16 for "ror" and "default").
    radius : float or list of float, default=1
        Radius ``R``. Lists pair up with ``n_points`` (a single value is repeated) for a
        multi-resolution descriptor, e.g. ``n_points=[8, 16], radius=[1, 2]``.
    method : {"uniform", "ror", "default"}, default="uniform"
        Code mapping, as in scikit-image: ``P + 2`` bins for "uniform", one bin per
        rotation class for "ror" (36 for ``P = 8``), ``2**P`` for "default".
    grid : int or (int, int), default=(3, 3)
        Rows and columns of cells (see :mod:`featurevision._grid`); one histogram per
        cell and per (P, R).
    image_shape, n_jobs, progress, memory
        See :class:`~featurevision.features.BaseImageFeatures`.

    Attributes
    ----------
    n_features_out_ : int
        ``cells * sum of bins over the (P, R) pairs``.

    Examples
    --------
    >>> from featurevision.datasets import load_digits
    >>> lbp = LBP(grid=2).fit(load_digits().images[:4])
    >>> lbp.transform(load_digits().images[:4]).shape        # 4 cells × 10 uniform bins
    (4, 40)
    """

    pixel_form = "gray_u8"
    pixel_budget = PIXELS_PER_PASS

    def __init__(self, n_points=8, radius=1, method="uniform", grid=(3, 3), image_shape=None,
                 n_jobs=None, progress=False, memory=None):
        self.n_points = n_points
        self.radius = radius
        self.method = method
        self.grid = grid
        super().__init__(image_shape=image_shape, n_jobs=n_jobs, progress=progress, memory=memory)

    def _configs(self):
        """The validated ``(P, R)`` pairs."""
        points = list(self.n_points) if isinstance(self.n_points, (list, tuple)) else [self.n_points]
        radii = list(self.radius) if isinstance(self.radius, (list, tuple)) else [self.radius]
        if not points or not radii:
            raise ValueError("n_points and radius must not be empty")
        if len(points) == 1:
            points = points * len(radii)
        if len(radii) == 1:
            radii = radii * len(points)
        if len(points) != len(radii):
            raise ValueError(
                f"n_points and radius pair up: got {len(points)} and {len(radii)} values"
            )
        return [_check_config(p, r, self.method) for p, r in zip(points, radii)]

    def _check_params(self):
        self._configs()
        check_grid(self.grid)

    def _feature_names(self):
        cells = cell_names(check_grid(self.grid))
        return [
            f"{cell}_p{p}r{r:g}_b{b}"
            for p, r in self._configs()
            for cell in cells
            for b in range(lbp_n_bins(p, self.method))
        ]

    def _extract(self, image):
        return self._extract_batch(image[None])[0]

    def _extract_batch(self, stack):
        grid = check_grid(self.grid)
        per_config = []
        for n_points, radius in self._configs():
            flat = FlatStack(stack, math.ceil(radius))
            bins = span_bins(flat, n_points, radius, self.method)
            per_config.append(grid_histograms(bins, flat, lbp_n_bins(n_points, self.method), grid))
        return np.concatenate(per_config, axis=1).astype(np.float32)
