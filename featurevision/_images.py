"""The image-batch contract: one validation entry point and the pixel conversions.

Every transformer in featurevision accepts the same three forms of ``X``:

1. an ndarray ``(n, h, w)`` or ``(n, h, w, c)`` with ``c`` in {1, 3, 4};
2. a sequence of 2-D ``(h, w)`` or 3-D ``(h, w, c)`` ndarrays, sizes may differ;
3. a sequence of file paths (``str`` or ``os.PathLike``), read one at a time when an
   image is needed, so a folder of a million images never sits in memory at once.

Pixel values may be ``bool``, ``uint8``, ``uint16``, other integers or floats.
``uint8`` spans [0, 255], ``uint16`` [0, 65535], ``bool`` {0, 1}. Other integer
types are read as 8-bit when they lie in [0, 255], as 16-bit when they lie in
[0, 65535], and rescaled from their own minimum and maximum otherwise. Floats are
taken as intensities in [0, 1] when they lie in it and rescaled from their own
minimum and maximum otherwise (a constant image then maps to 0); the rescaling is
computed in float64, so any finite values, even near the type's limits or spanning a
subnormal range, give finite intensities. Colour is RGB; OpenCV's BGR stays inside
:func:`read_image`.

Files are read only when they are regular files (a FIFO or device would block), and
:func:`read_image` checks the size a file declares in its header before decoding it.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence

import cv2
import numpy as np

from ._headers import read_header

__all__ = [
    "MAX_IMAGE_BYTES",
    "MAX_PIXELS",
    "ImageBatch",
    "check_images",
    "read_image",
    "as_float",
    "as_gray_float",
    "as_gray_u8",
    "as_rgb",
    "as_rgb_float",
    "convert_image",
    "convert_stack",
    "PIXEL_FORMS",
]

#: Largest image accepted, in pixels (height × width): 100 megapixels. A larger image is
#: almost always a mistake (a wrong reshape, a raw scan) and would exhaust memory in
#: the float32 copies most extractors make.
MAX_PIXELS = 100_000_000

#: Largest decoded image file accepted, in bytes (1 GiB): height × width × channels ×
#: bytes per sample, as the file's header declares them. Checked before decoding, with
#: :data:`MAX_PIXELS`, so a small file that unpacks to gigabytes is refused unread.
MAX_IMAGE_BYTES = 1 << 30

_CHANNELS = (1, 3, 4)


def _describe(index, path=None):
    return f"image {index} ({os.fspath(path)!r})" if path is not None else f"image {index}"


def _check_dtype(dtype, where):
    # By kind, not np.issubdtype: NumPy files timedelta64 under np.integer.
    if dtype.kind in "biuf":
        return
    raise TypeError(
        f"{where}: unsupported pixel dtype {dtype}; use bool, an integer type "
        "(uint8, uint16, ...) or a float type"
    )


def _check_shape(shape, where):
    if len(shape) not in (2, 3):
        raise ValueError(
            f"{where}: expected a 2-D (h, w) or 3-D (h, w, c) array, got {len(shape)}-D "
            f"shape {tuple(shape)}"
        )
    if len(shape) == 3 and shape[2] not in _CHANNELS:
        raise ValueError(
            f"{where}: expected 1, 3 or 4 channels in the last axis, got {shape[2]} "
            f"(shape {tuple(shape)})"
        )
    if shape[0] == 0 or shape[1] == 0:
        raise ValueError(f"{where}: zero-size image of shape {tuple(shape)}")
    if shape[0] * shape[1] > MAX_PIXELS:
        raise ValueError(
            f"{where}: {shape[0]}×{shape[1]} pixels exceeds the limit of "
            f"featurevision.MAX_PIXELS = {MAX_PIXELS}"
        )


def _check_finite(image, where):
    if image.dtype.kind == "f" and not np.isfinite(image).all():
        raise ValueError(f"{where}: contains NaN or infinite values")


def check_image(image, where="image"):
    """Validate one image array and return it (a view, never a copy).

    Parameters
    ----------
    image : ndarray of shape (h, w) or (h, w, c)
        The image; ``c`` in {1, 3, 4}.
    where : str
        How error messages name the image, e.g. ``"image 3"``.

    Returns
    -------
    image : ndarray

    Raises
    ------
    TypeError
        For a non-array or an unsupported dtype.
    ValueError
        For a wrong ndim or channel count, a zero-size or too large image, NaN or inf.

    Examples
    --------
    >>> import numpy as np
    >>> check_image(np.zeros((4, 5), np.uint8)).shape
    (4, 5)
    """
    if not isinstance(image, np.ndarray):
        raise TypeError(f"{where}: expected a numpy array or a file path, got {type(image).__name__}")
    _check_dtype(image.dtype, where)
    _check_shape(image.shape, where)
    _check_finite(image, where)
    return image


def read_image(path, where=None):
    """Read an image file as an RGB(A) or gray ndarray.

    Decoding goes through ``cv2.imdecode`` on the file's bytes, so non-ASCII paths work
    on every platform. 8- and 16-bit depths are kept; BGR(A) becomes RGB(A).

    Parameters
    ----------
    path : str or os.PathLike
        The file.
    where : str, optional
        How error messages name the image; defaults to the path.

    Returns
    -------
    image : ndarray of shape (h, w) or (h, w, 3|4)

    Raises
    ------
    ValueError
        When the file is missing, not a regular file, unreadable, not a decodable
        image, or declares more than :data:`MAX_PIXELS` pixels or
        :data:`MAX_IMAGE_BYTES` decoded bytes (checked from its header, before
        decoding, for PNG, JPEG, BMP, TIFF, WebP and PNM).

    Examples
    --------
    >>> import cv2, numpy as np, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "a.png")
    >>> _ = cv2.imwrite(path, np.zeros((4, 6), np.uint8))
    >>> read_image(path).shape
    (4, 6)
    """
    where = where or repr(os.fspath(path))
    _check_file(path, where)
    try:
        data = np.fromfile(os.fspath(path), dtype=np.uint8)
    except OSError as exc:
        raise ValueError(f"{where}: cannot read file ({exc.strerror or exc})") from None
    header = read_header(data) if data.size else None
    if header is not None:
        _check_declared(header, where)
    image = _decode(data, where)
    if image.ndim == 3 and image.shape[2] == 3:
        image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    elif image.ndim == 3 and image.shape[2] == 4:
        image = cv2.cvtColor(image, cv2.COLOR_BGRA2RGBA)
    return check_image(image, where)


def _check_file(path, where):
    """Refuse a missing path or anything but a regular file (reading a FIFO blocks)."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise ValueError(f"{where}: file not found") from None
    except (OSError, ValueError) as exc:
        raise ValueError(f"{where}: cannot read file ({getattr(exc, 'strerror', None) or exc})") from None
    if not stat.S_ISREG(mode):
        raise ValueError(f"{where}: not a regular file (a folder, FIFO, socket or device)")


