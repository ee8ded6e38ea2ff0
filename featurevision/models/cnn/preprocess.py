"""Images into the CNN's input array, with NumPy and OpenCV only (no torch).

Shared by the torch data pipeline (:mod:`.data`) and the onnxruntime predictor
(:mod:`.onnx_predictor`), so an exported net sees exactly the pixels it was trained on.

Every image becomes a ``(c, h, w)`` float32 array in [0, 1] of the net's input size, with
``c`` = 1 (gray) or 3 (colour; an alpha channel is dropped).
"""

from __future__ import annotations

import numpy as np

from ..._images import as_float, stack_as_float
from ..._resize import resize_image, resize_stack

__all__ = ["channels_of", "check_channels", "image_to_chw", "images_to_nchw", "stack_to_nchw"]

#: Images converted per step when a stack is turned into one array: bounds the
#: temporary copies (uint8 → float32 → resized) to a chunk.
_CHUNK = 2048


def channels_of(image):
    """The net's channel count for one image: 1 for gray, 3 for colour (alpha dropped).

    Examples
    --------
    >>> import numpy as np
    >>> channels_of(np.zeros((4, 4))), channels_of(np.zeros((4, 4, 1))), channels_of(np.zeros((4, 4, 4)))
    (1, 1, 3)
    """
    return 1 if image.ndim == 2 or image.shape[2] == 1 else 3


def check_channels(image, channels, where):
    """Raise ValueError unless ``image`` has the ``channels`` the net was built for.

    Examples
    --------
    >>> import numpy as np
    >>> check_channels(np.zeros((4, 4, 3)), 1, "image 0")
    Traceback (most recent call last):
    ...
    ValueError: image 0: a colour image where the net expects gray images (1 channel); a batch must not mix gray and colour: convert first (featurevision._images.as_rgb or as_gray_float)
    """
    found = channels_of(image)
    if found != channels:
        kinds = {1: "gray", 3: "colour"}
        raise ValueError(
            f"{where}: a {kinds[found]} image where the net expects {kinds[channels]} images "
            f"({channels} channel{'s' if channels > 1 else ''}); a batch must not mix gray and "
            "colour: convert first (featurevision._images.as_rgb or as_gray_float)"
        )


def image_to_chw(image, size, channels, where="image"):
    """One image → ``(channels, h, w)`` float32 in [0, 1] at ``size``.

    Examples
    --------
    >>> import numpy as np
    >>> image_to_chw(np.full((10, 6, 3), 255, np.uint8), (4, 4), 3).shape
    (3, 4, 4)
    """
    check_channels(image, channels, where)
    image = as_float(image[..., :3] if image.ndim == 3 else image[..., None])
    image = resize_image(image, size)
    return np.ascontiguousarray(np.moveaxis(image.reshape(size + (-1,)), 2, 0), np.float32)


def stack_to_nchw(stack, size):
    """An ``(n, h, w[, c])`` stack → ``(n, c, size[0], size[1])`` float32, chunk by chunk.

    Examples
    --------
    >>> import numpy as np
    >>> stack_to_nchw(np.zeros((5, 28, 28), np.uint8), (14, 14)).shape
    (5, 1, 14, 14)
    """
    channels = channels_of(stack[0])
    out = np.empty((len(stack), channels) + tuple(size), np.float32)
    for start in range(0, len(stack), _CHUNK):
        chunk = stack[start:start + _CHUNK]
        chunk = chunk[..., :3] if chunk.ndim == 4 else chunk
        chunk = resize_stack(stack_as_float(chunk), size).reshape((len(chunk),) + tuple(size) + (-1,))
        out[start:start + len(chunk)] = np.moveaxis(chunk, 3, 1)
    return out


def images_to_nchw(batch, size, channels):
    """A checked in-memory batch (:class:`~featurevision._images.ImageBatch`) → ``(n, c, h, w)``.

    A stack is converted in chunks; a list (or paths, read one at a time) image by image,
    each error naming its image.

    Examples
    --------
    >>> import numpy as np
    >>> from featurevision import check_images
    >>> images_to_nchw(check_images([np.zeros((6, 6)), np.zeros((9, 9))]), (8, 8), 1).shape
    (2, 1, 8, 8)
    """
    size = tuple(size)
    if batch.stack is not None:
        check_channels(batch.stack[0], channels, "images")
        return stack_to_nchw(batch.stack, size)
    out = np.empty((len(batch), channels) + size, np.float32)
    for i in range(len(batch)):
        out[i] = image_to_chw(batch[i], size, channels, batch.name(i))
    return out
