"""Tamura: the six texture features of Tamura, Mori & Yamawaki (1978)."""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.utils import check_scalar

from .._validation import check_grid
from ._base import BaseImageFeatures, image_in_form
from ._tamura_measures import (
    coarseness,
    coarseness_levels,
    contrast,
    direction_codes,
    direction_histogram,
    direction_peaks,
    directionality,
    line_likeness,
    working_canvas,
)

__all__ = ["Tamura", "tamura_coarseness_map", "tamura_direction_histogram"]

#: Largest possible value range of each sub-window feature, which regularity divides by.
_CONTRAST_RANGE = 127.5
_LINE_LIKENESS_RANGE = 2.0
#: ``r`` of F_reg: each normalised feature lies in an interval of length 1, so its
#: standard deviation is at most 1/2 and 1 − (1/2)·Σσ stays in [0, 1].
_REGULARITY_R = 0.5


def _gray_canvas(image):
    return working_canvas(image_in_form(image, "gray_u8"))


def tamura_coarseness_map(image, kmax=5):
    """Best window size S_best = 2^k per pixel: Tamura's coarseness before averaging.

    Parameters
    ----------
    image : ndarray of shape (h, w) or (h, w, c)
        One image, read as gray levels 0–255.
    kmax : int, default=5
        Largest window 2^kmax, capped at a quarter of the shorter side.

    Returns
    -------
    ndarray of shape (h, w), float32
        S_best, NaN on the left-out border of 2^kmax (capped) pixels and where no
        window size sees any difference. Images with a side under 8 are first
        mirrored out to 8, and the map has that size.

    Examples
    --------
    >>> import numpy as np
    >>> blocks = np.kron(np.random.default_rng(0).integers(0, 256, (8, 8)), np.ones((16, 16)))
    >>> sizes = tamura_coarseness_map(blocks.astype(np.uint8))
    >>> sizes.shape, float(np.nanmax(sizes))
    ((128, 128), 32.0)
    """
    gray = _gray_canvas(image)
    levels, border = coarseness_levels(gray[None], kmax)
    sizes = np.full(gray.shape, np.nan, np.float32)
    sizes[border:border + levels.shape[1], border:border + levels.shape[2]] = \
        np.where(levels[0] >= 0, 2.0 ** levels[0], np.nan)
    return sizes


def tamura_direction_histogram(image, n_bins=16, threshold=12, peak_ratio=2.0, peak_fraction=0.2):
    """Tamura's edge-direction histogram H_D with all its peaks and their windows.

    Parameters
    ----------
    image : ndarray of shape (h, w) or (h, w, c)
        One image, read as gray levels 0–255.
    n_bins : int, default=16
        Direction bins over [0, π); bin k is centred on kπ/n_bins.
    threshold : float, default=12
        Pixels with ``|ΔG| = (|ΔH| + |ΔV|) / 2`` below it do not vote.
    peak_ratio : float, default=2.0
        A peak other than the highest is kept when at least this many times its
        valley level ...
    peak_fraction : float, default=0.2
        ... and at least this fraction of the highest peak.

    Returns
    -------
    DirectionHistogram
        ``(histogram, peaks, owner, offset)``: see
        :class:`~featurevision.features._tamura_measures.DirectionHistogram`.

    Examples
    --------
    >>> import numpy as np
    >>> stripes = np.tile(np.repeat(np.array([0, 255], np.uint8), 4), (32, 4))
    >>> tamura_direction_histogram(stripes).peaks.tolist()
    [8]
    """
    codes = direction_codes(_gray_canvas(image)[None], n_bins, threshold)
    return direction_peaks(direction_histogram(codes, n_bins)[0], peak_ratio, peak_fraction)


