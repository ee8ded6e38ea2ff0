"""TinyImage: the "tiny image" baseline (Torralba, Fergus & Freeman 2008)."""

from __future__ import annotations

import numpy as np

from .._resize import resize_image, resize_stack
from .._validation import check_size
from ._base import BaseImageFeatures

__all__ = ["TinyImage"]


class TinyImage(BaseImageFeatures):
    """Resize each image to ``size`` and flatten its pixels: the tiny-image baseline.

    Torralba, Fergus & Freeman (2008), "80 million tiny images", showed that 32×32
    thumbnails alone carry much of a scene's identity. Shrinking uses area averaging.

    Parameters
    ----------
    size : int or (int, int), default=16
        Thumbnail height and width.
    color : bool, default=False
        Keep RGB (3 values per pixel) instead of gray.
    normalize : bool, default=False
        Subtract each thumbnail's mean and divide by its L2 norm (brightness and contrast
        invariance); otherwise intensities in [0, 1].
    image_shape, n_jobs, progress, memory
        See :class:`~featurevision.features.BaseImageFeatures`.

    Attributes
    ----------
    n_features_out_ : int
        ``h * w`` (times 3 with ``color``).

    Examples
    --------
    >>> from featurevision.datasets import load_digits
    >>> X = TinyImage(size=4).fit_transform(load_digits().images[:5])
    >>> X.shape, X.dtype
    ((5, 16), dtype('float32'))
    """

    def __init__(self, size=16, color=False, normalize=False, image_shape=None,
                 n_jobs=None, progress=False, memory=None):
        self.size = size
        self.color = color
        self.normalize = normalize
        super().__init__(image_shape=image_shape, n_jobs=n_jobs, progress=progress, memory=memory)

    @property
    def pixel_form(self):
        return "rgb_float" if self.color else "gray_float"

    def _check_params(self):
        check_size(self.size)

    def _feature_names(self):
        h, w = check_size(self.size)
        channels = ("r", "g", "b") if self.color else ("",)
        return [f"px_r{r}c{c}{ch}" for r in range(h) for c in range(w) for ch in channels]

    def _finish(self, thumbs):
        rows = thumbs.reshape(len(thumbs), -1).astype(np.float32, copy=False)
        if self.normalize:
            rows = rows - rows.mean(axis=1, keepdims=True)
            norms = np.linalg.norm(rows, axis=1, keepdims=True)
            rows = rows / np.where(norms > 0, norms, 1.0)
        return rows

    def _extract(self, image):
        return self._finish(resize_image(image, check_size(self.size))[None])[0]

    def _extract_batch(self, stack):
        return self._finish(resize_stack(stack, check_size(self.size)))
