"""Run a CNN exported with :meth:`CNNClassifier.to_onnx` on images, with onnxruntime and no torch."""

from __future__ import annotations

import os

import numpy as np

from ..._images import check_images
from .onnx_export import read_metadata
from .preprocess import images_to_nchw

__all__ = ["OnnxClassifier"]

INSTALL_HINT = 'pip install "featurevision[export]"'


class OnnxClassifier:
    """A fitted CNN read from an ONNX file: ``predict``, ``predict_proba``, ``classes_``.

    Images go through the same preprocessing as :class:`CNNClassifier` (scaled to
    [0, 1], resized to the net's input size, gray or colour as trained), then through
    the ONNX graph on onnxruntime's CPU provider. Float32 and int8 files are read alike.

    Parameters
    ----------
    path : str or os.PathLike
        A file written by :meth:`CNNClassifier.to_onnx` (its metadata names the classes).
    n_threads : int, optional
        onnxruntime's intra-op threads; None lets onnxruntime choose (all cores).
    batch_size : int, default=256
        Images per onnxruntime call (bounds the memory of a large batch).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    input_size_ : (int, int)
    n_channels_ : {1, 3}
    quantized_ : bool
        Whether the file is the int8 model.

    Examples
    --------
    >>> import os, tempfile
    >>> from featurevision.datasets import load_digits
    >>> from featurevision.models import CNNClassifier
    >>> d = load_digits()
    >>> cnn = CNNClassifier(width=4, depth=1, n_stages=1, epochs=1, random_state=0)
    >>> path = cnn.fit(d.images[:100], d.target[:100]).to_onnx(
    ...     os.path.join(tempfile.mkdtemp(), "cnn.onnx"))
    >>> onnx_cnn = OnnxClassifier(path)
    >>> (onnx_cnn.predict(d.images[100:110]) == cnn.predict(d.images[100:110])).all()
    np.True_
    """

    def __init__(self, path, n_threads=None, batch_size=256):
        try:
            import onnxruntime
        except ImportError as exc:
            raise ImportError(f"OnnxClassifier needs onnxruntime; install it with: {INSTALL_HINT}") from exc
        self.path = os.fspath(path)
        self.n_threads = n_threads
        self.batch_size = batch_size
        options = onnxruntime.SessionOptions()
        if n_threads is not None:
            options.intra_op_num_threads = n_threads
        # A single session is safe to call from many threads at once (onnxruntime's
        # Run is thread-safe), which is what a server's thread pool does.
        try:
            self.session_ = onnxruntime.InferenceSession(self.path, options,
                                                         providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own Fail/InvalidGraph types
            raise ValueError(f"{self.path!r} is not a loadable ONNX model: {exc}") from None
        meta = read_metadata(self.session_.get_modelmeta().custom_metadata_map, repr(self.path))
        self.classes_ = meta["classes"]
        self.input_size_ = meta["input_size"]
        self.n_channels_ = meta["n_channels"]
        self.quantized_ = meta["quantized"]

    def preprocess(self, X):
        """The ``(n, c, h, w)`` float32 array the ONNX model reads (as :meth:`CNNClassifier.preprocess`)."""
        return images_to_nchw(check_images(X), self.input_size_, self.n_channels_)

    def predict_proba(self, X):
        """Class probabilities, ``(n, n_classes)`` float64 in ``classes_`` order, as
        :meth:`CNNClassifier.predict_proba <featurevision.models.cnn.CNNClassifier.predict_proba>`
        gives them for the same images ``X``."""
        images = self.preprocess(X)
        out = np.empty((len(images), len(self.classes_)), np.float64)
        for start in range(0, len(images), self.batch_size):
            chunk = images[start:start + self.batch_size]
            out[start:start + len(chunk)] = self.session_.run(["probabilities"], {"images": chunk})[0]
        return out

    def predict(self, X):
        """Predicted class labels.

        Returns
        -------
        ndarray of shape (n,)
        """
        return self.classes_[self.predict_proba(X).argmax(axis=1)]
