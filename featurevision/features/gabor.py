"""GaborBank: magnitude statistics of a Gabor filter bank applied with one FFT per image.

A bank of F frequencies × O orientations convolved in space costs F·O·pixels·kernel²;
here the reflect-padded image is transformed once, multiplied by each kernel's spectrum
(precomputed per FFT shape and cached), and the inverse transforms of all kernels run
batched (two 1-D passes, the second only over the rows kept), in complex64. The responses equal :func:`skimage.filters.gabor` (same
kernels from :func:`skimage.filters.gabor_kernel`, same ``mode="reflect"`` boundary).
"""

from __future__ import annotations

import functools
import numbers
import threading
from collections import OrderedDict

import numpy as np
import scipy.fft
from skimage.filters import gabor_kernel
from sklearn.utils import check_scalar

from .._grid import cell_areas, cell_feature_names, cell_sums
from .._validation import (
    check_angles,
    check_distinct_options,
    check_grid,
    check_positive_values,
)
from ._base import BaseImageFeatures, image_in_form

__all__ = ["GaborBank", "gabor_kernels", "gabor_responses"]

_STATS = ("mean", "std", "energy")

#: Bytes of complex64 products one batched inverse FFT may hold (bounds ``_extract_batch``).
_BATCH_BYTES = 8 * 2**20


def gabor_kernels(frequencies, orientations=6, bandwidth=1.0, sigma=None, n_stds=3):
    """The bank's complex kernels, frequency-major, as :func:`skimage.filters.gabor_kernel`.

    Parameters
    ----------
    frequencies : sequence of float
        Spatial frequencies in cycles per pixel (0.5 is the Nyquist limit).
    orientations : int or sequence of float, default=6
        ``n`` evenly spaced orientations ``k·π/n``, or the angles in radians (0: the
        harmonic runs along x, i.e. it responds to vertical stripes).
    bandwidth : float, default=1.0
        Bandwidth in octaves; sets σ = c(bandwidth) / frequency (ignored with ``sigma``).
    sigma : float, optional
        One Gaussian σ (pixels) for every kernel instead of the bandwidth rule.
    n_stds : float, default=3
        Kernel half-size in standard deviations.

    Returns
    -------
    list of ndarray of complex128
        ``len(frequencies) * n_orientations`` kernels of odd sizes; kernel
        ``i * n_orientations + j`` has frequency ``i`` and orientation ``j``.

    Examples
    --------
    >>> [k.shape for k in gabor_kernels([0.25], orientations=2)]
    [(15, 15), (15, 15)]
    """
    return [
        gabor_kernel(f, theta, bandwidth=bandwidth, sigma_x=sigma, sigma_y=sigma, n_stds=n_stds)
        for f in frequencies
        for theta in check_angles(orientations)
    ]


class _SpectraCache:
    """Thread-safe LRU of kernel spectra keyed by (bank, FFT shape), bounded in bytes.

    It lives at module level, not on the estimator, so pickling, ``clone`` and joblib's
    hashing of an extractor never see it, and clones share it across CV folds.
    """

    def __init__(self, max_bytes):
        self.max_bytes = max_bytes
        self._items = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key, build):
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        # Built outside the lock: two threads may both build it, never a wrong one.
        value = build()
        value.setflags(write=False)
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            total = sum(v.nbytes for v in self._items.values())
            while total > self.max_bytes and len(self._items) > 1:
                total -= self._items.popitem(last=False)[1].nbytes
        return value


_SPECTRA = _SpectraCache(max_bytes=512 * 2**20)


def _bank(frequencies, orientations, bandwidth, sigma, n_stds):
    """The (cached) :class:`_Bank` of these parameters."""
    key = (tuple(float(f) for f in np.ravel(frequencies)),
           tuple(float(t) for t in check_angles(orientations)),
           float(bandwidth), None if sigma is None else float(sigma), float(n_stds))
    return _bank_of_key(key)


@functools.lru_cache(maxsize=64)
def _bank_of_key(key):
    return _Bank(key)


