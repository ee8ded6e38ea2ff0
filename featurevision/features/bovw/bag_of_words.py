"""BagOfVisualWords: SIFT descriptors → codebook → one fixed-width encoding per image."""

from __future__ import annotations

import math
import numbers
from functools import partial

import numpy as np
from sklearn.decomposition import PCA
from sklearn.utils import check_random_state, check_scalar
from sklearn.utils.validation import check_is_fitted

from ..._parallel import apply_each, map_images
from ..._validation import check_option
from .._base import BaseImageFeatures, image_in_form
from .encodings import (
    fisher_vectors,
    gmm_posteriors,
    hard_histograms,
    learn_codebook,
    nearest_words,
    power_l2,
    pyramid_cells,
    soft_histograms,
    vlad_vectors,
)
from .sift import DESCRIPTOR_SIZE, check_patch_sizes, dense_sift, sparse_sift

__all__ = ["BagOfVisualWords"]

SAMPLINGS = ("dense", "keypoints")
ENCODINGS = ("hard", "soft", "vlad", "fisher")


def _descriptors(image, params):
    """One image's keypoints and descriptors, per the extractor's sampling parameters."""
    if params["sampling"] == "dense":
        return dense_sift(image, params["patch_sizes"], params["step"],
                          params["contrast_threshold"], params["root_sift"])
    return sparse_sift(image, params["max_keypoints"], params["root_sift"])


def _sample_chunk(chunk, params, per_image, seed):
    """Up to ``per_image`` random descriptors of each image of a chunk, seeded by its index."""
    sampled = []
    for i, (_, descriptors) in enumerate(apply_each(partial(_descriptors, params=params), chunk)):
        if len(descriptors) > per_image:
            rng = np.random.default_rng([seed, chunk.offset + i])
            descriptors = descriptors[np.sort(rng.choice(len(descriptors), per_image, replace=False))]
        sampled.append(descriptors)
    return sampled


