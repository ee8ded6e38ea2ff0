"""The training and inference loops of :class:`~featurevision.models.CNNClassifier`.

Imported only when a CNN is built: this module imports torch at the top.

Written directly rather than on skorch: fp16 autocast needs ``GradScaler``, whose
``step`` refuses the closure skorch's ``train_step`` passes to ``optimizer.step``, and
batched on-device augmentation, channels-last inputs and per-batch schedules would all
have meant overriding skorch's train and evaluation steps, leaving it little to do.
"""

from __future__ import annotations

import contextlib
import copy
import math
import os
import time

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from .data import augment

__all__ = ["Trainer", "cpu_threads", "cudnn_autotune", "predict_logits", "resolve_device", "resolve_precision"]

# The learning rate each optimiser gets when the user gives none (the peak of a one-cycle
# schedule), and its weight decay: AdamW's is decoupled (multiplied by the learning rate),
# SGD's is an L2 penalty, hence the two orders of magnitude between them.
_DEFAULT_LR = {"adamw": 3e-3, "adam": 1e-3, "sgd": 0.1}
_DEFAULT_WEIGHT_DECAY = {"adamw": 0.05, "adam": 0.0, "sgd": 5e-4}

_DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}


def resolve_device(device):
    """``"auto"`` | ``"cpu"`` | ``"cuda[:i]"`` | ``"mps"`` → a usable ``torch.device``.

    A request the installed torch cannot serve fails here, before any work, with the
    reason (a CPU-only build, no visible GPU, no Metal backend).

    Examples
    --------
    >>> resolve_device("cpu")
    device(type='cpu')
    """
    if device == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        mps = getattr(torch.backends, "mps", None)
        return torch.device("mps" if mps is not None and mps.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except RuntimeError:
        resolved = None
    if resolved is None or resolved.type not in ("cpu", "cuda", "mps"):
        raise ValueError(f"device={device!r}: expected 'auto', 'cpu', 'cuda', 'cuda:<i>' or 'mps'")
    if resolved.type == "cuda":
        if torch.version.cuda is None and getattr(torch.version, "hip", None) is None:
            raise ValueError(
                f"device={device!r}: this torch build ({torch.__version__}) has no CUDA support; "
                "install a CUDA build of torch (https://pytorch.org/get-started/locally/) or use "
                "device='auto' or 'cpu'"
            )
        if not torch.cuda.is_available():
            raise ValueError(f"device={device!r}: torch has CUDA support but sees no GPU "
                             "(check the driver and CUDA_VISIBLE_DEVICES)")
        if resolved.index is not None and resolved.index >= torch.cuda.device_count():
            raise ValueError(f"device={device!r}: only {torch.cuda.device_count()} GPU(s) visible")
    elif resolved.type == "mps":
        mps = getattr(torch.backends, "mps", None)
        if mps is None or not mps.is_available():
            raise ValueError(f"device={device!r}: the Metal (MPS) backend is not available here")
    return resolved


def resolve_precision(precision, device):
    """The autocast dtype for ``precision`` on ``device``, or None for plain float32.

    ``"auto"`` is bf16 on a GPU that supports it, fp16 on an older GPU, float32
    elsewhere; fp16 is CUDA only (it needs a gradient scaler), bf16 works on CPU too.

    Examples
    --------
    >>> resolve_precision("auto", torch.device("cpu")) is None
    True
    """
    if precision == "auto":
        if device.type != "cuda":
            return None
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if precision == "fp32":
        return None
    if precision == "fp16" and device.type != "cuda":
        raise ValueError(f"precision='fp16' needs device='cuda' (got {device.type!r}); "
                         "use 'bf16' or 'fp32'")
    if precision == "bf16" and device.type == "mps":
        raise ValueError("precision='bf16' is not supported on 'mps'; use 'fp32'")
    return _DTYPES[precision]


def one_cycle(step, total, warmup=0.25, start=0.04):
    """The learning-rate factor at ``step`` of ``total``: a linear rise from ``start`` over
    the first ``warmup`` fraction, then a cosine fall to 0 (Smith & Topin 2019's one-cycle
    shape). Unlike torch's ``OneCycleLR`` it is defined for any ``total``, even a handful of
    steps.

    Examples
    --------
    >>> [round(one_cycle(s, 8), 2) for s in range(9)]
    [0.04, 0.52, 1.0, 0.93, 0.75, 0.5, 0.25, 0.07, 0.0]
    """
    rise = max(1, round(warmup * total))
    if step < rise:
        return start + (1.0 - start) * step / rise
    return 0.5 * (1.0 + math.cos(math.pi * min(1.0, (step - rise) / max(1, total - rise))))


@contextlib.contextmanager
def cpu_threads(n_threads, num_workers=0):
    """Run torch with ``n_threads`` intra-op threads (default: the CPUs this process may
    use, less one per DataLoader worker, never more than torch's own default), then restore.

    Examples
    --------
    >>> with cpu_threads(1):
    ...     torch.get_num_threads()
    1
    """
    before = torch.get_num_threads()
    if n_threads is None:
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        n_threads = max(1, min(before, (cpus or 1) - num_workers))
    torch.set_num_threads(n_threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)


@contextlib.contextmanager
def cudnn_autotune(device):
    """On CUDA, let cuDNN time its convolution algorithms for the fixed input size; restore after."""
    before = torch.backends.cudnn.benchmark
    torch.backends.cudnn.benchmark = before or device.type == "cuda"
    try:
        yield
    finally:
        torch.backends.cudnn.benchmark = before


def _autocast(device, dtype):
    return contextlib.nullcontext() if dtype is None else torch.autocast(device.type, dtype=dtype)


def _channels_last(x, device):
    # NHWC lets cuDNN use tensor-core kernels for convolutions under autocast.
    return x.contiguous(memory_format=torch.channels_last) if device.type == "cuda" else x


def predict_logits(net, source, batch_size, device, dtype):
    """Float32 logits ``(n, n_classes)`` of ``net`` in eval mode over all of ``source``."""
    net.eval()
    out = []
    with torch.inference_mode(), _autocast(device, dtype):
        for x in source.batches(np.arange(len(source)), batch_size):
            out.append(net(_channels_last(x, device)).float())
    return torch.cat(out).cpu().numpy()


def _check_loss(loss, epoch, which):
    """Stop a diverged training: NaN weights would give NaN probabilities, silently."""
    if not math.isfinite(loss):
        raise ValueError(
            f"CNNClassifier: training diverged, the {which} loss is {loss} at epoch {epoch}; "
            "lower learning_rate, or check the images and labels"
        )


class Trainer:
    """One fit: optimiser, schedule, epochs, validation, early stopping, history.

    Parameters
    ----------
    est : CNNClassifier
        Supplies the hyperparameters (read, never modified).
    net : nn.Module
        On ``device`` already.
    device : torch.device
    dtype : torch.dtype or None
        Autocast dtype; None trains in float32.
    seed : int
        Seeds the shuffling and the augmentation draws.
    """

    def __init__(self, est, net, device, dtype, seed):
        self.est, self.net, self.device, self.dtype = est, net, device, dtype
        self.shuffle_rng = np.random.default_rng(seed)
        self.augment_rng = torch.Generator().manual_seed(seed)
        self.history, self.best_epoch = [], None

    def _optimizer(self):
        name = self.est.optimizer
        lr = self.est.learning_rate or _DEFAULT_LR[name]
        wd = _DEFAULT_WEIGHT_DECAY[name] if self.est.weight_decay is None else self.est.weight_decay
        # No weight decay on BatchNorm scales/shifts and biases (1-D tensors): decaying
        # them only fights the normalisation (Goyal et al. 2017).
        params = [p for p in self.net.parameters() if p.requires_grad]
        groups = [{"params": [p for p in params if p.ndim > 1], "weight_decay": wd},
                  {"params": [p for p in params if p.ndim <= 1], "weight_decay": 0.0}]
        if name == "sgd":
            return torch.optim.SGD(groups, lr=lr, momentum=0.9, nesterov=True)
        return (torch.optim.AdamW if name == "adamw" else torch.optim.Adam)(groups, lr=lr)

    def _n_epochs(self, steps_per_epoch):
        """``epochs``, or more where that is fewer than ``min_steps`` optimisation steps."""
        return max(self.est.epochs, -(-self.est.min_steps // steps_per_epoch))

    def _scheduler(self, optimizer, steps_per_epoch):
        total = self._n_epochs(steps_per_epoch) * steps_per_epoch
        if self.est.lr_schedule == "onecycle":
            return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: one_cycle(step, total))
        if self.est.lr_schedule == "cosine":
            return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=total)
        return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1.0)

    def _epoch(self, source, y, train_idx, optimizer, scheduler, scaler, criterion, bar):
        est, net = self.est, self.net
        net.train()
        order = self.shuffle_rng.permutation(train_idx)
        # A last batch of one would break BatchNorm's batch statistics: drop it.
        if len(order) % est.batch_size == 1 and len(order) > 1:
            order = order[:-1]
        order_t = torch.as_tensor(order, device=self.device)
        total = torch.zeros((), device=self.device)
        for start, x in zip(range(0, len(order), est.batch_size), source.batches(order, est.batch_size)):
            target = y[order_t[start:start + len(x)]]
            x = _channels_last(augment(x, est.crop_padding, est.flip, self.augment_rng), self.device)
            with _autocast(self.device, self.dtype):
                loss = criterion(net(x), target)
            optimizer.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
            scheduler.step()
            total += loss.detach().float() * len(x)
            bar.update(1)
        return total.item() / len(order)

    def _validate(self, source, y, val_idx):
        self.net.eval()
        loss = torch.zeros((), device=self.device)
        correct = torch.zeros((), device=self.device, dtype=torch.long)
        idx_t = torch.as_tensor(val_idx, device=self.device)
        with torch.inference_mode(), _autocast(self.device, self.dtype):
            for start, x in zip(range(0, len(val_idx), self.est.batch_size),
                                source.batches(val_idx, self.est.batch_size)):
                target = y[idx_t[start:start + len(x)]]
                logits = self.net(_channels_last(x, self.device)).float()
                loss += nn.functional.cross_entropy(logits, target, reduction="sum")
                correct += (logits.argmax(1) == target).sum()
        return loss.item() / len(val_idx), correct.item() / len(val_idx)

    def fit(self, source, y, train_idx, val_idx):
        """Train for up to ``epochs`` (at least ``min_steps`` steps); with ``val_idx``, stop
        early and keep the best weights."""
        est = self.est
        steps = -(-len(train_idx) // est.batch_size)
        optimizer = self._optimizer()
        scheduler = self._scheduler(optimizer, steps)
        # Loss scaling keeps fp16 gradients from underflowing; bf16 has float32's range.
        scaler = torch.amp.GradScaler("cuda" if self.device.type == "cuda" else "cpu",
                                      enabled=self.dtype == torch.float16)
        criterion = nn.CrossEntropyLoss(label_smoothing=est.label_smoothing)
        best_loss, best_state, stale = np.inf, None, 0
        epochs = tqdm(range(self._n_epochs(steps)), desc=type(est).__name__, unit="epoch",
                      disable=not est.verbose)
        for epoch in epochs:
            began = time.perf_counter()
            with tqdm(total=steps, desc=f"epoch {epoch + 1}", unit="batch", leave=False,
                      disable=est.verbose < 2) as bar:
                train_loss = self._epoch(source, y, train_idx, optimizer, scheduler, scaler,
                                         criterion, bar)
            _check_loss(train_loss, epoch + 1, "training")
            record = {"epoch": epoch + 1, "train_loss": train_loss}
            if len(val_idx):
                record["valid_loss"], record["valid_accuracy"] = self._validate(source, y, val_idx)
                _check_loss(record["valid_loss"], epoch + 1, "validation")
            record["lr"] = optimizer.param_groups[0]["lr"]
            record["seconds"] = time.perf_counter() - began
            self.history.append(record)
            epochs.set_postfix({k: round(v, 4) for k, v in record.items() if k not in ("epoch", "lr")})
            if not len(val_idx):
                continue
            if record["valid_loss"] < best_loss - 1e-4:
                best_loss, stale, self.best_epoch = record["valid_loss"], 0, epoch + 1
                best_state = copy.deepcopy(self.net.state_dict())
            else:
                stale += 1
                if est.n_iter_no_change is not None and stale >= est.n_iter_no_change:
                    break
        if best_state is not None:
            self.net.load_state_dict(best_state)
        return self