def _check_declared(header, where):
    """Refuse, before decoding, a file whose header declares an empty or too large image."""
    width, height = header.width, header.height
    if width == 0 or height == 0:
        raise ValueError(f"{where}: the file declares a zero-size image ({height}×{width})")
    if width * height > MAX_PIXELS:
        raise ValueError(
            f"{where}: the file declares {height}×{width} pixels, over the limit of "
            f"featurevision.MAX_PIXELS = {MAX_PIXELS}; not decoded"
        )
    if header.decoded_bytes > MAX_IMAGE_BYTES:
        raise ValueError(
            f"{where}: the file declares {height}×{width}×{header.channels} samples of "
            f"{header.bytes_per_sample} bytes ({header.decoded_bytes} bytes decoded), over the "
            f"limit of featurevision._images.MAX_IMAGE_BYTES = {MAX_IMAGE_BYTES}; not decoded"
        )


def _decode(data, where):
    """Decode a file's bytes with OpenCV; every failure is a ValueError naming the image."""
    try:
        image = cv2.imdecode(data, cv2.IMREAD_UNCHANGED) if data.size else None
    except cv2.error as exc:
        # OpenCV's own limits and decoder asserts; its message names a C++ source line.
        reason = (getattr(exc, "err", None) or str(exc)).strip()
        raise ValueError(f"{where}: not a readable image ({reason})") from None
    if image is None:
        raise ValueError(f"{where}: not a readable image (corrupt or unsupported format)")
    return image


def _is_path(item):
    return isinstance(item, (str, os.PathLike))


