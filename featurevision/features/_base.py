"""BaseImageFeatures: the scikit-learn transformer template every extractor fills in."""

from __future__ import annotations

import copy
import numbers
import os

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted, check_memory, validate_data

from .._images import check_image, check_images, convert_image, convert_stack
from .._parallel import apply_each, map_images
from .._validation import check_image_shape, check_n_jobs

__all__ = ["BaseImageFeatures", "image_in_form"]

#: Pixels per ``_extract_batch`` call when an extractor declares no budget of its own.
DEFAULT_PIXEL_BUDGET = 1 << 22


def image_in_form(image, form, where="image"):
    """Validate one image as the transformers do and convert it to a pixel form.

    What the public per-image functions (``canny_edges``, ``hog_cells``, ...) call first,
    so a bad image gets the same ValueError or TypeError as in a transformer.

    Parameters
    ----------
    image : array-like of shape (h, w) or (h, w, c)
        One image.
    form : {"gray_u8", "gray_float", "rgb_u8", "rgb_float"} or None
        The pixel form the algorithm computes on; None validates without converting.
    where : str
        How error messages name the image.

    Examples
    --------
    >>> import numpy as np
    >>> image_in_form(np.ones((2, 2)), "gray_u8").tolist()
    [[255, 255], [255, 255]]
    >>> image_in_form(np.full((2, 2), np.nan), "gray_u8")
    Traceback (most recent call last):
    ...
    ValueError: image: contains NaN or infinite values
    """
    if isinstance(image, (list, tuple)):
        image = np.asarray(image)
    image = check_image(image, where)
    return image if form is None else convert_image(image, form)


def _is_row_or_number(item):
    if isinstance(item, np.ndarray):
        return item.ndim <= 1 and item.dtype.kind not in "OUS"
    if isinstance(item, (list, tuple)):
        return all(isinstance(value, numbers.Number) for value in item)
    return isinstance(item, numbers.Number)


def _is_table(X):
    """Whether ``X`` is a 2-D table of rows (scikit-learn's form) rather than images."""
    if sparse.issparse(X) or hasattr(X, "iloc"):
        return True
    if isinstance(X, np.ndarray):
        return X.ndim <= 2 and not (X.ndim == 1 and X.dtype.kind in "OUS")
    if isinstance(X, (list, tuple)):
        # scikit-learn's checks pass X.tolist(): a list of 1-D rows is a table, not images.
        return bool(X) and all(map(_is_row_or_number, X))
    return hasattr(X, "__array__") and np.asarray(X).ndim <= 2


