"""Resizing single images and whole stacks with OpenCV."""

from __future__ import annotations

import cv2
import numpy as np

__all__ = ["resize_image", "resize_stack"]

# OpenCV 5's INTER_AREA takes at most 4 channels in one call.
_MAX_CHANNELS = 4


def _interpolation(src_hw, dst_hw):
    # INTER_AREA averages when shrinking (no aliasing); INTER_LINEAR when enlarging.
    shrinking = dst_hw[0] <= src_hw[0] and dst_hw[1] <= src_hw[1]
    return cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR


def resize_image(image, size):
    """Resize one ``(h, w[, c])`` image to ``size = (h, w)``, keeping dtype and channels.

    Examples
    --------
    >>> import numpy as np
    >>> resize_image(np.zeros((10, 20, 3), np.uint8), (5, 5)).shape
    (5, 5, 3)
    """
    if image.shape[:2] == tuple(size):
        return image
    src = image.astype(np.float32) if image.dtype.kind not in "uf" or image.dtype == np.float16 else image
    out = cv2.resize(np.ascontiguousarray(src), (size[1], size[0]),
                     interpolation=_interpolation(image.shape[:2], size))
    if image.ndim == 3 and out.ndim == 2:
        out = out[:, :, None]
    return out


def resize_stack(stack, size):
    """Resize an ``(n, h, w[, c])`` stack to ``(n, size[0], size[1][, c])``.

    The images travel as channels of an OpenCV call, four at a time, which quarters
    the per-call overhead that dominates for small images.

    Examples
    --------
    >>> import numpy as np
    >>> resize_stack(np.zeros((1000, 28, 28), np.float32), (8, 8)).shape
    (1000, 8, 8)
    """
    size = tuple(size)
    if stack.shape[1:3] == size:
        return stack
    n, h, w = stack.shape[:3]
    rest = stack.shape[3:]
    if stack.dtype.kind not in "uf" or stack.dtype == np.float16:
        stack = stack.astype(np.float32)
    planes = np.moveaxis(stack.reshape(n, h, w, -1), 0, 2).reshape(h, w, -1)
    n_planes = planes.shape[2]
    # OpenCV rounds a 1-3 channel call differently from a 4-channel one: padding every
    # call to 4 channels makes an image's result independent of how the batch was chunked.
    pad = -n_planes % _MAX_CHANNELS
    if pad:
        planes = np.concatenate([planes, np.zeros((h, w, pad), planes.dtype)], axis=2)
    interp = _interpolation((h, w), size)
    parts = [
        cv2.resize(np.ascontiguousarray(planes[:, :, i:i + _MAX_CHANNELS]), (size[1], size[0]),
                   interpolation=interp).reshape(size[0], size[1], -1)
        for i in range(0, planes.shape[2], _MAX_CHANNELS)
    ]
    out = np.concatenate(parts, axis=2)[:, :, :n_planes].reshape(size[0], size[1], n, -1)
    return np.moveaxis(out, 2, 0).reshape((n,) + size + rest)
