"""Dataset loaders returning scikit-learn Bunches, and the 80/10/10 split.

Every loader returns ``Bunch(images, target, target_names, DESCR[, paths])`` where
``images`` follows the image-batch contract (an array, or a list of paths when loaded
lazily). Nothing here downloads: the bundled sets come with scikit-learn and
scikit-image, the readers parse files already on disk.
"""

from __future__ import annotations

import gzip
import os
import struct
from pathlib import Path

import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.utils import Bunch

from ._images import read_image

__all__ = [
    "BUNDLED",
    "IMAGE_EXTENSIONS",
    "load_cifar10",
    "load_dataset",
    "load_digits",
    "load_faces",
    "load_idx",
    "load_image_folder",
    "load_npz",
    "load_textures",
    "take",
    "train_val_test_split",
]

#: File extensions :func:`load_image_folder` picks up (lower case).
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".pgm", ".ppm")


def load_digits():
    """scikit-learn's 1,797 handwritten digits, 8×8, as uint8 images.

    The original 0–16 gray levels are scaled to 0–255.

    Returns
    -------
    Bunch
        ``images`` (1797, 8, 8) uint8, ``target`` (1797,), ``target_names`` "0"…"9".

    Examples
    --------
    >>> d = load_digits()
    >>> d.images.shape, d.images.dtype, len(d.target_names)
    ((1797, 8, 8), dtype('uint8'), 10)
    """
    from sklearn.datasets import load_digits as sk_load_digits

    digits = sk_load_digits()
    images = np.rint(digits.images * (255.0 / 16.0)).astype(np.uint8)
    return Bunch(
        images=images,
        target=digits.target.astype(np.int64),
        target_names=np.array([str(i) for i in range(10)]),
        DESCR="scikit-learn digits: 1,797 8x8 handwritten digits (UCI), gray levels scaled 0-16 -> 0-255.",
    )


#: The scikit-image photographs :func:`load_textures` cuts patches from.
TEXTURE_SOURCES = ("brick", "grass", "gravel")


def load_textures(patch_size=64, stride=None):
    """Texture patches cut from scikit-image's bundled brick, grass and gravel photographs.

    Each 512×512 photograph is cut into ``patch_size`` squares on a grid of ``stride``
    (non-overlapping by default). Patches of one photograph share a class.

    Parameters
    ----------
    patch_size : int, default=64
    stride : int, optional
        Defaults to ``patch_size``.

    Returns
    -------
    Bunch
        ``images`` (n, patch_size, patch_size) uint8, ``target``, ``target_names``.

    Examples
    --------
    >>> t = load_textures()
    >>> t.images.shape, t.target_names.tolist()
    ((192, 64, 64), ['brick', 'grass', 'gravel'])
    """
    from skimage import data

    stride = stride or patch_size
    if patch_size < 1 or stride < 1 or patch_size > 512:
        raise ValueError(f"patch_size must be in [1, 512] and stride >= 1, got {patch_size}, {stride}")
    images, target = [], []
    for label, name in enumerate(TEXTURE_SOURCES):
        photo = getattr(data, name)()
        windows = np.lib.stride_tricks.sliding_window_view(photo, (patch_size, patch_size))
        patches = windows[::stride, ::stride].reshape(-1, patch_size, patch_size)
        images.append(patches)
        target.append(np.full(len(patches), label, np.int64))
    return Bunch(
        images=np.ascontiguousarray(np.concatenate(images)),
        target=np.concatenate(target),
        target_names=np.array(TEXTURE_SOURCES),
        DESCR=f"Patches ({patch_size}px, stride {stride}) of scikit-image's brick, grass and gravel photographs.",
    )


def load_faces():
    """scikit-image's ``lfw_subset``: 100 faces and 100 non-faces, 25×25 gray.

    Returns
    -------
    Bunch
        ``images`` (200, 25, 25) float in [0, 1], ``target`` (1 = face), ``target_names``.

    Examples
    --------
    >>> f = load_faces()
    >>> f.images.shape, f.target.sum()
    ((200, 25, 25), np.int64(100))
    """
    from skimage import data

    images = data.lfw_subset()
    target = np.r_[np.ones(100, np.int64), np.zeros(100, np.int64)]
    return Bunch(
        images=images,
        target=target,
        target_names=np.array(["non-face", "face"]),
        DESCR="scikit-image lfw_subset: 100 face crops from Labeled Faces in the Wild and 100 non-face crops, 25x25.",
    )