class ImageBatch(Sequence):
    """A validated batch of images; what :func:`check_images` returns.

    Indexing gives one image as an ndarray (a file is read when indexed); slicing gives
    a sub-batch that keeps the original indices for error messages. ``stack`` is the
    ``(n, h, w[, c])`` array when the batch is one, else None; ``paths`` the file
    paths when the batch is made of them, else None.

    Parameters
    ----------
    items : ndarray or list
        A validated stack, list of arrays, or list of paths.
    offset : int
        Index of the first item in the batch the user passed (for error messages).

    Examples
    --------
    >>> import numpy as np
    >>> batch = check_images(np.zeros((3, 8, 8), np.uint8))
    >>> len(batch), batch[0].shape, batch.name(2)
    (3, (8, 8), 'image 2')
    """

    def __init__(self, items, offset=0):
        self._items = items
        self.offset = offset

    @property
    def stack(self):
        return self._items if isinstance(self._items, np.ndarray) else None

    @property
    def paths(self):
        if self.stack is None and len(self._items) and _is_path(self._items[0]):
            return self._items
        return None

    def __len__(self):
        return len(self._items)

    def name(self, i):
        """How errors name item ``i`` of this batch: its index in the user's batch (and path)."""
        item = self._items[i]
        return _describe(self.offset + i, item if _is_path(item) else None)

    def __getitem__(self, i):
        if isinstance(i, slice):
            start, stop, step = i.indices(len(self))
            if step != 1:
                raise ValueError("ImageBatch slices must be contiguous")
            return ImageBatch(self._items[start:stop], self.offset + start)
        item = self._items[i]
        return read_image(item, self.name(i)) if _is_path(item) else item


def _check_stack(X):
    _check_dtype(X.dtype, "images")
    if X.ndim == 4 and X.shape[3] not in _CHANNELS:
        raise ValueError(
            f"images: expected 1, 3 or 4 channels in the last axis of a 4-D batch, got "
            f"{X.shape[3]} (shape {X.shape})"
        )
    _check_shape(X.shape[1:3], "every image")
    if X.dtype.kind == "f":
        bad = ~np.isfinite(X.reshape(len(X), -1)).all(axis=1)
        if bad.any():
            raise ValueError(f"{_describe(int(np.argmax(bad)))}: contains NaN or infinite values")
    return ImageBatch(X)


def check_images(X):
    """Validate a batch of images and return it as an :class:`ImageBatch`.

    Accepts the three forms of the image-batch contract (module docstring). Arrays are
    checked in full here; a file is checked here that it exists and is a regular file
    (not a folder, FIFO or device), and decoded only when an extractor reads it, so a
    corrupt file is reported (by index and path) then.

    Parameters
    ----------
    X : ndarray of shape (n, h, w) or (n, h, w, c), or sequence of arrays or paths
        The images. One image is a batch of one: pass ``[image]``.

    Returns
    -------
    batch : ImageBatch

    Raises
    ------
    TypeError
        For an unsupported container, item type or pixel dtype.
    ValueError
        For an empty batch, a wrong ndim or channel count, a zero-size or too large
        image, NaN/inf, a missing file or one that is not a regular file; the message
        names the image.

    Examples
    --------
    >>> import numpy as np
    >>> len(check_images([np.zeros((4, 4)), np.ones((6, 3, 3))]))
    2
    >>> check_images([np.zeros((0, 4))])
    Traceback (most recent call last):
    ...
    ValueError: image 0: zero-size image of shape (0, 4)
    """
    if isinstance(X, ImageBatch):
        return X
    if isinstance(X, np.ndarray) and X.dtype.kind not in "OUS":
        if X.ndim not in (3, 4):
            raise ValueError(
                f"images: expected an array of shape (n, h, w) or (n, h, w, c), got {X.ndim}-D "
                f"shape {X.shape}; one image is a batch of one: pass [image]"
            )
        if len(X) == 0:
            raise ValueError("images: empty batch (0 images)")
        return _check_stack(X)
    if _is_path(X) or isinstance(X, (bytes, dict)) or not isinstance(X, (Sequence, np.ndarray)):
        raise TypeError(
            f"images: expected an array or a sequence of arrays or file paths, got "
            f"{type(X).__name__}; one image or path is a batch of one: pass [image]"
        )
    items = list(X)
    if not items:
        raise ValueError("images: empty batch (0 images)")
    first_is_path = _is_path(items[0])
    for i, item in enumerate(items):
        if first_is_path != _is_path(item):
            raise TypeError(f"{_describe(i)}: a batch mixes file paths and arrays")
        if first_is_path:
            _check_file(item, _describe(i, item))
        else:
            check_image(np.asarray(item) if isinstance(item, (list, tuple)) else item, _describe(i))
    if not first_is_path:
        items = [np.asarray(item) for item in items]
    return ImageBatch(items)


#: Pixel types with a fixed range: converted in float32, which holds them exactly enough.
_FIXED_SCALE = {np.dtype(np.bool_): 1.0, np.dtype(np.uint8): 255.0, np.dtype(np.uint16): 65535.0}


def _work_dtype(dtype):
    """The float type rescaling runs in: float64, or wider for a wider float input."""
    return np.result_type(dtype, np.float64) if dtype.kind == "f" else np.dtype(np.float64)


