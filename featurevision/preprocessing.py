"""Image → image transformers (Resize, ToGray, Normalize, Denoise) and ``augment``.

They take any form of the image-batch contract and return images: an ``(n, h, w[, c])``
array when every output image has the same shape and dtype, else a list of arrays. They
learn nothing (``fit`` only validates), so they sit anywhere in a Pipeline before a
feature extractor.
"""

from __future__ import annotations

import numbers

import cv2
import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from ._images import as_float, as_gray_float, as_gray_u8, as_rgb, check_images
from ._parallel import apply_each, map_images
from ._resize import resize_image
from ._validation import check_finite_scalar, check_option, check_scalar, check_size

__all__ = ["Denoise", "Normalize", "Resize", "ToGray", "augment"]


def _collect(images):
    """Stack equal images into one array, else keep the list."""
    first = images[0]
    if all(im.shape == first.shape and im.dtype == first.dtype for im in images):
        return np.stack(images)
    return images


class _ImageToImage(TransformerMixin, BaseEstimator):
    """Template: ``_apply(image) -> image`` mapped over the batch in order."""

    def fit(self, X, y=None):
        """Validate the images and parameters; nothing is learned.

        Returns
        -------
        self
        """
        check_images(X)
        self._check_params()
        return self

    def _check_params(self):
        """Validate the parameters; subclasses extend it."""

    def transform(self, X):
        """Apply the transformation to every image, in order.

        Parameters
        ----------
        X : array of shape (n, h, w[, c]), or sequence of arrays or paths

        Returns
        -------
        ndarray of shape (n, h', w'[, c']) or list of ndarrays
        """
        self._check_params()
        batch = check_images(X)
        out = []
        for _, _, chunk in map_images(self._apply_chunk, batch, n_jobs=self.n_jobs):
            out.extend(chunk)
        return _collect(out)

    def _apply_chunk(self, chunk):
        return apply_each(self._apply, chunk)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = True
        return tags


class Resize(_ImageToImage):
    """Resize every image to one size (area averaging when shrinking, bilinear otherwise).

    Parameters
    ----------
    size : int or (int, int)
        Output height and width.
    keep_aspect : bool, default=False
        Scale to fit inside ``size`` keeping the aspect ratio, then pad with edge pixels
        to exactly ``size`` (no distortion).
    n_jobs : int, optional
        Workers; None is serial.

    Examples
    --------
    >>> import numpy as np
    >>> Resize(8).fit_transform([np.zeros((20, 10)), np.zeros((5, 5))]).shape
    (2, 8, 8)
    """

    def __init__(self, size=64, keep_aspect=False, n_jobs=None):
        self.size = size
        self.keep_aspect = keep_aspect
        self.n_jobs = n_jobs

    def _check_params(self):
        check_size(self.size)

    def _apply(self, image):
        size = check_size(self.size)
        if not self.keep_aspect:
            return resize_image(image, size)
        scale = min(size[0] / image.shape[0], size[1] / image.shape[1])
        inner = (max(1, round(image.shape[0] * scale)), max(1, round(image.shape[1] * scale)))
        resized = resize_image(image, inner)
        top, left = (size[0] - inner[0]) // 2, (size[1] - inner[1]) // 2
        return cv2.copyMakeBorder(resized, top, size[0] - inner[0] - top, left,
                                  size[1] - inner[1] - left, cv2.BORDER_REPLICATE)


class ToGray(_ImageToImage):
    """Convert every image to gray (ITU-R 601 luma), as uint8 or float32 in [0, 1].

    Parameters
    ----------
    dtype : {"uint8", "float32"}, default="uint8"
    n_jobs : int, optional

    Examples
    --------
    >>> import numpy as np
    >>> ToGray().fit_transform(np.zeros((2, 4, 4, 3), np.uint8)).shape
    (2, 4, 4)
    """

    def __init__(self, dtype="uint8", n_jobs=None):
        self.dtype = dtype
        self.n_jobs = n_jobs

    def _check_params(self):
        check_option("dtype", self.dtype, ("uint8", "float32"))

    def _apply(self, image):
        return as_gray_u8(image) if self.dtype == "uint8" else as_gray_float(image)


