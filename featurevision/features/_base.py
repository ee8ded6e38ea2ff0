"""BaseImageFeatures: the scikit-learn transformer template every extractor fills in."""

from __future__ import annotations

import copy
import numbers
import os

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted, check_memory, validate_data

from .._images import check_images
from .._parallel import map_images
from .._resize import as_size

__all__ = ["BaseImageFeatures", "check_option", "check_grid"]


def check_option(name, value, options):
    """Raise a ValueError unless ``value`` is one of ``options``.

    Examples
    --------
    >>> check_option("method", "log", ("log", "dog"))
    'log'
    """
    if value not in options:
        raise ValueError(f"{name} must be one of {list(options)}, got {value!r}")
    return value


def check_grid(grid, name="grid"):
    """Return ``grid`` as a ``(rows, cols)`` pair of positive ints (an int means square).

    Examples
    --------
    >>> check_grid(3)
    (3, 3)
    """
    return as_size(grid, name)


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

    A subclass writes the algorithm and nothing else:

    - ``_extract(image) -> 1-D float32`` for one image in the form the batch holds
      it (convert with ``as_gray_u8``, ``as_gray_float`` or ``as_rgb``);
    - ``_feature_names() -> list[str]``, one short name per output column, known from
      the parameters (and what ``_fit`` learned), so the width is fixed;
    - optionally ``_check_params()`` (raise ValueError for bad parameters),
      ``_fit(batch, y)`` to learn from the images, and ``_extract_batch(stack)`` for an
      ``(m, h, w[, c])`` stack of equal-sized images, vectorised across the stack.

    Every subclass takes ``image_shape``, ``n_jobs``, ``progress`` and ``memory``
    (documented here) in its ``__init__`` besides its own parameters.

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
        and modification times) and the fitted extractor.

    Notes
    -----
    ``X`` follows the image-batch contract of :mod:`featurevision._images`: an ``(n, h,
    w[, c])`` array, a sequence of arrays, or a sequence of file paths. One image is a
    batch of one: pass ``[image]``. A 2-D array is a table of flattened images (see
    ``image_shape``) and goes through scikit-learn's ``validate_data``, which records
    ``n_features_in_``.
    """

    def _check_params(self):
        """Validate the hyper-parameters; subclasses extend it."""

    def _fit(self, batch, y):
        """Learn from the training images; most extractors learn nothing."""

    def _feature_names(self):
        raise NotImplementedError

    def _extract(self, image):
        raise NotImplementedError

    _extract_batch = None

    def _check_common_params(self):
        if self.n_jobs is not None and not isinstance(self.n_jobs, numbers.Integral):
            raise ValueError(f"n_jobs must be an int or None, got {self.n_jobs!r}")
        if self.image_shape is not None:
            shape = tuple(self.image_shape)
            if len(shape) not in (2, 3) or not all(
                isinstance(v, numbers.Integral) and v >= 1 for v in shape
            ):
                raise ValueError(
                    f"image_shape must be (h, w) or (h, w, c) positive ints, got {self.image_shape!r}"
                )

    def _as_batch(self, X, reset):
        """Validate ``X`` and return an ImageBatch (reshaping a 2-D table into images)."""
        if not _is_table(X):
            if reset:
                for attr in ("n_features_in_", "feature_names_in_"):
                    self.__dict__.pop(attr, None)
            return check_images(X)
        try:
            table = validate_data(self, X, reset=reset, dtype="numeric")
        except ValueError as exc:
            if "Reshape your data" in str(exc):
                raise ValueError(
                    f"{exc}\nA 2-D array is read as a table of flattened images; one image "
                    "is a batch of one: pass [image]."
                ) from None
            raise
        shape = (1, table.shape[1]) if self.image_shape is None else tuple(self.image_shape)
        if int(np.prod(shape)) != table.shape[1]:
            raise ValueError(
                f"images: a table with {table.shape[1]} columns cannot be read as images of "
                f"image_shape={shape} ({int(np.prod(shape))} pixels); pass images as an "
                "(n, h, w[, c]) array or fix image_shape"
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
        items = batch.stack if batch.stack is not None else list(batch)
        fingerprint = None
        if batch.paths is not None:
            items = [os.fspath(p) for p in batch.paths]
            fingerprint = [(os.stat(p).st_size, os.stat(p).st_mtime_ns) for p in items]
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

    def _extract_chunk(self, chunk):
        if chunk.stack is not None and self._extract_batch is not None:
            return self._extract_batch(chunk.stack)
        rows = np.empty((len(chunk), self.n_features_out_), dtype=np.float32)
        for i in range(len(chunk)):
            image = chunk[i]
            try:
                rows[i] = self._extract(image)
            except (ValueError, TypeError) as exc:
                raise type(exc)(f"{chunk.name(i)}: {exc}") from exc
        return rows

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
