"""Uploaded bytes into an image array, in memory, with every failure a ValueError naming the file.

The same decoding as :func:`featurevision.read_image` (OpenCV, 8/16-bit kept, BGR → RGB)
so a served model sees the pixels it would see locally, plus what a server needs before
decoding: the header's width and height are checked against
:data:`featurevision.MAX_PIXELS` first (Pillow reads only the header), so a small
compressed file that would expand to gigabytes is refused without being decoded.
"""

from __future__ import annotations

import io
import warnings

import cv2
import numpy as np

from .. import _images

__all__ = ["ImageTooLarge", "decode_image", "decode_images"]

# Pillow identifies these (header only); OpenCV decodes them.
_FORMATS = ("PNG", "JPEG", "BMP", "TIFF", "WEBP", "PPM")
_JPEG_SOS, _JPEG_EOI = b"\xff\xda", b"\xff\xd9"


class ImageTooLarge(ValueError):
    """An image whose header announces more pixels than :data:`featurevision.MAX_PIXELS`.

    Examples
    --------
    >>> issubclass(ImageTooLarge, ValueError)
    True
    """


def _header_size(data, name):
    from PIL import Image, UnidentifiedImageError

    with warnings.catch_warnings():
        # Pillow warns about damaged metadata and "decompression bombs" by its own
        # limit; the limit that matters here is featurevision's, checked by the caller.
        warnings.simplefilter("ignore")
        try:
            with Image.open(io.BytesIO(data)) as header:
                return header.format, header.size
        except Image.DecompressionBombError:
            raise ImageTooLarge(f"{name}: image larger than featurevision.MAX_PIXELS = "
                                f"{_images.MAX_PIXELS} pixels") from None
        except UnidentifiedImageError:
            raise ValueError(f"{name}: not an image (unrecognised format)") from None
        except (OSError, SyntaxError, ValueError) as exc:
            raise ValueError(f"{name}: not an image, or a corrupt header ({exc})") from None


def decode_image(data, name):
    """Decode an uploaded image file's bytes into an RGB(A) or gray ndarray; nothing touches disk.

    Parameters
    ----------
    data : bytes
        The whole file.
    name : str
        How error messages name the image (the uploaded filename).

    Returns
    -------
    ndarray of shape (h, w) or (h, w, 3|4), uint8 or uint16

    Raises
    ------
    ImageTooLarge
        When the header announces more than :data:`featurevision.MAX_PIXELS` pixels.
    ValueError
        For an empty file, a file that is not an image (or in a format other than PNG,
        JPEG, BMP, TIFF, WebP, PNM), or a truncated or corrupt one.

    Examples
    --------
    >>> import cv2, numpy as np
    >>> ok, png = cv2.imencode(".png", np.random.default_rng(0).integers(0, 255, (40, 60), np.uint8))
    >>> decode_image(png.tobytes(), "a.png").shape
    (40, 60)
    >>> decode_image(png.tobytes()[:1000], "cut.png")
    Traceback (most recent call last):
    ...
    ValueError: cut.png: truncated or corrupt PNG file
    """
    if not data:
        raise ValueError(f"{name}: empty file")
    kind, (width, height) = _header_size(data, name)
    if kind not in _FORMATS:
        raise ValueError(f"{name}: unsupported image format {kind} (use one of {', '.join(_FORMATS)})")
    if width * height > _images.MAX_PIXELS:
        raise ImageTooLarge(f"{name}: {height}×{width} pixels exceeds the limit of "
                            f"featurevision.MAX_PIXELS = {_images.MAX_PIXELS}")
    # libjpeg fills a truncated scan with gray and only warns: the file must end its
    # last scan with an end-of-image marker (an EXIF thumbnail has its own, earlier).
    if kind == "JPEG" and data.rfind(_JPEG_EOI) < data.rfind(_JPEG_SOS):
        raise ValueError(f"{name}: truncated or corrupt JPEG file")
    try:
        image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    except cv2.error as exc:
        raise ValueError(f"{name}: corrupt {kind} file ({exc.err})") from None
    if image is None or image.shape[:2] != (height, width):
        raise ValueError(f"{name}: truncated or corrupt {kind} file")
    if image.ndim == 3 and image.shape[2] == 3:
        image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    elif image.ndim == 3 and image.shape[2] == 4:
        image = cv2.cvtColor(image, cv2.COLOR_BGRA2RGBA)
    return _images.check_image(image, name)


def decode_images(uploads):
    """Decode ``[(filename, bytes), ...]`` into images; the first bad file raises its ValueError.

    Examples
    --------
    >>> import cv2, numpy as np
    >>> _, png = cv2.imencode(".png", np.zeros((3, 3), np.uint8))
    >>> [image.shape for image in decode_images([("a.png", png.tobytes())])]
    [(3, 3)]
    """
    return [decode_image(data, filename) for filename, data in uploads]
