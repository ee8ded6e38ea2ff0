"""CNNClassifier: a small PyTorch CNN behind the scikit-learn classifier API.

torch is an optional extra (``pip install "featurevision[cnn]"``). Importing this module
does not import torch; building or fitting a :class:`CNNClassifier` does.
"""

from __future__ import annotations

import copy
import importlib.util
import logging
import math
import numbers
import os

import numpy as np
from scipy.special import softmax
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state, check_scalar
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted, column_or_1d

from ..._images import check_images
from ..._validation import check_option, check_size

__all__ = ["CNNClassifier"]

INSTALL_HINT = 'pip install "featurevision[cnn]"'

_FORMAT = "featurevision.CNNClassifier/1"


def _torch_missing():
    return ImportError(f"CNNClassifier needs PyTorch, which is not installed; install it with: {INSTALL_HINT}")


def _import_torch():
    try:
        import torch
    except ImportError as exc:
        raise _torch_missing() from exc
    return torch


class CNNClassifier(ClassifierMixin, BaseEstimator):
    """A small convolutional network trained with PyTorch, as a scikit-learn classifier.

    Takes the same image batches as every featurevision transformer: an ``(n, h, w[, c])``
    array, a list of arrays of any sizes (resized to ``input_size``), or a list of file
    paths (read one batch at a time through a torch ``DataLoader``, so memory stays
    flat). Images are gray or colour (alpha is dropped), never a mix. Pixels are scaled
    to [0, 1] as in :func:`featurevision._images.as_float`; the net's first layer learns
    the per-channel mean and spread, so no other preprocessing is needed.

    Training: mini-batch AdamW (or SGD/Adam) with a one-cycle (Smith & Topin 2019) or
    cosine learning-rate schedule, label smoothing (Szegedy et al. 2016), random crops
    from zero-padded images and horizontal flips drawn on the fly per batch on the
    device, optional early stopping on a held-out stratified fraction with the best
    weights restored. On CUDA, mixed precision (bf16 autocast, or fp16 with loss scaling)
    and channels-last memory layout are used.

    Parameters
    ----------
    architecture : {"vgg", "resnet"}, default="vgg"
        A VGG-style stack of conv–BN–ReLU (Simonyan & Zisserman 2015) or a small ResNet
        of basic residual blocks (He et al. 2016).
    width : int, default=24
        Channels of the first stage; each following stage doubles them.
    depth : int, default=2
        Convolutions (vgg) or residual blocks (resnet) per stage.
    n_stages : int, default=3
        Stages; each after the first halves the resolution.
    input_size : int or (int, int), optional
        The net's input ``(h, w)``. None takes the first training image's size. Images
        of another size are resized (area averaging when shrinking, bilinear otherwise).
    epochs : int, default=15
        Passes over the training images (fewer when early stopping ends training; more
        when that many passes make fewer than ``min_steps`` optimisation steps).
    min_steps : int, default=200
        The fewest optimisation steps (batches) training takes: on a small dataset, with
        one or two batches per epoch, ``epochs`` passes are too few steps to learn
        anything. 0 makes ``epochs`` exact.
    batch_size : int, default=128
    optimizer : {"adamw", "sgd", "adam"}, default="adamw"
        SGD uses Nesterov momentum 0.9.
    learning_rate : float, optional
        Peak learning rate; None gives 3e-3 (adamw), 1e-3 (adam), 0.1 (sgd).
    lr_schedule : {"onecycle", "cosine", "constant"}, default="onecycle"
        Stepped once per batch.
    weight_decay : float, optional
        None gives 0.05 (adamw, decoupled), 0 (adam), 5e-4 (sgd). Never applied to
        biases or BatchNorm parameters.
    label_smoothing : float, default=0.1
    crop_padding : int, default=2
        Random shifts of up to this many pixels (pad with zeros, crop back); 0 disables.
    flip : bool, default=True
        Random horizontal flips. Turn off for images whose mirror is another class
        (digits, text).
    validation_fraction : float, optional
        Fraction of the training images held out (stratified) to monitor the
        validation loss each epoch; the weights of the best epoch are restored. None
        trains on all images for all epochs.
    n_iter_no_change : int or None, default=5
        With a validation set, stop after this many epochs without improvement of the
        validation loss; None never stops early (but still restores the best epoch).
    device : {"auto", "cpu", "cuda", "cuda:<i>", "mps"}, default="auto"
        "auto" picks CUDA, then MPS, then CPU. An unavailable device fails at fit with
        the reason.
    precision : {"auto", "fp32", "bf16", "fp16"}, default="auto"
        Autocast dtype. "auto": bf16 on CUDA (fp16 on GPUs without bf16), float32
        elsewhere. fp16 is CUDA only.
    num_workers : int, default=0
        DataLoader processes reading image files (for path input).
    n_threads : int, optional
        torch CPU threads while fitting and predicting; None uses the CPUs available
        to this process less one per reading worker, capped at torch's default.
    random_state : int, RandomState or None, default=None
        Seeds weight initialisation, shuffling, augmentation and the validation split.
        With an int, CPU results are reproducible.
    verbose : int, default=0
        1 shows a progress bar over epochs with the losses; 2 adds one per epoch over
        its batches.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    net_ : torch.nn.Module
        The trained net, in eval mode, on ``device_``.
    device_ : torch.device
    input_size_ : (int, int)
    n_channels_ : int
        1 (gray) or 3 (colour).
    history_ : list of dict
        Per epoch: ``epoch``, ``train_loss``, ``valid_loss`` and ``valid_accuracy``
        (with a validation set), ``lr`` (at the epoch's end), ``seconds``.
    n_iter_ : int
        Epochs run.
    best_epoch_ : int or None
        The epoch whose weights were kept (validation only).

    Examples
    --------
    >>> from featurevision.datasets import load_digits
    >>> digits = load_digits()
    >>> cnn = CNNClassifier(width=8, depth=1, n_stages=2, epochs=2, min_steps=0, flip=False,
    ...                     random_state=0)
    >>> cnn.fit(digits.images[:400], digits.target[:400]).predict(digits.images[:3]).shape
    (3,)
    """

    def __init__(self, architecture="vgg", width=24, depth=2, n_stages=3, input_size=None,
                 epochs=15, min_steps=200, batch_size=128, optimizer="adamw", learning_rate=None,
                 lr_schedule="onecycle", weight_decay=None, label_smoothing=0.1, crop_padding=2,
                 flip=True, validation_fraction=None, n_iter_no_change=5, device="auto",
                 precision="auto", num_workers=0, n_threads=None, random_state=None, verbose=0):
        # Only a look-up, not an import: building the estimator stays cheap, but it
        # fails at once, with the install command, where torch is missing.
        if importlib.util.find_spec("torch") is None:
            raise _torch_missing()
        self.architecture = architecture
        self.width = width
        self.depth = depth
        self.n_stages = n_stages
        self.input_size = input_size
        self.epochs = epochs
        self.min_steps = min_steps
        self.batch_size = batch_size
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.lr_schedule = lr_schedule
        self.weight_decay = weight_decay
        self.label_smoothing = label_smoothing
        self.crop_padding = crop_padding
        self.flip = flip
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.device = device
        self.precision = precision
        self.num_workers = num_workers
        self.n_threads = n_threads
        self.random_state = random_state
        self.verbose = verbose

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = True
        tags.non_deterministic = self.device != "cpu"
        return tags

    def _check_params(self):
        from .nets import ARCHITECTURES

        check_option("architecture", self.architecture, tuple(ARCHITECTURES))
        check_option("optimizer", self.optimizer, ("adamw", "sgd", "adam"))
        check_option("lr_schedule", self.lr_schedule, ("onecycle", "cosine", "constant"))
        check_option("precision", self.precision, ("auto", "fp32", "bf16", "fp16"))
        for name in ("width", "depth", "n_stages", "epochs", "batch_size"):
            check_scalar(getattr(self, name), name, numbers.Integral, min_val=1)
        for name in ("min_steps", "crop_padding", "num_workers", "verbose"):
            check_scalar(getattr(self, name), name, numbers.Integral, min_val=0)
        if self.learning_rate is not None:
            check_scalar(self.learning_rate, "learning_rate", numbers.Real, min_val=0,
                         include_boundaries="neither")
        if self.weight_decay is not None:
            check_scalar(self.weight_decay, "weight_decay", numbers.Real, min_val=0)
        for name in ("learning_rate", "weight_decay"):
            # check_scalar lets inf through, which trains to NaN weights.
            value = getattr(self, name)
            if value is not None and not math.isfinite(value):
                raise ValueError(f"{name} must be a finite number, got {value!r}")
        check_scalar(self.label_smoothing, "label_smoothing", numbers.Real, min_val=0, max_val=1,
                     include_boundaries="left")
        if self.validation_fraction is not None:
            check_scalar(self.validation_fraction, "validation_fraction", numbers.Real, min_val=0,
                         max_val=1, include_boundaries="neither")
        if self.n_iter_no_change is not None:
            check_scalar(self.n_iter_no_change, "n_iter_no_change", numbers.Integral, min_val=1)
        if self.n_threads is not None:
            check_scalar(self.n_threads, "n_threads", numbers.Integral, min_val=1)
        if self.input_size is not None:
            check_size(self.input_size, "input_size")
        if not isinstance(self.device, str):
            raise ValueError(f"device must be a string such as 'auto', 'cpu' or 'cuda', got {self.device!r}")

    def _encode_labels(self, y, n_images):
        y = column_or_1d(np.asarray(y), warn=True)
        if len(y) != n_images:
            raise ValueError(f"y has {len(y)} labels for {n_images} images")
        kind = type_of_target(y, input_name="y")
        if kind not in ("binary", "multiclass"):
            raise ValueError(f"CNNClassifier needs class labels (binary or multiclass); y is {kind!r}")
        classes, encoded = np.unique(y, return_inverse=True)
        if len(classes) < 2:
            raise ValueError(f"CNNClassifier needs at least 2 classes in y; got only {classes[0]!r}")
        return classes, encoded

    def _split(self, encoded, seed):
        indices = np.arange(len(encoded))
        if not self.validation_fraction:
            return indices, indices[:0]
        try:
            return train_test_split(indices, test_size=self.validation_fraction, stratify=encoded,
                                    random_state=seed)
        except ValueError as exc:
            raise ValueError(f"validation_fraction={self.validation_fraction}: cannot hold out a "
                             f"stratified validation set ({exc})") from None

    def fit(self, X, y):
        """Train the net on images ``X`` with class labels ``y``.

        Parameters
        ----------
        X : ndarray of shape (n, h, w) or (n, h, w, c), or sequence of arrays or paths
        y : array-like of shape (n,)
            Class labels (any sortable values), at least two classes.

        Returns
        -------
        self
        """
        torch = _import_torch()
        from .data import channels_of, make_source
        from .nets import build_net
        from .training import (
            Trainer,
            cpu_threads,
            cudnn_autotune,
            resolve_device,
            resolve_precision,
        )

        self._check_params()
        device = resolve_device(self.device)
        dtype = resolve_precision(self.precision, device)
        batch = check_images(X)
        classes, encoded = self._encode_labels(y, len(batch))
        # The first image fixes gray or colour; make_source rejects any image that differs.
        first = batch[0]
        channels = channels_of(first)
        size = check_size(self.input_size, "input_size") if self.input_size is not None else first.shape[:2]
        seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        train_idx, val_idx = self._split(encoded, seed)

        with cpu_threads(self.n_threads, self.num_workers), cudnn_autotune(device):
            source = make_source(batch, size, channels, device, self.num_workers)
            # Seeded without touching the global RNG the user may rely on.
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(seed)
                net = build_net(self.architecture, channels, len(classes), self.width, self.depth,
                                self.n_stages)
            net = net.to(device)
            if device.type == "cuda":
                net = net.to(memory_format=torch.channels_last)
            target = torch.as_tensor(encoded, dtype=torch.long, device=device)
            trainer = Trainer(self, net, device, dtype, seed).fit(source, target, train_idx, val_idx)

        self.net_ = net.eval()
        self.device_, self._autocast_dtype = device, dtype
        self.classes_, self.input_size_, self.n_channels_ = classes, tuple(int(v) for v in size), channels
        self.history_, self.n_iter_ = trainer.history, len(trainer.history)
        self.best_epoch_ = trainer.best_epoch
        return self

    def _logits(self, X):
        check_is_fitted(self, "net_")
        from .data import make_source
        from .training import cpu_threads, predict_logits

        batch = check_images(X)
        with cpu_threads(self.n_threads, self.num_workers):
            source = make_source(batch, self.input_size_, self.n_channels_, self.device_, self.num_workers)
            return predict_logits(self.net_, source, self.batch_size, self.device_, self._autocast_dtype)

    def predict_proba(self, X):
        """Class probabilities (softmax of the net's outputs), columns in ``classes_`` order.

        Parameters
        ----------
        X : ndarray or sequence of arrays or paths
            Images with the training images' channel count; any size.

        Returns
        -------
        ndarray of shape (n, n_classes), float64
        """
        return softmax(self._logits(X).astype(np.float64), axis=1)

    def predict(self, X):
        """Predicted class labels.

        Returns
        -------
        ndarray of shape (n,)
        """
        check_is_fitted(self, "net_")
        return self.classes_[self._logits(X).argmax(axis=1)]

    def preprocess(self, X):
        """The ``(n, c, h, w)`` float32 array the net reads: the input of :meth:`to_onnx`'s model.

        Examples
        --------
        >>> from featurevision.datasets import load_digits
        >>> d = load_digits()
        >>> cnn = CNNClassifier(width=4, depth=1, n_stages=1, epochs=1, min_steps=0, random_state=0)
        >>> cnn.fit(d.images[:100], d.target[:100]).preprocess(d.images[:2]).shape
        (2, 1, 8, 8)
        """
        check_is_fitted(self, "net_")
        torch = _import_torch()
        from .data import make_source

        source = make_source(check_images(X), self.input_size_, self.n_channels_,
                             torch.device("cpu"), self.num_workers)
        return torch.cat(list(source.batches(np.arange(len(source)), self.batch_size))).numpy()

    def to_onnx(self, path, opset_version=18, quantize=False, calibration=None):
        """Export the net, with a final softmax, to an ONNX file; optionally int8-quantised.

        The model's input ``images`` is :meth:`preprocess`'s ``(n, c, h, w)`` float32
        array (any ``n``); its output ``probabilities`` is ``(n, n_classes)`` in
        ``classes_`` order. The file's metadata holds the classes, input size and
        channels, so :class:`~featurevision.models.cnn.onnx_predictor.OnnxClassifier` runs
        it on images without torch. Needs the ``export`` extra (onnx, onnxscript, and
        onnxruntime to quantise).

        Parameters
        ----------
        path : str or os.PathLike
        opset_version : int, default=18
        quantize : bool, default=False
            Write a static int8 model (:mod:`.onnx_export`): int8 weights per channel,
            uint8 activations whose ranges are measured on ``calibration``.
        calibration : images, optional
            Needed with ``quantize=True``: a few hundred images like the ones the model
            will see, any form :meth:`predict` takes: a random sample of the training
            images. On Fashion-MNIST (``benchmarks/bench_quantize.py --calibration``),
            64, 256 and 2,048 images all kept the float model's test accuracy to
            within 0.1 point.

        Returns
        -------
        path : str
        """
        check_is_fitted(self, "net_")
        torch = _import_torch()
        from .onnx_export import quantize_int8, write_metadata

        if quantize and calibration is None:
            raise ValueError("to_onnx(quantize=True) needs calibration images, e.g. "
                             "calibration=X_train[:256] (a random sample of the training images)")
        path = os.fspath(path)
        model = torch.nn.Sequential(copy.deepcopy(self.net_).float().cpu(), torch.nn.Softmax(dim=1))
        model = model.to(memory_format=torch.contiguous_format).eval()
        example = torch.zeros((2, self.n_channels_) + self.input_size_)
        batch_dim = torch.export.Dim("batch", min=1)
        # The exporter logs a warning per torchvision operator it cannot register when
        # torchvision is absent; none of them occurs in these nets.
        onnx_log = logging.getLogger("torch.onnx")
        level = onnx_log.level
        onnx_log.setLevel(logging.ERROR)
        try:
            program = torch.onnx.export(model, (example,), dynamo=True, input_names=["images"],
                                        output_names=["probabilities"], opset_version=opset_version,
                                        dynamic_shapes=({0: batch_dim},), verbose=False)
        finally:
            onnx_log.setLevel(level)
        if quantize:
            float_path = f"{path}.{os.getpid()}.float.onnx"
            program.save(float_path, external_data=False)
            try:
                quantize_int8(float_path, path, self.preprocess(calibration))
            finally:
                os.remove(float_path)
        else:
            program.save(path, external_data=False)
        write_metadata(path, self.classes_, self.input_size_, self.n_channels_, bool(quantize))
        return path

    def save(self, path):
        """Save the fitted net's weights with its parameters and preprocessing settings.

        One ``torch.save`` file of tensors and plain values, which :meth:`load` reads
        with ``weights_only=True`` (no pickled code runs on load).

        Parameters
        ----------
        path : str or os.PathLike

        Examples
        --------
        >>> import os, tempfile
        >>> from featurevision.datasets import load_digits
        >>> d = load_digits()
        >>> cnn = CNNClassifier(width=4, depth=1, n_stages=1, epochs=1, min_steps=0, random_state=0)
        >>> path = os.path.join(tempfile.mkdtemp(), "cnn.pt")
        >>> cnn.fit(d.images[:100], d.target[:100]).save(path)
        >>> CNNClassifier.load(path).classes_.tolist() == cnn.classes_.tolist()
        True
        """
        check_is_fitted(self, "net_")
        torch = _import_torch()
        params = self.get_params()
        if not isinstance(params["random_state"], (numbers.Integral, type(None))):
            params["random_state"] = None
        torch.save({
            "format": _FORMAT,
            "params": params,
            "classes": self.classes_.tolist(),
            "classes_dtype": self.classes_.dtype.str,
            "input_size": list(self.input_size_),
            "n_channels": self.n_channels_,
            "history": self.history_,
            "best_epoch": self.best_epoch_,
            "state_dict": {k: v.detach().cpu() for k, v in self.net_.state_dict().items()},
        }, os.fspath(path))

    @classmethod
    def load(cls, path, device=None):
        """Load a classifier written by :meth:`save`, ready to predict.

        Parameters
        ----------
        path : str or os.PathLike
        device : str, optional
            Where to put the net; None uses the saved ``device`` parameter.

        Returns
        -------
        CNNClassifier
        """
        torch = _import_torch()
        from .nets import build_net
        from .training import resolve_device, resolve_precision

        saved = torch.load(os.fspath(path), map_location="cpu", weights_only=True)
        if not isinstance(saved, dict) or saved.get("format") != _FORMAT:
            raise ValueError(f"{os.fspath(path)!r} is not a file written by CNNClassifier.save")
        est = cls(**saved["params"])
        if device is not None:
            est.device = device
        est._check_params()
        est.device_ = resolve_device(est.device)
        est._autocast_dtype = resolve_precision(est.precision, est.device_)
        est.classes_ = np.asarray(saved["classes"], dtype=np.dtype(saved["classes_dtype"]))
        est.input_size_ = tuple(saved["input_size"])
        est.n_channels_ = saved["n_channels"]
        est.history_, est.n_iter_ = saved["history"], len(saved["history"])
        est.best_epoch_ = saved["best_epoch"]
        net = build_net(est.architecture, est.n_channels_, len(est.classes_), est.width, est.depth,
                        est.n_stages)
        net.load_state_dict(saved["state_dict"])
        net = net.to(est.device_)
        if est.device_.type == "cuda":
            net = net.to(memory_format=torch.channels_last)
        est.net_ = net.eval()
        return est