class Tamura(BaseImageFeatures):
    """The six texture features of Tamura, Mori & Yamawaki (1978).

    Coarseness, contrast, directionality, line-likeness, regularity and roughness,
    as defined in "Textural features corresponding to visual perception", IEEE
    Trans. Systems, Man and Cybernetics 8(6), 460–472, on gray levels 0–255.

    - **Coarseness** ``F_crs``: mean over pixels of S_best = 2^k, the window size
      whose two non-overlapping neighbours on opposite sides (left/right or
      above/below, absolute difference of their means) differ most, k = 0 … kmax.
      Ties go to the larger window; a border of 2^kmax pixels is left out (no window
      there would fit), and so are pixels where every difference is 0 (flat
      patches, and centres of symmetry such as the middle of each checkerboard
      square, which would otherwise all take 2^kmax): then checkerboards as well as
      random-block textures rise with their block size. A blank image scores 2^kmax
      (one flat window).
      kmax is capped so that 2^(kmax+2) ≤ the shorter side. Optionally the
      histogram of S_best (Castelli & Bergman 2002).
    - **Contrast** ``F_con = σ / α4^(1/4)``, α4 = μ4 / σ⁴ (kurtosis, not excess).
    - **Directionality** ``F_dir = 1 − r·n_p·Σ_p Σ_{φ∈w_p} (φ − φ_p)² H_D(φ)``
      over ``n_bins`` edge directions of pixels with ``|ΔG| ≥ threshold``, with ALL
      peaks (the highest, and others at least ``peak_ratio`` times their valley
      level and ``peak_fraction`` of the highest) each over its valley-to-valley
      window; φ in radians, φ − φ_p the shorter way round the circle of directions;
      r = 12/π², which gives 1 for a single sharp direction and about 0 for a flat
      histogram; 0 when no pixel is an edge. The paper's L1 magnitude lets diagonal
      edges pass the threshold more easily, so smooth isotropic textures whose
      gradients sit near ``threshold`` can show peaks at 45° and 135°.
    - **Line-likeness** ``F_lin = Σ P(i, j) cos((i − j)2π/n) / Σ P(i, j)``, P the
      co-occurrence of edge directions at ``distance`` pixels along the edge
      direction (both ways); 0 without pairs.
    - **Regularity** ``F_reg = 1 − r(σ_crs + σ_con + σ_dir + σ_lin)``: the four
      features recomputed on each sub-window of ``regularity_grid`` (equal tiles of
      ⌊h/rows⌋ × ⌊w/cols⌋ from the top-left; the few remainder pixels are left out;
      at most one tile per pixel), each divided by its largest range (2^kmax, 127.5,
      1, 2), population standard deviations, r = 1/2.
    - **Roughness** ``F_rgh = F_crs + F_con``.

    Images with a side under 8 pixels are mirrored out to 8 (symmetric padding keeps
    the pixel scale), so 1×1 or 1×17 images give finite rows.

    Parameters
    ----------
    kmax : int, default=5
        Largest coarseness window 2^kmax.
    n_bins : int, default=16
        Edge-direction bins over [0, π).
    threshold : float, default=12
        Edge threshold t on ``|ΔG|`` (gray levels).
    peak_ratio : float, default=2.0
        Peak threshold: a secondary peak must be this many times its valley level.
    peak_fraction : float, default=0.2
        A secondary peak must also reach this fraction of the highest peak.
    distance : int, default=4
        Line-likeness distance d along the edge direction.
    regularity_grid : int or (int, int), default=(2, 2)
        Sub-windows for regularity.
    coarseness_histogram : bool, default=False
        Append the fraction of pixels whose S_best is 1, 2, …, 2^kmax.
    direction_histogram : bool, default=False
        Append H_D, the normalised edge-direction histogram.
    image_shape, n_jobs, progress, memory
        See :class:`~featurevision.features.BaseImageFeatures`.

    Attributes
    ----------
    n_features_out_ : int
        6, plus kmax + 1 and n_bins for the optional histograms. Names:
        ``coarseness, contrast, directionality, line_likeness, regularity, roughness``,
        then ``coarseness_hist_<size>`` and ``direction_hist_<bin>``.

    Examples
    --------
    >>> from skimage import data
    >>> X = Tamura().fit_transform([data.brick(), data.grass()])
    >>> X.shape, X.dtype
    ((2, 6), dtype('float32'))
    """

    pixel_form = "gray_u8"
    # Groups of about this many pixels keep the temporaries of a pass small.
    pixel_budget = 1 << 20

    def __init__(self, kmax=5, n_bins=16, threshold=12, peak_ratio=2.0, peak_fraction=0.2,
                 distance=4, regularity_grid=(2, 2), coarseness_histogram=False,
                 direction_histogram=False,
                 image_shape=None, n_jobs=None, progress=False, memory=None):
        self.kmax = kmax
        self.n_bins = n_bins
        self.threshold = threshold
        self.peak_ratio = peak_ratio
        self.peak_fraction = peak_fraction
        self.distance = distance
        self.regularity_grid = regularity_grid
        self.coarseness_histogram = coarseness_histogram
        self.direction_histogram = direction_histogram
        super().__init__(image_shape=image_shape, n_jobs=n_jobs, progress=progress, memory=memory)

    def _check_params(self):
        check_scalar(self.kmax, "kmax", numbers.Integral, min_val=0)
        check_scalar(self.n_bins, "n_bins", numbers.Integral, min_val=4)
        check_scalar(self.threshold, "threshold", numbers.Real, min_val=0,
                     include_boundaries="neither")
        check_scalar(self.peak_ratio, "peak_ratio", numbers.Real, min_val=1)
        check_scalar(self.peak_fraction, "peak_fraction", numbers.Real, min_val=0, max_val=1)
        check_scalar(self.distance, "distance", numbers.Integral, min_val=1)
        check_grid(self.regularity_grid, "regularity_grid")

    def _feature_names(self):
        names = ["coarseness", "contrast", "directionality", "line_likeness", "regularity",
                 "roughness"]
        if self.coarseness_histogram:
            names += [f"coarseness_hist_{1 << k}" for k in range(self.kmax + 1)]
        if self.direction_histogram:
            names += [f"direction_hist_{b}" for b in range(self.n_bins)]
        return names

    def _measures(self, stack):
        """F_crs, S_best histogram, F_con, direction histogram, F_dir, F_lin of a stack."""
        crs, shares = coarseness(*coarseness_levels(stack, self.kmax), self.kmax)
        codes = direction_codes(stack, self.n_bins, self.threshold)
        histograms = direction_histogram(codes, self.n_bins)
        dir_ = np.array([directionality(direction_peaks(h, self.peak_ratio, self.peak_fraction))
                         for h in histograms])
        return (crs, shares, contrast(stack), histograms, dir_,
                line_likeness(codes, self.n_bins, self.distance))

    def _regularity(self, stack):
        m, h, w = stack.shape
        rows, cols = check_grid(self.regularity_grid, "regularity_grid")
        rows, cols = min(rows, h), min(cols, w)
        tile_h, tile_w = h // rows, w // cols
        tiles = (stack[:, :rows * tile_h, :cols * tile_w]
                 .reshape(m, rows, tile_h, cols, tile_w).transpose(0, 1, 3, 2, 4)
                 .reshape(m * rows * cols, tile_h, tile_w))
        crs, _, con, _, dir_, lin = self._measures(working_canvas(tiles))
        scales = np.array([1 << self.kmax, _CONTRAST_RANGE, 1.0, _LINE_LIKENESS_RANGE])
        values = np.stack([crs, con, dir_, lin], axis=1).reshape(m, rows * cols, 4) / scales
        return 1.0 - _REGULARITY_R * values.std(axis=1).sum(axis=1)

    def _rows(self, stack):
        crs, shares, con, histograms, dir_, lin = self._measures(stack)
        columns = [crs, con, dir_, lin, self._regularity(stack), crs + con]
        if self.coarseness_histogram:
            columns.extend(shares.T)
        if self.direction_histogram:
            columns.extend(histograms.T)
        return np.stack(columns, axis=1).astype(np.float32)

    def _extract(self, image):
        return self._extract_batch(image[None])[0]

    def _extract_batch(self, stack):
        return self._rows(working_canvas(stack))