class BaseImageFeatures(TransformerMixin, BaseEstimator):
    """Template for an image feature extractor: images in, a float32 matrix out.

    A subclass writes the algorithm and nothing else. It declares:

    - ``pixel_form``: the pixels its algorithm computes on, one of ``"gray_u8"``,
      ``"gray_float"`` (float32 in [0, 1]), ``"rgb_u8"``, ``"rgb_float"`` (a class
      attribute, or a property when it depends on a parameter);
    - optionally ``pixel_budget``: most pixels (images × height × width) one
      ``_extract_batch`` call receives, to bound its memory;
    - optionally ``batch_max_image_pixels``: images larger than this go one by one to
      ``_extract`` even in a stack (vectorising across images pays only when they are
      small);

    and writes:

    - ``_extract(image) -> 1-D float32`` for one image already in ``pixel_form``;
    - ``_feature_names() -> list[str]``, one short name per output column, known from
      the parameters (and what ``_fit`` learned), so the width is fixed;
    - optionally ``_check_params()`` (raise ValueError for bad parameters),
      ``_fit(batch, y)`` to learn from the images (``batch`` an
      :class:`~featurevision._images.ImageBatch`; convert with ``self._pixels(image)``),
      and ``_extract_batch(stack) -> (m, n_features) float32`` for an ``(m, h, w[, 3])``
      stack of equal-sized images in ``pixel_form``, vectorised across the stack.

    The template validates the images, converts each chunk to ``pixel_form``, splits
    it by the budget, and maps the work over ``n_jobs`` workers with
    :func:`~featurevision._parallel.map_images`; the rows come back in input order.

    Every subclass takes ``image_shape``, ``n_jobs``, ``progress`` and ``memory``
    (documented here) in its ``__init__`` besides its own parameters, and hands them to
    ``super().__init__`` (as scikit-learn's own estimator families do).

    Parameters
    ----------
    image_shape : tuple of int, optional
        How a 2-D ``(n, d)`` table is read as ``n`` flattened images; ``(1, d)`` when None.
    n_jobs : int, optional
        Workers for :func:`~featurevision._parallel.map_images`; None is serial.
    progress : bool, default=False
        Show a tqdm progress bar during ``transform``.
    memory : str or joblib.Memory, optional
        Cache of ``transform`` results keyed by the images (for paths: their names, sizes
        and modification times, so no image is read to make the key) and the fitted
        extractor.

    Notes
    -----
    ``X`` follows the image-batch contract of :mod:`featurevision._images`: an ``(n, h,
    w[, c])`` array, a sequence of arrays, or a sequence of file paths. One image is a
    batch of one: pass ``[image]``. A 2-D array is a table of flattened images (see
    ``image_shape``) and goes through scikit-learn's ``validate_data``, which records
    ``n_features_in_``.

    Examples
    --------
    >>> import numpy as np
    >>> class MeanGray(BaseImageFeatures):
    ...     pixel_form = "gray_float"
    ...     def _feature_names(self):
    ...         return ["mean"]
    ...     def _extract(self, image):
    ...         return np.float32([image.mean()])
    >>> MeanGray().fit_transform(np.full((2, 3, 3), 255, np.uint8)).ravel().tolist()
    [1.0, 1.0]
    """

    pixel_form = "gray_float"
    pixel_budget = DEFAULT_PIXEL_BUDGET
    batch_max_image_pixels = None

    def __init__(self, image_shape=None, n_jobs=None, progress=False, memory=None):
        self.image_shape = image_shape
        self.n_jobs = n_jobs
        self.progress = progress
        self.memory = memory

    def _check_params(self):
        """Validate the hyper-parameters; subclasses extend it."""

    def _fit(self, batch, y):
        """Learn from the training images; most extractors learn nothing."""

    def _feature_names(self):
        raise NotImplementedError

    def _extract(self, image):
        raise NotImplementedError

    _extract_batch = None

    def _pixels(self, image):
        """One image (as the batch holds it) in this extractor's pixel form."""
        return convert_image(image, self.pixel_form)

    def _check_common_params(self):
        check_n_jobs(self.n_jobs)
        check_image_shape(self.image_shape)

    def _as_batch(self, X, reset):
        """Validate ``X`` and return an ImageBatch (reshaping a 2-D table into images)."""
        if not _is_table(X):
            if reset:
                for attr in ("n_features_in_", "feature_names_in_"):
                    self.__dict__.pop(attr, None)
            return check_images(X)
        if not reset and self.image_shape is None and not hasattr(self, "n_features_in_"):
            shape = getattr(X, "shape", None)
            raise ValueError(
                f"images: a 2-D input{' of shape ' + str(shape) if shape else ''} is read as "
                "a table of flattened images, but this extractor was fit on images and has "
                "no image_shape to unflatten them with. One image is a batch of one: pass "
                "[image]; or pass images as an (n, h, w[, c]) array."
            )
        try:
            table = validate_data(self, X, reset=reset, dtype="numeric")
        except ValueError as exc:
            if "Reshape your data" in str(exc) or "is expecting" in str(exc):
                expected = "" if self.image_shape is None else (
                    f" (this extractor reads rows as images of image_shape="
                    f"{tuple(self.image_shape)})")
                raise ValueError(
                    f"{exc}{expected}\nA 2-D array is read as a table of flattened images; "
                    "one image is a batch of one: pass [image]."
                ) from None
            raise
        shape = (1, table.shape[1]) if self.image_shape is None else tuple(self.image_shape)
        if int(np.prod(shape)) != table.shape[1]:
            raise ValueError(
                f"images: a table with {table.shape[1]} columns cannot be read as images of "
                f"image_shape={shape} ({int(np.prod(shape))} pixels); pass images as an "
                "(n, h, w[, c]) array, or [image] for one image, or fix image_shape"
            )
        return check_images(table.reshape((len(table),) + shape))

    def fit(self, X, y=None):
        """Validate the images and parameters, learn what the extractor needs.

        Parameters
        ----------
        X : array of shape (n, h, w[, c]), sequence of arrays or paths, or (n, d) table
            Training images.
        y : array-like of shape (n,), optional
            Targets; used only by supervised extractors.

        Returns
        -------
        self
        """
        batch = self._as_batch(X, reset=True)
        self._check_common_params()
        self._check_params()
        self._fit(batch, y)
        self.n_features_out_ = len(self._feature_names())
        return self

    def transform(self, X):
        """Extract one float32 row per image, in order.

        Parameters
        ----------
        X : array of shape (n, h, w[, c]), sequence of arrays or paths, or (n, d) table
            Images.

        Returns
        -------
        ndarray of shape (n, n_features_out_), float32
        """
        check_is_fitted(self, "n_features_out_")
        batch = self._as_batch(X, reset=False)
        if self.memory is None:
            return self._transform_batch(batch)
        return self._cached_transform(batch)

    def _cached_transform(self, batch):
        fingerprint = None
        if batch.paths is not None:
            # The key is the paths and their stamps: no image is decoded to make it.
            items = [os.fspath(p) for p in batch.paths]
            stats = [os.stat(p) for p in items]
            fingerprint = [(st.st_size, st.st_mtime_ns) for st in stats]
        else:
            items = batch.stack if batch.stack is not None else list(batch)
        key = copy.copy(self)
        key.memory, key.n_jobs, key.progress = None, None, False
        cached = check_memory(self.memory).cache(_transform_items, ignore=["n_jobs", "progress"])
        return cached(key, items, fingerprint, self.n_jobs, self.progress)

    def _transform_batch(self, batch, n_jobs=None, progress=None):
        n_jobs = self.n_jobs if n_jobs is None else n_jobs
        progress = self.progress if progress is None else progress
        out = np.empty((len(batch), self.n_features_out_), dtype=np.float32)
        chunks = map_images(
            self._extract_chunk, batch, n_jobs=n_jobs, progress=progress, desc=type(self).__name__
        )
        for start, stop, rows in chunks:
            out[start:stop] = rows
        return out

    def _images_per_call(self, h, w):
        """How many ``h × w`` images one ``_extract_batch`` call takes: the pixel budget.

        An extractor whose memory per image is not proportional to its pixels (padding
        for a filter bank, say) overrides this.
        """
        return max(1, self.pixel_budget // (h * w))

    def _batched(self, stack):
        """Images per ``_extract_batch`` call for ``stack``; 0 to go one by one."""
        if stack is None or self._extract_batch is None:
            return 0
        h, w = stack.shape[1:3]
        if self.batch_max_image_pixels is not None and h * w > self.batch_max_image_pixels:
            return 0
        return self._images_per_call(h, w)

    def _extract_chunk(self, chunk):
        stack = chunk.stack
        per_call = self._batched(stack)
        if per_call:
            return np.concatenate([
                self._extract_batch(convert_stack(stack[i:i + per_call], self.pixel_form))
                for i in range(0, len(stack), per_call)
            ])
        rows = apply_each(lambda image: self._extract(self._pixels(image)), chunk)
        return np.asarray(rows, dtype=np.float32).reshape(len(chunk), self.n_features_out_)

    def get_feature_names_out(self, input_features=None):
        """Output column names, ``"<extractor>__<name>"``.

        Parameters
        ----------
        input_features : array-like of str, optional
            Checked against ``n_features_in_`` when the extractor was fit on a table;
            the output names do not depend on it.

        Returns
        -------
        ndarray of str objects
        """
        check_is_fitted(self, "n_features_out_")
        n_in = getattr(self, "n_features_in_", None)
        if input_features is not None and n_in is not None and len(input_features) != n_in:
            raise ValueError(
                f"input_features should have length equal to number of features ({n_in}), "
                f"got {len(input_features)}"
            )
        prefix = type(self).__name__.lower()
        return np.asarray([f"{prefix}__{name}" for name in self._feature_names()], dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = True
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags


def _transform_items(extractor, items, fingerprint, n_jobs, progress):
    """What ``memory`` caches: the rows of ``items`` (``fingerprint`` only keys the cache)."""
    return extractor._transform_batch(check_images(items), n_jobs=n_jobs, progress=progress)
