"""PatchCodebook: learned single-layer patch features (Coates, Lee & Ng 2011)."""

from __future__ import annotations

import numbers

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from sklearn.utils import check_random_state

from .._grid import cell_edges, cell_feature_names
from .._resize import resize_image, resize_stack
from .._validation import check_bool, check_finite_scalar, check_grid, check_option, check_scalar
from ._base import BaseImageFeatures
from .bovw.encodings import ACTIVATIONS, learn_codebook, word_activations

__all__ = ["PatchCodebook"]

#: Bytes of one (patches × words) activation block; bounds memory per GEMM call.
_BLOCK_BYTES = 1 << 25


class PatchCodebook(BaseImageFeatures):
    """Single-layer k-means features of whitened patches, sum-pooled over a grid.

    Coates, Lee & Ng (2011), "An analysis of single-layer networks in unsupervised
    feature learning", AISTATS. ``fit`` samples ``n_patches`` random ``patch_size``
    patches evenly over the training images, normalises each patch's brightness and
    contrast (subtract its mean, divide by ``sqrt(variance + contrast_epsilon)``, the
    variance on the 0–255 pixel scale), learns ZCA whitening ``W = V (Λ + ε)^-½ Vᵀ``
    of the normalised patches, and learns ``n_words`` centres with Lloyd k-means
    (:func:`~featurevision.features.bovw.encodings.learn_codebook`). ``transform``
    normalises and whitens every patch at ``step``, encodes it with
    :func:`~featurevision.features.bovw.encodings.word_activations` and sums the
    activations over the cells of ``grid`` (a patch belongs to the cell of its top-left
    corner on the response map, by the partition rule of :mod:`featurevision._grid`).

    Parameters
    ----------
    n_words : int, default=1600
        Codebook size K.
    patch_size : int, default=6
        Side of the square patches in pixels.
    step : int, default=1
        Stride between encoded patches.
    color : bool, default=True
        RGB patches (``3 * patch_size²`` values) rather than gray; gray images are
        repeated into R = G = B.
    n_patches : int, default=100_000
        Patches sampled for fitting, spread evenly over the training images (fewer when
        the images hold fewer positions; repeated up to ``n_words`` when they hold fewer
        than that, so tiny images still fit).
    whiten : bool, default=True
        Learn and apply ZCA whitening.
    whiten_epsilon : float, default=0.1
        ε added to the eigenvalues of the normalised patches' covariance.
    contrast_epsilon : float, default=10.0
        Added to each patch's variance (0–255 scale) before dividing by its square root,
        so flat patches do not blow up.
    activation : {"triangle", "soft_threshold", "hard"}, default="triangle"
        ``max(0, mean(z) − z_k)`` with ``z_k`` the distance to word k; ``max(0, c_kᵀx −
        alpha)``; or one-hot of the nearest word.
    alpha : float, default=0.5
        Threshold of ``"soft_threshold"``.
    grid : int or (int, int), default=(2, 2)
        Pooling cells (rows, columns) over the response map; sums, not means, so rows
        grow with the image area.
    power : float, default=1.0
        Each pooled sum (non-negative) is raised to this power; 0.5 takes square roots,
        which evens out the heavy tail of the sums for a linear classifier (as the power
        normalisation of Fisher vectors does).
    kmeans_iter : int, default=10
        Lloyd iterations of the codebook.
    random_state : int, RandomState or None, default=0
        Seed of the patch sampling and of k-means.
    image_shape, n_jobs, progress, memory
        See :class:`~featurevision.features.BaseImageFeatures`.

    Attributes
    ----------
    codebook_ : ndarray of shape (n_words, D), float32
        Centres in the whitened space; D is ``patch_size² × (3 if color else 1)``.
    patch_mean_ : ndarray of shape (D,), float32
        Mean normalised patch, subtracted before whitening.
    whitening_ : ndarray of shape (D, D), float32
        ZCA matrix (identity without ``whiten``).
    n_patches_fit_ : int
        Patches the codebook was learned from.
    n_features_out_ : int
        ``n_words × cells``.

    Notes
    -----
    Images smaller than ``patch_size`` are enlarged to it first, so every image gives
    at least one patch. Activations run image by image, as GEMMs over bands of at most
    32 MiB of activations, so a row does not depend on the other images of the batch.

    Examples
    --------
    >>> from featurevision.datasets import load_digits
    >>> images = load_digits().images[:20]
    >>> codebook = PatchCodebook(n_words=8, patch_size=4, color=False, n_patches=500)
    >>> codebook.fit_transform(images).shape
    (20, 32)
    """

    def __init__(self, n_words=1600, patch_size=6, step=1, color=True, n_patches=100_000,
                 whiten=True, whiten_epsilon=0.1, contrast_epsilon=10.0, activation="triangle",
                 alpha=0.5, grid=(2, 2), power=1.0, kmeans_iter=10, random_state=0,
                 image_shape=None, n_jobs=None, progress=False, memory=None):
        self.n_words = n_words
        self.patch_size = patch_size
        self.step = step
        self.color = color
        self.n_patches = n_patches
        self.whiten = whiten
        self.whiten_epsilon = whiten_epsilon
        self.contrast_epsilon = contrast_epsilon
        self.activation = activation
        self.alpha = alpha
        self.grid = grid
        self.power = power
        self.kmeans_iter = kmeans_iter
        self.random_state = random_state
        super().__init__(image_shape=image_shape, n_jobs=n_jobs, progress=progress, memory=memory)

    @property
    def pixel_form(self):
        return "rgb_float" if self.color else "gray_float"

    def _check_params(self):
        check_scalar(self.n_words, "n_words", numbers.Integral, min_val=1)
        check_scalar(self.patch_size, "patch_size", numbers.Integral, min_val=1)
        check_scalar(self.step, "step", numbers.Integral, min_val=1)
        check_bool(self.color, "color")
        check_scalar(self.n_patches, "n_patches", numbers.Integral, min_val=1)
        check_bool(self.whiten, "whiten")
        check_finite_scalar(self.whiten_epsilon, "whiten_epsilon", min_val=0,
                            include_boundaries="neither")
        check_finite_scalar(self.contrast_epsilon, "contrast_epsilon", min_val=0,
                            include_boundaries="neither")
        check_option("activation", self.activation, ACTIVATIONS)
        check_finite_scalar(self.alpha, "alpha")
        check_grid(self.grid)
        check_finite_scalar(self.power, "power", min_val=0, include_boundaries="neither")
        check_scalar(self.kmeans_iter, "kmeans_iter", numbers.Integral, min_val=1)

    def _feature_names(self):
        return cell_feature_names(check_grid(self.grid), [f"w{k}" for k in range(self.n_words)])

    def _windows(self, stack):
        """``(m, rows, cols, D...)`` strided view of every patch of a stack (no copy)."""
        p = self.patch_size
        h, w = stack.shape[1:3]
        if h < p or w < p:
            stack = resize_stack(stack, (max(h, p), max(w, p)))
        return sliding_window_view(stack, (p, p), axis=(1, 2))

    def _normalize(self, patches):
        """Per-patch brightness and contrast normalisation, in place (pixels in [0, 1])."""
        patches -= patches.mean(axis=1, keepdims=True)
        variance = np.einsum("ij,ij->i", patches, patches) / patches.shape[1]
        variance += self.contrast_epsilon / 255.0 ** 2
        patches /= np.sqrt(variance)[:, None]
        return patches

    def _sample_patches(self, batch, rng):
        per_image = -(-self.n_patches // len(batch))
        sampled = []
        for i in range(len(batch)):
            image = self._pixels(batch[i])
            p = self.patch_size
            if image.shape[0] < p or image.shape[1] < p:
                image = resize_image(image, (max(image.shape[0], p), max(image.shape[1], p)))
            windows = sliding_window_view(image, (p, p), axis=(0, 1))
            rows, cols = windows.shape[:2]
            picks = rng.choice(rows * cols, min(per_image, rows * cols), replace=False)
            sampled.append(windows[picks // cols, picks % cols].reshape(len(picks), -1))
        patches = np.concatenate(sampled).astype(np.float32, copy=False)
        if len(patches) > self.n_patches:
            patches = patches[rng.choice(len(patches), self.n_patches, replace=False)]
        elif len(patches) < self.n_words:
            patches = patches[rng.choice(len(patches), self.n_words, replace=True)]
        return np.ascontiguousarray(patches)

    def _fit(self, batch, y):
        rng = check_random_state(self.random_state)
        patches = self._normalize(self._sample_patches(batch, rng))
        self.n_patches_fit_ = len(patches)
        dim = patches.shape[1]
        self.patch_mean_ = patches.mean(axis=0)
        if self.whiten:
            centred = (patches - self.patch_mean_).astype(np.float64)
            eigenvalues, vectors = np.linalg.eigh(centred.T @ centred / len(centred))
            eigenvalues = np.maximum(eigenvalues, 0)
            scale = 1.0 / np.sqrt(eigenvalues + self.whiten_epsilon)
            self.whitening_ = ((vectors * scale) @ vectors.T).astype(np.float32)
        else:
            self.whitening_ = np.eye(dim, dtype=np.float32)
        whitened = self._whiten(patches)
        model = learn_codebook(whitened, self.n_words, "lloyd",
                               random_state=int(rng.randint(np.iinfo(np.int32).max)),
                               max_iter=self.kmeans_iter)
        self.codebook_ = model.cluster_centers_.astype(np.float32)

    def _whiten(self, patches):
        whitened = patches @ self.whitening_
        whitened -= self.patch_mean_ @ self.whitening_
        return whitened

    def _extract_batch(self, stack):
        windows = self._windows(stack)[:, ::self.step, ::self.step]
        rows, cols = windows.shape[1:3]
        n_rows, n_cols = check_grid(self.grid)
        row_edges, col_edges = cell_edges(rows, n_rows), cell_edges(cols, n_cols)
        pooled = np.zeros((len(stack), n_rows, n_cols, self.n_words), np.float32)
        band = max(1, _BLOCK_BYTES // (4 * self.n_words * cols))
        # One image per GEMM: BLAS may round a row differently in a different batch, and
        # the triangle's mean(z) − z_k amplifies that; per image, a row is the same
        # whatever images share the call.
        for image_windows, image_pooled in zip(windows, pooled):
            for top in range(0, rows, band):
                bottom = min(rows, top + band)
                # One copy out of the strided view; the input stack is never written to.
                patches = np.array(image_windows[top:bottom], dtype=np.float32)
                patches = self._normalize(patches.reshape((bottom - top) * cols, -1))
                codes = word_activations(self._whiten(patches), self.codebook_, self.activation,
                                         self.alpha).reshape(bottom - top, cols, -1)
                for r in range(n_rows):
                    first, last = max(top, row_edges[r]), min(bottom, row_edges[r + 1])
                    if first >= last:
                        continue
                    strip = codes[first - top:last - top].sum(axis=0)
                    for c in range(n_cols):
                        image_pooled[r, c] += strip[col_edges[c]:col_edges[c + 1]].sum(axis=0)
        if self.power != 1:
            np.power(pooled, np.float32(self.power), out=pooled)
        return pooled.reshape(len(stack), -1)

    def _extract(self, image):
        return self._extract_batch(image[None])[0]