def load_image_folder(root, lazy=True, extensions=IMAGE_EXTENSIONS):
    """Load a class-per-subfolder image collection (``root/<class>/<image>``).

    Classes are the subfolder names in sorted order; files within a class are sorted.

    Parameters
    ----------
    root : str or os.PathLike
    lazy : bool, default=True
        Return the file paths as ``images`` (read by each extractor when needed, so
        memory stays flat); when False, read every image now (a list of arrays).
    extensions : tuple of str
        Lower-case suffixes to include.

    Returns
    -------
    Bunch
        ``images``, ``paths``, ``target``, ``target_names``.

    Raises
    ------
    ValueError
        If ``root`` is not a folder or holds no images in class subfolders.

    Examples
    --------
    >>> import tempfile, os, cv2, numpy as np
    >>> root = tempfile.mkdtemp()
    >>> os.mkdir(os.path.join(root, "cat"))
    >>> _ = cv2.imwrite(os.path.join(root, "cat", "a.png"), np.zeros((3, 3), np.uint8))
    >>> load_image_folder(root).target_names.tolist()
    ['cat']
    """
    root = Path(root)
    if not root.is_dir():
        raise ValueError(f"{str(root)!r} is not a folder")
    classes = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    paths, target = [], []
    for label, name in enumerate(classes):
        files = sorted(
            f for f in (root / name).iterdir() if f.is_file() and f.suffix.lower() in extensions
        )
        paths.extend(str(f) for f in files)
        target.extend([label] * len(files))
    if not paths:
        raise ValueError(
            f"no images with extensions {list(extensions)} in class subfolders of {str(root)!r}"
        )
    images = paths if lazy else [read_image(p, f"image {i} ({p!r})") for i, p in enumerate(paths)]
    return Bunch(
        images=images,
        paths=paths,
        target=np.asarray(target, np.int64),
        target_names=np.array(classes),
        DESCR=f"Image folder {str(root)!r}: {len(paths)} images in {len(classes)} classes.",
    )


_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def _open_maybe_gzip(path):
    with open(path, "rb") as f:
        magic = f.read(2)
    return gzip.open(path, "rb") if magic == b"\x1f\x8b" else open(path, "rb")


def _read_idx(path):
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise ValueError(f"{path!r}: file not found")
    with _open_maybe_gzip(path) as f:
        header = f.read(4)
        if len(header) < 4 or header[:2] != b"\x00\x00" or header[2] not in _IDX_TYPES:
            raise ValueError(f"{path!r}: not an IDX file (bad magic number {header!r})")
        ndim = header[3]
        shape = struct.unpack(f">{ndim}I", f.read(4 * ndim))
        dtype = np.dtype(_IDX_TYPES[header[2]])
        data = f.read()
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(data) != expected:
        raise ValueError(f"{path!r}: IDX header promises {expected} bytes of data, found {len(data)}")
    return np.frombuffer(data, dtype).reshape(shape).astype(dtype.newbyteorder("="))


def load_idx(images_path, labels_path=None, target_names=None):
    """Read MNIST-style IDX files (Fashion-MNIST, MNIST, EMNIST), gzipped or not.

    Parameters
    ----------
    images_path : str or os.PathLike
        The ``*-images-idx3-ubyte[.gz]`` file.
    labels_path : str or os.PathLike, optional
        The matching ``*-labels-idx1-ubyte[.gz]``; without it, ``target`` is None.
    target_names : sequence of str, optional
        Class names; defaults to the label values as strings.

    Returns
    -------
    Bunch
        ``images`` (n, h, w), ``target``, ``target_names``.

    Examples
    --------
    >>> import tempfile, os, numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "x-idx3-ubyte")
    >>> with open(path, "wb") as f:
    ...     _ = f.write(bytes([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2]) + bytes(8))
    >>> load_idx(path).images.shape
    (2, 2, 2)
    """
    images = _read_idx(images_path)
    if images.ndim != 3:
        raise ValueError(f"{os.fspath(images_path)!r}: expected a 3-D IDX image file, got {images.ndim}-D")
    target = None
    if labels_path is not None:
        target = _read_idx(labels_path).astype(np.int64)
        if target.shape != (len(images),):
            raise ValueError(
                f"{os.fspath(labels_path)!r}: {target.shape} labels for {len(images)} images"
            )
    names = target_names
    if names is None and target is not None:
        names = [str(v) for v in np.unique(target)]
    return Bunch(images=images, target=target, target_names=np.array(names if names is not None else []),
                 DESCR=f"IDX images from {os.fspath(images_path)!r}.")