class Normalize(_ImageToImage):
    """Normalise each image's intensities on its own.

    Parameters
    ----------
    method : {"unit", "standardize", "equalize"}, default="unit"
        ``unit``: float32 in [0, 1] by the contract's rules; ``standardize``: float32
        with zero mean and unit standard deviation per channel (a flat image gives
        zeros); ``equalize``: contrast-limited adaptive histogram equalisation (CLAHE)
        of the gray image, or of the L channel of Lab for colour, uint8.
    clip_limit : float, default=2.0
        CLAHE's contrast limit (``equalize`` only).
    n_jobs : int, optional

    Examples
    --------
    >>> import numpy as np
    >>> out = Normalize("standardize").fit_transform(np.arange(16.).reshape(1, 4, 4))
    >>> round(float(out.mean()), 6), round(float(out.std()), 3)
    (0.0, 1.0)
    """

    def __init__(self, method="unit", clip_limit=2.0, n_jobs=None):
        self.method = method
        self.clip_limit = clip_limit
        self.n_jobs = n_jobs

    def _check_params(self):
        check_option("method", self.method, ("unit", "standardize", "equalize"))

    def _apply(self, image):
        if self.method == "unit":
            return as_float(image)
        if self.method == "standardize":
            pixels = as_float(image)
            mean = pixels.mean(axis=(0, 1), keepdims=True)
            std = pixels.std(axis=(0, 1), keepdims=True)
            return ((pixels - mean) / np.where(std > 0, std, 1.0)).astype(np.float32)
        clahe = cv2.createCLAHE(clipLimit=float(self.clip_limit), tileGridSize=(8, 8))
        if image.ndim == 2 or image.shape[2] == 1:
            return clahe.apply(as_gray_u8(image))
        lab = cv2.cvtColor(as_rgb(image), cv2.COLOR_RGB2LAB)
        lab[..., 0] = clahe.apply(np.ascontiguousarray(lab[..., 0]))
        return cv2.cvtColor(lab, cv2.COLOR_LAB2RGB)


class Denoise(_ImageToImage):
    """Remove noise with an OpenCV filter; output is uint8 (gray or RGB as the input).

    Parameters
    ----------
    method : {"gaussian", "median", "bilateral", "nlmeans"}, default="gaussian"
        Gaussian blur, median blur, edge-preserving bilateral filter, or non-local
        means (Buades, Coll & Morel 2005; ``cv2.fastNlMeansDenoising``).
    strength : float, default=1.0
        Gaussian sigma; median aperture is ``2·round(strength)+1``; bilateral colour
        sigma is ``25·strength``; non-local means ``h`` is ``10·strength``.
    n_jobs : int, optional

    Examples
    --------
    >>> import numpy as np
    >>> noisy = np.random.default_rng(0).integers(0, 255, (1, 16, 16)).astype(np.uint8)
    >>> Denoise("median").fit_transform(noisy).std() < noisy.std()
    np.True_
    """

    def __init__(self, method="gaussian", strength=1.0, n_jobs=None):
        self.method = method
        self.strength = strength
        self.n_jobs = n_jobs

    def _check_params(self):
        check_option("method", self.method, ("gaussian", "median", "bilateral", "nlmeans"))
        check_finite_scalar(self.strength, "strength", min_val=0, include_boundaries="neither")

    def _apply(self, image):
        gray = image.ndim == 2 or image.shape[2] == 1
        pixels = as_gray_u8(image) if gray else as_rgb(image)
        s = float(self.strength)
        if self.method == "gaussian":
            return cv2.GaussianBlur(pixels, (0, 0), s)
        if self.method == "median":
            return cv2.medianBlur(pixels, 2 * max(1, round(s)) + 1)
        if self.method == "bilateral":
            return cv2.bilateralFilter(pixels, -1, 25.0 * s, max(1.0, 2.0 * s))
        if gray:
            return cv2.fastNlMeansDenoising(pixels, None, 10.0 * s)
        return cv2.fastNlMeansDenoisingColored(pixels, None, 10.0 * s, 10.0 * s)