def _unit_range(lo, hi, kind):
    """The values that map to 0 and to 1 for an image whose pixels span [lo, hi]."""
    if kind in "iu" and lo >= 0 and hi <= 255:
        return 0.0, 255.0
    if kind in "iu" and lo >= 0 and hi <= 65535:
        return 0.0, 65535.0
    if kind == "f" and lo >= 0 and hi <= 1:
        return 0.0, 1.0
    return lo, hi


def _to_unit(values, lo, hi):
    """Map float ``values`` from [lo, hi] onto [0, 1], in place; a constant image maps to 0."""
    if not hi > lo:
        values[...] = 0
        return values
    with np.errstate(over="ignore"):
        span = hi - lo
    if not np.isfinite(span):
        # Pixels near ±max: their span overflows, half of it cannot.
        values *= 0.5
        lo, span = lo * 0.5, hi * 0.5 - lo * 0.5
    values -= lo
    # A division, not a product with 1/span: 1/span overflows for a subnormal span.
    values /= span
    return np.clip(values, 0.0, 1.0, out=values)


def as_float(image):
    """Convert one image to float32 intensities in [0, 1], keeping its channels.

    Rescaling (module docstring) runs in float64, so any finite pixels give finite
    intensities in [0, 1].

    Parameters
    ----------
    image : ndarray of shape (h, w) or (h, w, c)

    Returns
    -------
    ndarray of float32, same shape

    Examples
    --------
    >>> import numpy as np
    >>> as_float(np.array([[0, 255]], np.uint8))
    array([[0., 1.]], dtype=float32)
    >>> as_float(np.array([[1e6, 1e6 + 0.1]]))
    array([[0., 1.]], dtype=float32)
    """
    if image.dtype == np.float32 and image.size and 0.0 <= image.min() and image.max() <= 1.0:
        return image
    scale = _FIXED_SCALE.get(image.dtype)
    if scale is not None:
        out = image.astype(np.float32)
        if scale != 1.0:
            out *= np.float32(1.0 / scale)
        return out
    work = _work_dtype(image.dtype)
    lo, hi = _unit_range(work.type(image.min()), work.type(image.max()), image.dtype.kind)
    if (lo, hi) == (0.0, 1.0):
        return image.astype(np.float32)
    return _to_unit(image.astype(work), lo, hi).astype(np.float32)


def _drop_alpha(image):
    return image[..., :3] if image.ndim == 3 and image.shape[2] == 4 else image


def as_gray_float(image):
    """Convert one image to a float32 gray image in [0, 1] (ITU-R 601 luma for colour).

    Examples
    --------
    >>> import numpy as np
    >>> as_gray_float(np.full((2, 2, 3), 255, np.uint8)).max()
    np.float32(1.0)
    """
    image = _drop_alpha(image)
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[..., 0]
    gray = as_float(image)
    if gray.ndim == 3:
        gray = cv2.cvtColor(np.ascontiguousarray(gray), cv2.COLOR_RGB2GRAY)
        # The luma weights sum to 1 only up to float32 rounding.
        np.clip(gray, 0.0, 1.0, out=gray)
    return gray


def as_gray_u8(image):
    """Convert one image to a uint8 gray image (ITU-R 601 luma for colour).

    Examples
    --------
    >>> import numpy as np
    >>> as_gray_u8(np.ones((2, 2), np.float32))
    array([[255, 255],
           [255, 255]], dtype=uint8)
    """
    image = _as_u8(image)
    if image.ndim == 3:
        image = cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_RGB2GRAY)
    return image


def as_rgb(image):
    """Convert one image to a uint8 RGB image (gray is repeated, alpha dropped).

    Examples
    --------
    >>> import numpy as np
    >>> as_rgb(np.zeros((2, 3), np.uint8)).shape
    (2, 3, 3)
    """
    image = _as_u8(image)
    if image.ndim == 2:
        image = np.repeat(image[:, :, None], 3, axis=2)
    return image


def _as_u8(image):
    """One image as uint8, alpha dropped and a single channel squeezed to 2-D."""
    image = _drop_alpha(image)
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[..., 0]
    if image.dtype != np.uint8:
        image = np.rint(as_float(image) * 255.0).astype(np.uint8)
    return image


def _stack_ranges(flat, kind, work):
    """Per image of a flattened stack, the values that map to 0 and to 1 (see _unit_range)."""
    lo = flat.min(axis=1).astype(work)
    hi = flat.max(axis=1).astype(work)
    if kind in "iu":
        unit = np.where(hi <= 255, 255.0, 65535.0)
        fixed = (lo >= 0) & (hi <= 65535)
    else:
        unit = np.ones_like(hi)
        fixed = (lo >= 0) & (hi <= 1)
    return np.where(fixed, 0.0, lo).astype(work), np.where(fixed, unit, hi).astype(work)