_CIFAR_RECORD = 1 + 32 * 32 * 3


def load_cifar10(path):
    """Read CIFAR-10 in its official binary format (``data_batch_*.bin``, ``test_batch.bin``).

    Parameters
    ----------
    path : str or os.PathLike
        One ``.bin`` file, or the ``cifar-10-batches-bin`` folder (all ``data_batch_*.bin``
        files are read in name order; ``batches.meta.txt`` names the classes).

    Returns
    -------
    Bunch
        ``images`` (n, 32, 32, 3) uint8 RGB, ``target``, ``target_names``.

    Examples
    --------
    >>> import tempfile, os, numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "data_batch_1.bin")
    >>> np.zeros(2 * 3073, np.uint8).tofile(path)
    >>> load_cifar10(path).images.shape
    (2, 32, 32, 3)
    """
    path = Path(path)
    if path.is_dir():
        files = sorted(path.glob("data_batch_*.bin"))
        meta = path / "batches.meta.txt"
    else:
        files = [path]
        meta = path.parent / "batches.meta.txt"
    if not files or not all(f.is_file() for f in files):
        raise ValueError(f"{str(path)!r}: no CIFAR-10 binary batches found")
    records = []
    for f in files:
        raw = np.fromfile(f, np.uint8)
        if raw.size == 0 or raw.size % _CIFAR_RECORD:
            raise ValueError(
                f"{str(f)!r}: size {raw.size} is not a multiple of the {_CIFAR_RECORD}-byte CIFAR-10 record"
            )
        records.append(raw.reshape(-1, _CIFAR_RECORD))
    records = np.concatenate(records)
    images = records[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    names = [line.strip() for line in meta.read_text().splitlines() if line.strip()] if meta.is_file() else [
        "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
    return Bunch(images=np.ascontiguousarray(images), target=records[:, 0].astype(np.int64),
                 target_names=np.array(names), DESCR=f"CIFAR-10 binary batches from {str(path)!r}.")


_NPZ_KEYS = (("X", "y"), ("images", "target"), ("X_train", "y_train"))


def load_npz(path, images_key=None, target_key=None):
    """Read images and labels from a NumPy ``.npz`` archive (never unpickling).

    Parameters
    ----------
    path : str or os.PathLike
    images_key, target_key : str, optional
        Array names; by default the first present of ``(X, y)``, ``(images, target)``,
        ``(X_train, y_train)``. ``class_names`` or ``target_names``, when present,
        name the classes.

    Returns
    -------
    Bunch
        ``images``, ``target``, ``target_names``.

    Examples
    --------
    >>> import tempfile, os, numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "d.npz")
    >>> np.savez(path, X=np.zeros((3, 4, 4), np.uint8), y=[0, 1, 0])
    >>> load_npz(path).images.shape
    (3, 4, 4)
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise ValueError(f"{path!r}: file not found")
    with np.load(path, allow_pickle=False) as archive:
        keys = set(archive.files)
        if images_key is None:
            found = [pair for pair in _NPZ_KEYS if pair[0] in keys]
            if not found:
                raise ValueError(f"{path!r}: none of the image arrays {[p[0] for p in _NPZ_KEYS]} in {sorted(keys)}")
            images_key, default_target = found[0]
            target_key = target_key or default_target
        for key in (images_key, target_key):
            if key is not None and key not in keys:
                raise ValueError(f"{path!r}: no array {key!r} (has {sorted(keys)})")
        images = archive[images_key]
        target = archive[target_key].astype(np.int64) if target_key else None
        names_key = next((k for k in ("class_names", "target_names") if k in keys), None)
        names = archive[names_key].astype(str) if names_key else (
            np.array([str(v) for v in np.unique(target)]) if target is not None else np.array([]))
    return Bunch(images=images, target=target, target_names=names, DESCR=f"Arrays {images_key!r}, {target_key!r} of {path!r}.")


#: Names :func:`load_dataset` knows, with their loaders: real data that dependencies ship.
BUNDLED = {"digits": load_digits, "textures": load_textures, "faces": load_faces}


def load_dataset(name_or_path):
    """Load a bundled dataset by name, or a dataset from a path by its form.

    Parameters
    ----------
    name_or_path : str or os.PathLike
        One of :data:`BUNDLED` (``digits``, ``textures``, ``faces``), or a path: a folder of
        class subfolders, a CIFAR-10 ``.bin`` file or ``cifar-10-batches-bin`` folder, an
        ``.npz`` archive, or an IDX images file (its labels file is found beside it by
        replacing ``images-idx3`` with ``labels-idx1`` in the name).

    Returns
    -------
    Bunch

    Examples
    --------
    >>> load_dataset("digits").images.shape
    (1797, 8, 8)
    """
    key = os.fspath(name_or_path)
    if key in BUNDLED:
        return BUNDLED[key]()
    path = Path(key)
    if not path.exists():
        raise ValueError(f"{key!r} is neither a bundled dataset {sorted(BUNDLED)} nor an existing path")
    if path.is_dir():
        if any(path.glob("data_batch_*.bin")):
            return load_cifar10(path)
        return load_image_folder(path)
    if path.suffix == ".npz":
        return load_npz(path)
    if path.suffix == ".bin":
        return load_cifar10(path)
    if "idx3" in path.name:
        labels = path.with_name(path.name.replace("images-idx3", "labels-idx1"))
        return load_idx(path, labels if labels.is_file() else None)
    raise ValueError(f"{key!r}: unknown dataset format (expected a folder, .npz, .bin or IDX file)")


def take(images, indices):
    """Select images by index from any form of the contract (array or list).

    Examples
    --------
    >>> take(["a.png", "b.png", "c.png"], [2, 0])
    ['c.png', 'a.png']
    """
    if isinstance(images, np.ndarray):
        return images[indices]
    return [images[i] for i in indices]


def train_val_test_split(X, y, sizes=(0.8, 0.1, 0.1), stratify=True, random_state=None):
    """Split images and labels into train, validation and test sets (80/10/10 by default).

    Parameters
    ----------
    X : images in any form of the contract
    y : array-like of shape (n,)
    sizes : (float, float, float), default=(0.8, 0.1, 0.1)
        Fractions; they must be positive and sum to 1.
    stratify : bool, default=True
        Keep class proportions in every part.
    random_state : int, optional

    Returns
    -------
    X_train, X_val, X_test, y_train, y_val, y_test

    Examples
    --------
    >>> d = load_digits()
    >>> parts = train_val_test_split(d.images, d.target, random_state=0)
    >>> [len(p) for p in parts[:3]]
    [1437, 180, 180]
    """
    sizes = tuple(float(s) for s in sizes)
    if len(sizes) != 3 or min(sizes) <= 0 or not np.isclose(sum(sizes), 1.0):
        raise ValueError(f"sizes must be three positive fractions summing to 1, got {sizes}")
    y = np.asarray(y)
    if len(y) != len(X):
        raise ValueError(f"{len(X)} images but {len(y)} labels")
    index = np.arange(len(y))
    train, rest = train_test_split(index, train_size=sizes[0], random_state=random_state,
                                   stratify=y if stratify else None)
    val_share = sizes[1] / (sizes[1] + sizes[2])
    val, test = train_test_split(rest, train_size=val_share, random_state=random_state,
                                 stratify=y[rest] if stratify else None)
    return (take(X, train), take(X, val), take(X, test), y[train], y[val], y[test])
