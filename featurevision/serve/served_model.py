"""The model a server holds: loaded once from a file, answering for uploaded images.

Three kinds of file, each loaded by its own safe loader:

- ``.skops`` written by :func:`featurevision.save`: a fitted pipeline (extractors then a
  classifier), or an extractor alone; read by :func:`featurevision.load`, which refuses
  any type outside its allow-list before building anything;
- a file written by :meth:`CNNClassifier.save`: tensors and plain values read with
  ``torch.load(weights_only=True)``, which runs no pickled code;
- ``.onnx`` written by :meth:`CNNClassifier.to_onnx` (float32 or int8): run by
  :class:`~featurevision.models.cnn.onnx_predictor.OnnxClassifier`, no torch needed.
"""

from __future__ import annotations

import os
import re
import zipfile

import numpy as np

from .. import __version__
from .._images import MAX_PIXELS

__all__ = ["ServedModel", "load_served_model"]

_IMAGE_INDEX = re.compile(r"^image (\d+)\b( \([^)]*\))?")


def _file_kind(path):
    if not os.path.isfile(path):
        raise ValueError(f"{path!r}: file not found")
    if path.lower().endswith(".onnx"):
        return "onnx"
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
        if "schema.json" in names:
            return "skops"
        if any(name.endswith("data.pkl") for name in names):
            return "cnn"
    raise ValueError(
        f"{path!r} is not a model file featurevision serves: expected a .skops file written by "
        "featurevision.save, a CNNClassifier.save file, or an .onnx file from CNNClassifier.to_onnx"
    )


def load_served_model(path, onnx_threads=1):
    """Load a model file for serving, through the loader its kind allows (module docstring).

    Parameters
    ----------
    path : str or os.PathLike
    onnx_threads : int, default=1
        onnxruntime threads per call for an ONNX model; a server runs many calls at once.

    Returns
    -------
    ServedModel

    Raises
    ------
    ValueError
        For a missing file, a file of another kind, or a skops file holding types that
        :func:`featurevision.load` does not trust (the message lists them).

    Examples
    --------
    >>> import os, tempfile
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.linear_model import LogisticRegression
    >>> import featurevision
    >>> from featurevision.features import TinyImage
    >>> from featurevision.datasets import load_digits
    >>> d = load_digits()
    >>> pipe = make_pipeline(TinyImage(size=4), LogisticRegression()).fit(d.images[:200], d.target[:200])
    >>> path = os.path.join(tempfile.mkdtemp(), "tiny.skops")
    >>> featurevision.save(pipe, path)
    >>> load_served_model(path).kind
    'pipeline'
    """
    path = os.fspath(path)
    kind = _file_kind(path)
    if kind == "skops":
        from ..persistence import load

        model = load(path)
        kind = "pipeline" if hasattr(model, "steps") else "estimator"
    elif kind == "cnn":
        from ..models import CNNClassifier

        model = CNNClassifier.load(path, device="cpu")
    else:
        from ..models.cnn.onnx_predictor import OnnxClassifier

        model = OnnxClassifier(path, n_threads=onnx_threads)
    return ServedModel(model, kind, os.path.basename(path))


def _json_value(value):
    if isinstance(value, (str, bool, int, float)) or value is None:
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)) and all(isinstance(v, (str, bool, int, float)) for v in value):
        return list(value)
    return repr(value)


def _describe_step(name, estimator):
    params = estimator.get_params(deep=False) if hasattr(estimator, "get_params") else {}
    return {"name": name, "class": f"{type(estimator).__module__}.{type(estimator).__qualname__}",
            "params": {key: _json_value(value) for key, value in params.items()}}