def stack_as_float(stack):
    """Convert an ``(n, h, w[, c])`` stack to float32 in [0, 1], one scale per image.

    The vectorised form of :func:`as_float` for a batch of equal-sized images, with the
    same results.

    Examples
    --------
    >>> import numpy as np
    >>> stack_as_float(np.full((2, 1, 1), 255, np.uint8)).ravel()
    array([1., 1.], dtype=float32)
    """
    if stack.dtype in _FIXED_SCALE:
        return as_float(stack)
    work = _work_dtype(stack.dtype)
    lo, hi = _stack_ranges(stack.reshape(len(stack), -1), stack.dtype.kind, work)
    with np.errstate(over="ignore"):
        span = hi - lo
    # As in _to_unit: halve where the span overflows; a constant image maps to 0.
    half = ~np.isfinite(span)
    factor = np.where(half, 0.5, 1.0).astype(work)
    span = np.where(half, hi * 0.5 - lo * 0.5, span)
    span = np.where(span > 0, span, 1.0).astype(work)
    shape = (len(stack),) + (1,) * (stack.ndim - 1)
    values = stack.astype(work)
    if half.any():
        values *= factor.reshape(shape)
    values -= (lo * factor).reshape(shape)
    values /= span.reshape(shape)
    return np.clip(values, 0.0, 1.0, out=values).astype(np.float32)


def as_rgb_float(image):
    """Convert one image to float32 RGB in [0, 1] (gray is repeated, alpha dropped).

    Examples
    --------
    >>> import numpy as np
    >>> as_rgb_float(np.full((2, 3), 255, np.uint8))[0, 0].tolist()
    [1.0, 1.0, 1.0]
    """
    image = _drop_alpha(image)
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[..., 0]
    image = as_float(image)
    return np.repeat(image[:, :, None], 3, axis=2) if image.ndim == 2 else image


#: The pixel forms an extractor may ask for, and the function that converts one image.
PIXEL_FORMS = {
    "gray_u8": as_gray_u8,
    "gray_float": as_gray_float,
    "rgb_u8": as_rgb,
    "rgb_float": as_rgb_float,
}


def convert_image(image, form):
    """Convert one image to a pixel form of :data:`PIXEL_FORMS`.

    Examples
    --------
    >>> import numpy as np
    >>> convert_image(np.zeros((2, 2, 3), np.uint8), "gray_u8").shape
    (2, 2)
    """
    return PIXEL_FORMS[form](image)


def _stack_channels(stack):
    """Drop alpha and a singleton channel axis: ``(m, h, w)`` gray or ``(m, h, w, 3)`` RGB."""
    if stack.ndim == 4 and stack.shape[3] == 1:
        return stack[..., 0]
    if stack.ndim == 4 and stack.shape[3] == 4:
        return stack[..., :3]
    return stack


def _tall_cvt(stack, code):
    """Apply a per-pixel colour conversion to a whole ``(m, h, w, 3)`` stack in one call."""
    m, h, w = stack.shape[:3]
    tall = np.ascontiguousarray(stack).reshape(m * h, w, 3)
    out = cv2.cvtColor(tall, code)
    return out.reshape((m, h, w) + out.shape[2:])


def convert_stack(stack, form):
    """Convert an ``(m, h, w[, c])`` stack to a pixel form, equal to :func:`convert_image` per image.

    Vectorised across the stack: one scale per image as :func:`as_float` computes it,
    and colour conversions as one OpenCV call over the stack laid end to end.

    Examples
    --------
    >>> import numpy as np
    >>> convert_stack(np.zeros((5, 4, 4, 3), np.uint8), "gray_float").shape
    (5, 4, 4)
    """
    stack = _stack_channels(stack)
    colour = stack.ndim == 4
    if form in ("gray_u8", "rgb_u8"):
        pixels = stack if stack.dtype == np.uint8 else np.rint(stack_as_float(stack) * 255.0).astype(np.uint8)
        if form == "gray_u8":
            return _tall_cvt(pixels, cv2.COLOR_RGB2GRAY) if colour else pixels
        return pixels if colour else np.repeat(pixels[..., None], 3, axis=3)
    pixels = stack_as_float(stack)
    if form == "gray_float":
        return _tall_cvt(pixels, cv2.COLOR_RGB2GRAY) if colour else pixels
    if form == "rgb_float":
        return pixels if colour else np.repeat(pixels[..., None], 3, axis=3)
    raise ValueError(f"unknown pixel form {form!r}; one of {list(PIXEL_FORMS)}")
