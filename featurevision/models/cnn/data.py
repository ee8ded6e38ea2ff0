"""Images into tensors for :class:`~featurevision.models.CNNClassifier`, and augmentation.

Imported only when a CNN is built: this module imports torch at the top.

Every image becomes a ``(c, h, w)`` float32 array in [0, 1] of the net's input size
(:mod:`.preprocess`, shared with the onnxruntime predictor). Arrays and lists of arrays
are converted once into one tensor (they already sit in memory); file paths are read
one at a time by a torch ``DataLoader``, so memory stays flat however many files there are.
"""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, Subset

from .preprocess import channels_of, check_channels, image_to_chw, images_to_nchw

__all__ = ["ImageSource", "augment", "channels_of", "check_channels", "image_to_chw", "make_source"]

#: A preprocessed in-memory set up to this size moves to the accelerator once;
#: a larger one stays in host memory and travels batch by batch.
_DEVICE_RESIDENT_BYTES = 2 << 30


class ImageSource:
    """Preprocessed images held as one tensor; batches are taken by index.

    Parameters
    ----------
    images : Tensor of shape (n, c, h, w)
    device : torch.device
        Where batches are delivered; the whole tensor moves there once when it fits
        under 2 GiB.

    Examples
    --------
    >>> import torch
    >>> source = ImageSource(torch.zeros(5, 1, 4, 4), torch.device("cpu"))
    >>> [tuple(x.shape) for x in source.batches(np.arange(5), 2)]
    [(2, 1, 4, 4), (2, 1, 4, 4), (1, 1, 4, 4)]
    """

    def __init__(self, images, device):
        if device.type != "cpu" and images.numel() * 4 <= _DEVICE_RESIDENT_BYTES:
            images = images.to(device)
        elif device.type == "cuda":
            images = images.pin_memory()
        self.images, self.device = images, device

    def __len__(self):
        return len(self.images)

    def batches(self, indices, batch_size):
        """Yield ``(b, c, h, w)`` float32 batches on the device, in the order of ``indices``."""
        order = torch.as_tensor(indices, device=self.images.device)
        for start in range(0, len(order), batch_size):
            yield self.images[order[start:start + batch_size]].to(self.device, non_blocking=True)


class _FileImages(Dataset):
    """Reads and converts one file per item (inside DataLoader workers when there are any)."""

    def __init__(self, batch, size, channels):
        self.batch, self.size, self.channels = batch, size, channels

    def __len__(self):
        return len(self.batch)

    def __getitem__(self, i):
        image = self.batch[i]
        return torch.from_numpy(image_to_chw(image, self.size, self.channels, self.batch.name(i)))


class _StreamedSource:
    """Image files read batch by batch through a DataLoader, in the order of ``indices``."""

    def __init__(self, batch, size, channels, device, num_workers):
        self.dataset = _FileImages(batch, size, channels)
        self.device, self.num_workers = device, num_workers

    def __len__(self):
        return len(self.dataset)

    def batches(self, indices, batch_size):
        loader = DataLoader(Subset(self.dataset, np.asarray(indices).tolist()), batch_size=batch_size,
                            shuffle=False, num_workers=self.num_workers,
                            pin_memory=self.device.type == "cuda")
        for x in loader:
            yield x.to(self.device, non_blocking=True)


def make_source(batch, size, channels, device, num_workers=0):
    """An :class:`ImageSource` (arrays) or a streamed source (file paths) for a checked batch.

    Parameters
    ----------
    batch : ImageBatch
        From :func:`featurevision.check_images`.
    size : (int, int)
        The net's input ``(h, w)``; images of another size are resized.
    channels : {1, 3}
        The net's input channels; an image with the other count is an error.
    device : torch.device
    num_workers : int
        DataLoader worker processes reading files (paths only).

    Examples
    --------
    >>> import torch
    >>> from featurevision import check_images
    >>> batch = check_images([np.zeros((6, 6)), np.zeros((9, 9))])
    >>> make_source(batch, (8, 8), 1, torch.device("cpu")).images.shape
    torch.Size([2, 1, 8, 8])
    """
    if batch.paths is not None:
        return _StreamedSource(batch, tuple(size), channels, device, num_workers)
    return ImageSource(torch.from_numpy(images_to_nchw(batch, size, channels)), device)


def augment(x, padding, flip, generator):
    """Random crop after zero padding, and random horizontal flip, for a whole batch at once.

    Each image is shifted by its own offset in [-padding, padding] on both axes (the
    "pad and random crop" of Krizhevsky et al. 2012 / He et al. 2016) and mirrored with
    probability 1/2. The random numbers come from a CPU ``generator``, so the draws
    are the same on every device.

    Parameters
    ----------
    x : Tensor of shape (n, c, h, w)
    padding : int
    flip : bool
    generator : torch.Generator (CPU)

    Returns
    -------
    Tensor of shape (n, c, h, w), on ``x``'s device

    Examples
    --------
    >>> x = torch.arange(16.0).reshape(1, 1, 4, 4)
    >>> augment(x, 0, False, torch.Generator().manual_seed(0)).equal(x)
    True
    """
    n, c, h, w = x.shape
    if padding:
        shifts = torch.randint(0, 2 * padding + 1, (2, n, 1), generator=generator).to(x.device)
        rows = shifts[0] + torch.arange(h, device=x.device)
        cols = shifts[1] + torch.arange(w, device=x.device)
        padded = torch.nn.functional.pad(x, (padding, padding, padding, padding))
        batch_index = torch.arange(n, device=x.device)[:, None, None, None]
        channel_index = torch.arange(c, device=x.device)[None, :, None, None]
        x = padded[batch_index, channel_index, rows[:, None, :, None], cols[:, None, None, :]]
    if flip:
        mirrored = (torch.rand(n, generator=generator) < 0.5).to(x.device)
        x = torch.where(mirrored[:, None, None, None], x.flip(3), x)
    return x