class ServedModel:
    """A loaded model and what a server asks of it: labels, probabilities, feature rows.

    Parameters
    ----------
    model : estimator
        A fitted pipeline or estimator, a :class:`CNNClassifier`, or an
        :class:`~featurevision.models.cnn.onnx_predictor.OnnxClassifier`.
    kind : {"pipeline", "estimator", "cnn", "onnx"}
    name : str
        The model file's name, shown by ``GET /model``.

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.linear_model import LogisticRegression
    >>> from featurevision.features import TinyImage
    >>> from featurevision.datasets import load_digits
    >>> d = load_digits()
    >>> pipe = make_pipeline(TinyImage(size=4), LogisticRegression()).fit(d.images[:200], d.target[:200])
    >>> served = ServedModel(pipe, "pipeline", "tiny.skops")
    >>> served.predict([d.images[300]], ["a.png"])[0]["label"] == pipe.predict(d.images[300:301])[0].item()
    True
    """

    def __init__(self, model, kind, name):
        self.model, self.kind, self.name = model, kind, name
        if kind == "pipeline" and len(model.steps) > 1 and hasattr(model.steps[-1][1], "predict"):
            self._head, self._classifier = model[:-1], model.steps[-1][1]
        elif kind in ("pipeline", "estimator") and not hasattr(model, "predict"):
            self._head, self._classifier = model, None
        else:
            self._head, self._classifier = None, model
        self.classes = getattr(self._classifier, "classes_", None)

    @property
    def can_predict(self):
        """Whether the model ends in a classifier (``POST /predict``)."""
        return self._classifier is not None

    @property
    def can_extract(self):
        """Whether the model has feature-extraction steps (``POST /features``)."""
        return self._head is not None

    def _fit_channels(self, images):
        # A CNN trained on gray images gets a colour upload in gray, and vice versa,
        # so a photo can be tried on a Fashion-MNIST model from the page.
        channels = getattr(self.model, "n_channels_", None)
        if channels is None:
            return images
        from .._images import as_gray_u8, as_rgb

        convert = as_gray_u8 if channels == 1 else as_rgb
        return [convert(image) for image in images]

    def _run(self, func, images, filenames):
        """``func(images)``, with an error's "image i" replaced by the i-th filename."""
        try:
            return func(images)
        except (ValueError, TypeError) as exc:
            text = str(exc)
            found = _IMAGE_INDEX.match(text)
            if found and int(found.group(1)) < len(filenames):
                text = filenames[int(found.group(1))] + text[found.end():]
            raise ValueError(text) from None

    def predict(self, images, filenames):
        """One ``{"filename", "label", "probabilities"}`` dict per image (probabilities or None).

        The label is the model's own ``predict``; probabilities are ``predict_proba``
        keyed by class (as strings, JSON keys), where the classifier has it.
        """
        if not self.can_predict:
            raise TypeError(f"{self.name} has no classifier: it extracts features only (POST /features)")
        images = self._fit_channels(images)
        inputs = images if self._head is None else self._run(self._head.transform, images, filenames)
        labels = self._run(self._classifier.predict, inputs, filenames)
        proba = None
        if hasattr(self._classifier, "predict_proba"):
            proba = self._run(self._classifier.predict_proba, inputs, filenames)
        keys = [str(c) for c in np.asarray(self.classes).tolist()]
        rows = [None] * len(labels) if proba is None else [dict(zip(keys, map(float, p))) for p in proba]
        return [{"filename": filename, "label": _json_value(label), "probabilities": row}
                for filename, label, row in zip(filenames, labels, rows)]

    def features(self, images, filenames):
        """``(feature_names or None, rows)``: the output of every step before the classifier."""
        if not self.can_extract:
            raise TypeError(f"{self.name} is a {self.kind} model without feature-extraction steps")
        rows = np.asarray(self._run(self._head.transform, images, filenames), dtype=np.float64)
        try:
            names = [str(n) for n in self._head.get_feature_names_out()]
        except (AttributeError, ValueError, TypeError):
            names = None  # some steps do not name their outputs
        return names, rows

    def describe(self):
        """What ``GET /model`` answers: kind, classes, steps and parameters, expected input."""
        if self.kind == "pipeline":
            steps = [_describe_step(name, est) for name, est in self.model.steps]
        elif self.kind == "onnx":
            steps = [{"name": "onnx", "class": "featurevision.models.cnn.onnx_predictor.OnnxClassifier",
                      "params": {"quantized_int8": self.model.quantized_}}]
        else:
            steps = [_describe_step(type(self.model).__name__, self.model)]
        expected = {"formats": ["PNG", "JPEG", "BMP", "TIFF", "WebP", "PNM"], "max_pixels": MAX_PIXELS,
                    "form_field": "files"}
        if hasattr(self.model, "input_size_"):
            expected.update(input_size=list(self.model.input_size_),
                            channels=self.model.n_channels_,
                            note="any size is resized to input_size; colour and gray are converted "
                                 "to the channels the net was trained on")
        else:
            expected["note"] = "any size, gray or colour, as the pipeline's extractors take them"
        return {
            "name": self.name,
            "kind": self.kind,
            "classes": None if self.classes is None else np.asarray(self.classes).tolist(),
            "steps": steps,
            "can_predict": self.can_predict,
            "can_extract": self.can_extract,
            "featurevision_version": __version__,
            "expected_input": expected,
        }