class _Bank:
    """The kernels of one parameter set, their largest half-sizes, and their spectra."""

    def __init__(self, key):
        self.key = key
        frequencies, orientations, bandwidth, sigma, n_stds = key
        self.kernels = gabor_kernels(frequencies, orientations, bandwidth, sigma, n_stds)
        self.pad = (max(k.shape[0] for k in self.kernels) // 2,
                    max(k.shape[1] for k in self.kernels) // 2)

    def fft_shape(self, h, w):
        # A circular convolution of size >= image + 2·pad leaves the kept window unwrapped.
        return (scipy.fft.next_fast_len(h + 2 * self.pad[0]),
                scipy.fft.next_fast_len(w + 2 * self.pad[1]))

    def spectra(self, shape):
        return _SPECTRA.get(self.key + (shape,), lambda: self._build_spectra(shape))

    def _build_spectra(self, shape):
        # Each kernel centred on the origin (wrapped), so the product with the padded
        # image's spectrum is ndi.convolve's true convolution, not a correlation.
        placed = np.zeros((len(self.kernels),) + shape, dtype=np.complex128)
        for k, kernel in enumerate(self.kernels):
            ry, rx = kernel.shape[0] // 2, kernel.shape[1] // 2
            placed[k, : kernel.shape[0], : kernel.shape[1]] = kernel
            placed[k] = np.roll(placed[k], (-ry, -rx), axis=(0, 1))
        return scipy.fft.fft2(placed, overwrite_x=True).astype(np.complex64)

    def responses(self, images):
        """Complex64 responses ``(m, K, h, w)`` of an ``(m, h, w)`` float stack."""
        m, h, w = images.shape
        (py, px), shape = self.pad, self.fft_shape(h, w)
        # "symmetric" is ndi's "reflect" (edge pixel repeated); past one image width it
        # repeats the mirror periodically, as ndi documents (ndi.convolve itself departs
        # from that for kernels over twice the image: see tests/features/test_gabor.py).
        padded = np.pad(images, ((0, 0), (py, py), (px, px)), mode="symmetric")
        spectrum = scipy.fft.fft2(padded, s=shape, axes=(-2, -1))
        products = spectrum[:, None] * self.spectra(shape)[None]
        # The inverse 2-D FFT as two batched 1-D passes, the second over the kept rows only.
        columns = scipy.fft.ifft(products, axis=-2, overwrite_x=True)[:, :, py : py + h]
        return scipy.fft.ifft(columns, axis=-1, overwrite_x=True)[:, :, :, px : px + w]


def gabor_responses(image, frequencies=(0.05, 0.1, 0.2, 0.4), orientations=6, bandwidth=1.0,
                    sigma=None, n_stds=3):
    """Complex responses of a Gabor bank: one FFT of the image, one batched inverse.

    Response ``k`` equals ``real + 1j * imag`` of ``skimage.filters.gabor(image, ...)``
    with kernel ``k`` of :func:`gabor_kernels` and ``mode="reflect"``, to float32
    rounding (complex64). Take ``np.abs`` for the magnitude (the local energy).

    Parameters
    ----------
    image : ndarray of shape (h, w)
        Gray image, filtered as the float32 values it holds (no rescaling).
    frequencies, orientations, bandwidth, sigma, n_stds
        The bank, as in :func:`gabor_kernels`.

    Returns
    -------
    ndarray of shape (len(frequencies), n_orientations, h, w), complex64

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(64)
    >>> stripes = np.tile(np.cos(2 * np.pi * 0.25 * x), (64, 1))  # vertical stripes
    >>> energy = np.abs(gabor_responses(stripes, [0.1, 0.25], orientations=4)).mean(axis=(2, 3))
    >>> np.unravel_index(energy.argmax(), energy.shape)  # 0.25 cycles/px at angle 0
    (np.int64(1), np.int64(0))
    """
    image = image_in_form(image, None)
    if image.ndim != 2:
        raise ValueError(f"image must be 2-D (h, w), got shape {image.shape}")
    bank = _bank(frequencies, orientations, bandwidth, sigma, n_stds)
    out = bank.responses(image.astype(np.float32)[None])[0]
    return out.reshape(len(frequencies), -1, *image.shape)


class GaborBank(BaseImageFeatures):
    """Mean, spread and energy of Gabor response magnitudes over a frequency × orientation bank.

    Each gray image (in [0, 1]) is filtered by the complex kernels of
    :func:`skimage.filters.gabor_kernel` for every frequency and orientation; the
    magnitude ``|response|`` is pooled per grid cell into its mean and standard
    deviation (the texture descriptor of Manjunath & Ma 1996) and optionally its energy
    (mean squared magnitude). The filtering is one FFT of the reflect-padded image,
    a product with each kernel's cached spectrum and one batched inverse FFT, in
    complex64; it equals :func:`skimage.filters.gabor` with ``mode="reflect"``. The FFTs
    run on the threads ``scipy.fft.set_workers`` allows (one by default); ``n_jobs``
    spreads images over workers instead.

    Parameters
    ----------
    frequencies : sequence of float, default=(0.05, 0.1, 0.2, 0.4)
        Spatial frequencies in cycles per pixel (0.5 is the Nyquist limit).
    orientations : int or sequence of float, default=6
        ``n`` orientations ``k·π/n``, or angles in radians (0 responds to vertical stripes).
    bandwidth : float, default=1.0
        Bandwidth in octaves: σ = c(bandwidth) / frequency, as in scikit-image.
    sigma : float, optional
        One Gaussian σ in pixels for every kernel; overrides ``bandwidth``.
    n_stds : float, default=3
        Kernel half-size in standard deviations.
    stats : sequence of {"mean", "std", "energy"}, default=("mean", "std")
        Statistics of the magnitude in each cell.
    grid : int or (int, int), default=(1, 1)
        Cells to pool over; cells that hold no pixel (tiny images) give zeros.
    image_shape, n_jobs, progress, memory
        See :class:`~featurevision.features.BaseImageFeatures`.

    Attributes
    ----------
    n_features_out_ : int
        ``len(stats) * n_kernels * rows * cols``.

    References
    ----------
    D. Gabor (1946), "Theory of communication", J. IEE 93(26).
    B. S. Manjunath & W. Y. Ma (1996), "Texture features for browsing and retrieval of
    image data", IEEE TPAMI 18(8).

    Examples
    --------
    >>> from featurevision.datasets import load_textures
    >>> bank = GaborBank(frequencies=(0.1, 0.3), orientations=4)
    >>> bank.fit_transform(load_textures().images[:3]).shape
    (3, 16)
    """

    pixel_form = "gray_float"

    def __init__(self, frequencies=(0.05, 0.1, 0.2, 0.4), orientations=6, bandwidth=1.0,
                 sigma=None, n_stds=3, stats=("mean", "std"), grid=(1, 1), image_shape=None,
                 n_jobs=None, progress=False, memory=None):
        self.frequencies = frequencies
        self.orientations = orientations
        self.bandwidth = bandwidth
        self.sigma = sigma
        self.n_stds = n_stds
        self.stats = stats
        self.grid = grid
        super().__init__(image_shape=image_shape, n_jobs=n_jobs, progress=progress, memory=memory)

    def _check_params(self):
        check_positive_values(self.frequencies, "frequencies")
        check_angles(self.orientations, "orientations")
        positive = {"min_val": 0, "include_boundaries": "neither"}
        check_scalar(self.bandwidth, "bandwidth", numbers.Real, **positive)
        if self.sigma is not None:
            check_scalar(self.sigma, "sigma", numbers.Real, **positive)
        check_scalar(self.n_stds, "n_stds", numbers.Real, **positive)
        check_distinct_options("stats", self.stats, _STATS)
        check_grid(self.grid)

    def _filter_bank(self):
        return _bank(self.frequencies, self.orientations, self.bandwidth, self.sigma, self.n_stds)

    def _feature_names(self):
        degrees = np.degrees(check_angles(self.orientations))
        kernels = [f"f{f:.4g}_o{d:.4g}" for f in self.frequencies for d in degrees]
        names = [f"{stat}_{k}" for stat in self.stats for k in kernels]
        # Columns run stat, kernel, cell: the cell is the fastest-varying.
        grid = check_grid(self.grid)
        n_cells = grid[0] * grid[1]
        cells = cell_feature_names(grid, [""])
        return [f"{cells[c]}{name}" for name in names for c in range(n_cells)]

    def _pool(self, magnitude):
        """Rows ``(m, n_features)`` from magnitudes ``(m, K, h, w)``, in name order."""
        m, n_kernels, h, w = magnitude.shape
        grid = check_grid(self.grid)
        planes = np.moveaxis(magnitude, 1, -1)
        areas = np.maximum(cell_areas((h, w), grid), 1)[None, :, None]
        mean = cell_sums(planes, grid) / areas
        energy = cell_sums(np.square(planes), grid) / areas
        values = {"mean": mean, "energy": energy,
                  "std": np.sqrt(np.maximum(energy - np.square(mean), 0.0))}
        out = np.stack([values[stat] for stat in self.stats], axis=1)  # (m, stats, cells, K)
        return np.swapaxes(out, 2, 3).reshape(m, -1).astype(np.float32)

    def _images_per_call(self, h, w):
        fft_h, fft_w = self._filter_bank().fft_shape(h, w)
        return max(1, _BATCH_BYTES // (8 * len(self._filter_bank().kernels) * fft_h * fft_w))

    def _extract(self, gray):
        return self._extract_batch(gray[None])[0]

    def _extract_batch(self, stack):
        return self._pool(np.abs(self._filter_bank().responses(stack)))