class BagOfVisualWords(BaseImageFeatures):
    """Bag of visual words over SIFT: the PHOW / spatial-pyramid / Fisher-vector pipeline.

    ``fit`` samples descriptors from the training images (dense SIFT on a grid, or SIFT at
    detected keypoints), optionally learns a PCA, and learns a codebook: k-means centres
    (MiniBatchKMeans) or, for Fisher vectors, a diagonal Gaussian mixture. ``transform``
    encodes each image's descriptors in every cell of a spatial pyramid and concatenates
    the cells. References: Csurka et al. (2004) bags of keypoints; Bosch, Zisserman &
    Muñoz (2007) PHOW; Lazebnik, Schmid & Ponce (2006) spatial pyramids; van Gemert et al.
    (2010) soft assignment; Jégou et al. (2010) VLAD; Perronnin, Sánchez & Mensink (2010)
    improved Fisher vectors.

    Parameters
    ----------
    sampling : {"dense", "keypoints"}, default="dense"
        Dense SIFT on a grid (:func:`~featurevision.features.bovw.sift.dense_sift`), or SIFT
        at difference-of-Gaussian keypoints (``cv2.SIFT``).
    n_words : int, default=256
        Codebook size K (Gaussian components for ``"fisher"``).
    encoding : {"hard", "soft", "vlad", "fisher"}, default="hard"
        Per cell: histogram of nearest words (L1-normalised, K values); kernel-codebook
        histogram (K); VLAD residuals (K·D); Fisher vector (2·K·D).
    pyramid : int, default=1
        Spatial-pyramid levels: 1 is the whole image; 2 adds a 2 × 2 grid; 3 adds 4 × 4
        (21 cells). The width is multiplied by the number of cells.
    normalize : bool, default=True
        Signed square root, then unit L2 over the whole row (for hard histograms the
        square root makes a linear SVM a Hellinger-kernel SVM); VLAD is also
        intra-normalised per word. An image without descriptors gives a zero row.
    patch_sizes : int or sequence of int, default=(16, 24, 32)
        Dense sampling: descriptor window sides in pixels (4 × 4 bins of ``patch / 4`` px).
    step : int, default=4
        Dense sampling: grid spacing in pixels.
    contrast_threshold : float, default=0.005
        Dense sampling: patches whose mean gradient magnitude is at most this fraction of
        the image's intensity range give no descriptor, so a blank image encodes to zeros.
    max_keypoints : int, default=0
        Keypoint sampling: keep the strongest this many per image (0 keeps all).
    root_sift : bool, default=True
        RootSIFT (Arandjelović & Zisserman 2012) instead of SIFT.
    pca : int, optional
        Project descriptors on this many principal components (learned at fit); D is then
        ``pca`` instead of 128.
    max_descriptors : int, default=100_000
        Descriptors sampled for fitting, spread evenly over the training images.
    random_state : int, RandomState or None, default=0
        Seed of the descriptor sampling and the codebook.
    image_shape, n_jobs, progress, memory
        See :class:`~featurevision.features.BaseImageFeatures`.

    Attributes
    ----------
    codebook_ : ndarray of shape (n_words, D), float32
        k-means centres, or the GMM means for ``"fisher"``.
    gmm_ : GaussianMixture
        The fitted mixture (``"fisher"`` only).
    pca_ : PCA or None
    sigma_ : float
        Kernel width of ``"soft"`` (the RMS distance of a descriptor to its nearest word).
    n_descriptors_fit_ : int
        Descriptors the codebook was learned from.
    n_features_out_ : int

    Notes
    -----
    The codebook needs at least ``n_words`` descriptors (k-means and a GMM cannot place
    more centres than points): ``fit`` raises a ValueError that says how many the
    training images gave otherwise. There is no silent fallback to a smaller codebook,
    which would change the output width. Images smaller than the largest patch are
    enlarged to it first, so small images (and the rows of a 2-D table, read as 1 × d
    images) still give descriptors whenever their pixels vary; flat images, and 1 × 1
    images, give none. At transform, an image without descriptors gives a zero row.

    Examples
    --------
    >>> from featurevision.datasets import load_textures
    >>> images = load_textures().images[:6]
    >>> bovw = BagOfVisualWords(n_words=16, step=8).fit(images)
    >>> bovw.transform(images).shape
    (6, 16)
    """

    def __init__(self, sampling="dense", n_words=256, encoding="hard", pyramid=1, normalize=True,
                 patch_sizes=(16, 24, 32), step=4, contrast_threshold=0.005, max_keypoints=0,
                 root_sift=True, pca=None, max_descriptors=100_000, random_state=0,
                 image_shape=None, n_jobs=None, progress=False, memory=None):
        self.sampling = sampling
        self.n_words = n_words
        self.encoding = encoding
        self.pyramid = pyramid
        self.normalize = normalize
        self.patch_sizes = patch_sizes
        self.step = step
        self.contrast_threshold = contrast_threshold
        self.max_keypoints = max_keypoints
        self.root_sift = root_sift
        self.pca = pca
        self.max_descriptors = max_descriptors
        self.random_state = random_state
        super().__init__(image_shape=image_shape, n_jobs=n_jobs, progress=progress, memory=memory)

    def _check_params(self):
        check_option("sampling", self.sampling, SAMPLINGS)
        check_option("encoding", self.encoding, ENCODINGS)
        check_scalar(self.n_words, "n_words", numbers.Integral, min_val=1)
        check_scalar(self.pyramid, "pyramid", numbers.Integral, min_val=1, max_val=4)
        check_patch_sizes(self.patch_sizes)
        check_scalar(self.step, "step", numbers.Integral, min_val=1)
        check_scalar(self.contrast_threshold, "contrast_threshold", numbers.Real, min_val=0)
        check_scalar(self.max_keypoints, "max_keypoints", numbers.Integral, min_val=0)
        check_scalar(self.max_descriptors, "max_descriptors", numbers.Integral, min_val=1)
        if self.pca is not None:
            check_scalar(self.pca, "pca", numbers.Integral, min_val=1, max_val=DESCRIPTOR_SIZE)

    @property
    def pixel_form(self):
        return "gray_u8" if self.sampling == "keypoints" else "gray_float"

    def _sampling_params(self):
        return dict(sampling=self.sampling, patch_sizes=check_patch_sizes(self.patch_sizes),
                    step=self.step, contrast_threshold=self.contrast_threshold,
                    max_keypoints=self.max_keypoints, root_sift=self.root_sift)

    def _sample_descriptors(self, batch, seed):
        per_image = math.ceil(self.max_descriptors / len(batch))
        func = partial(_sample_chunk, params=self._sampling_params(), per_image=per_image, seed=seed)
        sampled = []
        for _, _, part in map_images(func, batch, n_jobs=self.n_jobs):
            sampled.extend(part)
        return np.concatenate(sampled)

    def _too_few(self, batch, found):
        table = getattr(self, "n_features_in_", None)
        where = (f"; a 2-D table of {table} feature(s) per row is read as images of shape "
                 f"{tuple(self.image_shape or (1, table))}" if table is not None else "")
        return ValueError(
            f"{type(self).__name__} needs at least n_words={self.n_words} descriptors to learn "
            f"its codebook, but the training images (n_samples={len(batch)}) gave {found}: flat "
            f"patches and images too small to vary give none{where}. Fit on more or larger images, "
            "or lower n_words."
        )

    def _fit(self, batch, y):
        rng = check_random_state(self.random_state)
        seed = int(rng.randint(np.iinfo(np.int32).max))
        descriptors = self._sample_descriptors(batch, seed)
        if len(descriptors) < self.n_words:
            raise self._too_few(batch, len(descriptors))
        self.n_descriptors_fit_ = len(descriptors)
        self.pca_ = None
        if self.pca is not None:
            self.pca_ = PCA(n_components=self.pca, random_state=seed).fit(descriptors)
            descriptors = self.pca_.transform(descriptors).astype(np.float32)
        method = "gmm" if self.encoding == "fisher" else "kmeans"
        model = learn_codebook(descriptors, self.n_words, method, random_state=seed)
        if method == "gmm":
            self.gmm_ = model
            self.codebook_ = model.means_.astype(np.float32)
        else:
            self.codebook_ = model.cluster_centers_.astype(np.float32)
        if self.encoding == "soft":
            nearest = self.codebook_[nearest_words(descriptors, self.codebook_)]
            self.sigma_ = float(np.sqrt(np.mean(np.sum((descriptors - nearest) ** 2, axis=1)))) or 1.0

    def _cell_names(self):
        names = []
        for level in range(self.pyramid):
            grid = 2 ** level
            names.extend(f"g{grid}r{r}c{c}" for r in range(grid) for c in range(grid))
        return names

    def _feature_names(self):
        dim = DESCRIPTOR_SIZE if self.pca is None else self.pca
        words = range(self.n_words)
        if self.encoding in ("hard", "soft"):
            per_cell = [f"w{k}" for k in words]
        elif self.encoding == "vlad":
            per_cell = [f"w{k}_d{d}" for k in words for d in range(dim)]
        else:
            per_cell = [f"{part}_w{k}_d{d}" for part in ("mu", "sigma") for k in words
                        for d in range(dim)]
        return [f"{cell}_{name}" for cell in self._cell_names() for name in per_cell]

    def _encode(self, keypoints, descriptors, shape):
        """The encoding of one image's descriptor set, before the final normalisation."""
        cells = pyramid_cells(keypoints, shape, self.pyramid)
        if self.encoding == "fisher":
            weights, means, variances = (self.gmm_.weights_.astype(np.float32), self.codebook_,
                                         self.gmm_.covariances_.astype(np.float32))
            posteriors = gmm_posteriors(descriptors, weights, means, variances)
            return fisher_vectors(descriptors, posteriors, weights, means, variances, cells)
        if self.encoding == "soft":
            return soft_histograms(descriptors, self.codebook_, self.sigma_, cells)
        words = nearest_words(descriptors, self.codebook_)
        if self.encoding == "hard":
            return hard_histograms(words, self.n_words, cells)
        return vlad_vectors(descriptors, words, self.codebook_, cells, self.normalize)

    def describe(self, image):
        """One image's keypoints and descriptors as the fitted encoder sees them.

        Parameters
        ----------
        image : ndarray of shape (h, w) or (h, w, c)

        Returns
        -------
        keypoints : ndarray of shape (n, 4), float32
            ``x, y, patch, angle`` (see :mod:`featurevision.features.bovw.sift`).
        descriptors : ndarray of shape (n, D), float32
            After the PCA, when there is one.

        Examples
        --------
        >>> from featurevision.datasets import load_textures
        >>> images = load_textures().images[:4]
        >>> bovw = BagOfVisualWords(n_words=8, step=8, pca=16).fit(images)
        >>> bovw.describe(images[0])[1].shape[1]
        16
        """
        check_is_fitted(self, "codebook_")
        return self._describe(image_in_form(image, self.pixel_form))

    def _describe(self, image):
        keypoints, descriptors = _descriptors(image, self._sampling_params())
        if self.pca_ is not None and len(descriptors):
            descriptors = self.pca_.transform(descriptors).astype(np.float32)
        return keypoints, descriptors

    def _extract(self, image):
        keypoints, descriptors = self._describe(image)
        if not len(descriptors):
            return np.zeros(self.n_features_out_, np.float32)
        row = self._encode(keypoints, descriptors, image.shape[:2]).ravel()
        if self.normalize:
            # VLAD got its signed square root per cell, before intra-normalisation.
            power_l2(row, power=self.encoding != "vlad")
        return row