def _augment_one(image, rng, flip, rotation, crop, brightness, contrast):
    pixels = as_float(image)
    h, w = pixels.shape[:2]
    if flip and rng.random() < 0.5:
        pixels = pixels[:, ::-1]
    angle = rng.uniform(-rotation, rotation) if rotation else 0.0
    zoom = 1.0 / (1.0 - rng.uniform(0.0, crop)) if crop else 1.0
    if angle or zoom != 1.0:
        # One affine warp does rotation and the zoom of a random crop together.
        shift = (rng.uniform(-1, 1, 2) * (zoom - 1.0) * np.array([w, h]) / 2) if crop else (0, 0)
        matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, zoom)
        matrix[:, 2] += shift
        pixels = cv2.warpAffine(np.ascontiguousarray(pixels), matrix, (w, h),
                                flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101)
        if image.ndim == 3 and pixels.ndim == 2:
            pixels = pixels[:, :, None]
    if brightness or contrast:
        gain = 1.0 + rng.uniform(-contrast, contrast)
        offset = rng.uniform(-brightness, brightness)
        pixels = (pixels - pixels.mean()) * gain + pixels.mean() + offset
    return np.clip(pixels, 0.0, 1.0).astype(np.float32)


def augment(images, y, n_copies=1, flip=True, rotation=10.0, crop=0.1, brightness=0.1,
            contrast=0.1, include_original=True, random_state=None):
    """Make randomly perturbed copies of images for training (data augmentation).

    Each copy gets a horizontal flip (with probability 1/2), a rotation, a random crop
    scaled back to the image size, and brightness/contrast jitter. Outputs are float32
    in [0, 1], the same size as their source. Deterministic for a given ``random_state``.

    Parameters
    ----------
    images : images in any form of the contract
    y : array-like of shape (n,)
    n_copies : int, default=1
        Perturbed copies per image.
    flip : bool, default=True
    rotation : float, default=10.0
        Largest rotation, degrees.
    crop : float, default=0.1
        Largest fraction of each side cropped away.
    brightness, contrast : float, default=0.1
        Largest additive brightness shift and relative contrast change.
    include_original : bool, default=True
        Put the unperturbed images (as float32) first.
    random_state : int or numpy Generator, optional

    Returns
    -------
    images_out : ndarray or list
        ``n * (n_copies + include_original)`` images, originals first, then copy
        rounds in input order.
    y_out : ndarray

    Examples
    --------
    >>> import numpy as np
    >>> X, y = augment(np.zeros((3, 8, 8), np.uint8), [0, 1, 2], n_copies=2, random_state=0)
    >>> X.shape, y.tolist()
    ((9, 8, 8), [0, 1, 2, 0, 1, 2, 0, 1, 2])
    """
    batch = check_images(images)
    y = np.asarray(y)
    if len(y) != len(batch):
        raise ValueError(f"{len(batch)} images but {len(y)} labels")
    check_scalar(n_copies, "n_copies", numbers.Integral, min_val=0)
    for name, value, high in (("rotation", rotation, 180.0), ("crop", crop, 0.9),
                              ("brightness", brightness, 1.0), ("contrast", contrast, 1.0)):
        check_finite_scalar(value, name, min_val=0.0, max_val=high)
    rng = np.random.default_rng(random_state)
    out = [as_float(batch[i]) for i in range(len(batch))] if include_original else []
    for _ in range(n_copies):
        for i in range(len(batch)):
            out.append(_augment_one(batch[i], rng, flip, rotation, crop, brightness, contrast))
    repeats = n_copies + int(include_original)
    return _collect(out) if out else np.empty((0,)), np.tile(y, repeats)
