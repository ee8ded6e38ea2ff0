"""Stream many image files through a fitted extractor into an on-disk feature array.

:func:`extract_to_disk` writes one folder::

    out/
      features.npy    (n_images, n_features) float32, read back as a memmap
      paths.txt       the image paths, one per line, in row order
      manifest.json   what was extracted (shape, chunk size, extractor, paths checksum)
      chunks/*.json   one marker per finished chunk, holding that chunk's errors and the
                      size, modification time (and optionally SHA-256) of its files
      errors.json     every per-image error, written when all chunks are done

Each chunk's task writes its own rows into ``features.npy`` at their offset, so rows
never travel back to the calling process and memory stays flat however many images
there are. A chunk counts as done only once its rows are synced to disk and its marker
has been renamed into place (an atomic ``os.replace``), so after a crash or Ctrl-C a
rerun with the same arguments skips the finished chunks and redoes at most the ones in
flight. A finished chunk whose files changed since (see ``verify``) is extracted again,
so a resumed result always describes the files as they are.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import pickle
import stat
from pathlib import Path

import joblib
import numpy as np
from joblib import parallel_config
from sklearn.utils import check_scalar

from ._images import ImageBatch
from ._parallel import run_tasks
from ._validation import check_option

__all__ = ["ExtractionResult", "extract_to_disk"]

FEATURES_FILE = "features.npy"
PATHS_FILE = "paths.txt"
MANIFEST_FILE = "manifest.json"
ERRORS_FILE = "errors.json"
CHUNKS_DIR = "chunks"

#: Manifest fields that must match for a rerun to resume rather than refuse.
_RESUME_KEYS = ("n_images", "n_features", "chunk_size", "paths_sha256", "extractor_sha")


class ExtractionResult:
    """A finished :func:`extract_to_disk` folder: features, paths and per-image errors.

    Parameters
    ----------
    out : str or os.PathLike
        The folder.
    n_resumed : int, default=0
        Images whose rows an earlier, interrupted run had already written and this run
        skipped (:func:`extract_to_disk` sets it; 0 for a fresh run).

    Attributes
    ----------
    features : numpy.memmap of shape (n_images, n_features), float32
        Read-only; rows of images that failed (``on_error="record"``) are NaN.
    paths : list of str
        The image paths, in row order.
    errors : list of dict
        One ``{"index", "path", "error"}`` per image that failed, by index.
    out : pathlib.Path
    n_resumed : int
        As given.

    Raises
    ------
    ValueError
        When the folder holds no finished extraction.

    Examples
    --------
    >>> import os, tempfile, cv2, numpy as np
    >>> from featurevision.features import TinyImage
    >>> root = tempfile.mkdtemp()
    >>> path = os.path.join(root, "a.png")
    >>> _ = cv2.imwrite(path, np.zeros((8, 8), np.uint8))
    >>> _ = extract_to_disk(TinyImage(size=2).fit([path]), [path], os.path.join(root, "out"))
    >>> ExtractionResult(os.path.join(root, "out")).features.shape
    (1, 4)
    """

    def __init__(self, out, n_resumed=0):
        self.out = Path(out)
        self.n_resumed = n_resumed
        if not (self.out / ERRORS_FILE).is_file():
            raise ValueError(
                f"{str(self.out)!r} holds no finished extraction (no {ERRORS_FILE}); "
                "run extract_to_disk again with the same arguments to finish it"
            )
        self.features = np.load(self.out / FEATURES_FILE, mmap_mode="r")
        self.paths = (self.out / PATHS_FILE).read_text(encoding="utf-8").splitlines()
        self.errors = json.loads((self.out / ERRORS_FILE).read_text(encoding="utf-8"))

    def __repr__(self):
        n, d = self.features.shape
        return f"ExtractionResult({str(self.out)!r}: {n}×{d} features, {len(self.errors)} errors)"


def extract_to_disk(extractor, paths, out, chunk_size=256, n_jobs=None, on_error="raise",
                    progress=False, verify="stat"):
    """Extract features of many image files in chunks into ``out/features.npy``.

    Each chunk of paths is read and transformed by a copy of ``extractor`` (run serially
    inside the task: the parallelism is across chunks), and the task writes its rows
    straight into the ``.npy`` file; this process then marks the chunk done. Memory
    holds a few chunks at a time, never the whole array. Interrupted? Call again with
    the same arguments: finished chunks are skipped, unless one of their files changed
    since it was extracted, in which case the chunk is extracted again. Under
    ``joblib.parallel_backend("dask")`` the chunks run on the Dask workers, which must
    see the image files and ``out`` (one machine, or a shared filesystem); inside a
    task all work is serial (nothing nests on the Dask backend), and any error a task
    raises comes back here (one that cannot be pickled as a plain ValueError,
    TypeError or RuntimeError with its message and the chunk's images).

    Parameters
    ----------
    extractor : fitted transformer
        Maps a batch of image paths to a 2-D array: a featurevision extractor, a
        FeatureUnion of them, or a Pipeline starting with one. Its ``n_jobs``,
        ``progress`` and ``memory`` parameters (nested ones too) are ignored here.
    paths : sequence of str or os.PathLike
        The image files, in the order of the output rows.
    out : str or os.PathLike
        Output folder; created if needed. A folder holding a different extraction
        (other paths, extractor or chunk size) is refused, not overwritten.
    chunk_size : int, default=256
        Images per chunk: the unit of work, of writing and of resuming.
    n_jobs : int, optional
        Chunks in parallel; None is serial in this process, other values go to
        :class:`joblib.Parallel` (threads unless a ``parallel_backend`` context says
        otherwise).
    on_error : {"raise", "record"}, default="raise"
        What an unreadable or unusable image does: "raise" stops with a ValueError
        naming its index and path (finished chunks stay done); "record" gives it a row
        of NaN and an entry in ``errors``.
    progress : bool, default=False
        Show a tqdm progress bar.
    verify : {"stat", "hash"}, default="stat"
        How a resumed run tells that a finished chunk's files changed: "stat" compares
        each file's size and modification time (nanoseconds), recorded when the chunk
        was extracted; "hash" compares size and SHA-256 of the contents (each file is
        read once more to hash it, and again for every finished chunk on resuming),
        which also catches a change that kept size and time, and ignores a ``touch``.

    Returns
    -------
    ExtractionResult
        ``features`` (a read-only memmap), ``paths`` and ``errors``.

    Examples
    --------
    >>> import os, tempfile, cv2, numpy as np
    >>> from featurevision.features import TinyImage
    >>> root = tempfile.mkdtemp()
    >>> paths = [os.path.join(root, f"{i}.png") for i in range(3)]
    >>> for i, path in enumerate(paths):
    ...     _ = cv2.imwrite(path, np.full((8, 8), 127 * i, np.uint8))
    >>> open(paths[1], "wb").close()  # an empty, corrupt file
    >>> result = extract_to_disk(TinyImage(size=2).fit(paths[:1]), paths,
    ...                          os.path.join(root, "out"), on_error="record")
    >>> result.features[:, 0]
    memmap([0.       ,       nan, 0.9960785], dtype=float32)
    >>> result.errors[0]["index"], result.errors[0]["error"][-31:]
    (1, '(corrupt or unsupported format)')
    """
    check_option("on_error", on_error, ("raise", "record"))
    check_option("verify", verify, ("stat", "hash"))
    check_scalar(chunk_size, "chunk_size", int, min_val=1)
    paths = _check_paths(paths)
    worker = _serial_copy(extractor)
    n_features = _n_features(worker)
    out = Path(out)
    manifest = {
        "format": 1,
        "n_images": len(paths),
        "n_features": n_features,
        "chunk_size": chunk_size,
        "paths_sha256": hashlib.sha256("\n".join(paths).encode("utf-8")).hexdigest(),
        "extractor_sha": joblib.hash(worker),
        "extractor": repr(worker),
    }
    _prepare(out, manifest, paths)

    bounds = [(a, min(a + chunk_size, len(paths))) for a in range(0, len(paths), chunk_size)]
    pending = _pending_chunks(out, paths, bounds, verify)
    done = len(paths) - sum(bounds[k][1] - bounds[k][0] for k in pending)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(paths), initial=done, desc=f"extract {type(extractor).__name__}",
                   unit="img")
    target = (str((out / FEATURES_FILE).resolve()), np.load(out / FEATURES_FILE, mmap_mode="r").offset)
    jobs = [(worker, k, paths[slice(*bounds[k])], bounds[k][0], n_features, on_error, target, verify)
            for k in pending]
    try:
        for k, errors, files in run_tasks(_extract_chunk, jobs, n_jobs, ordered=False):
            start, stop = bounds[k]
            # The task synced its rows before returning: a marker always means a complete chunk.
            _write_json(_marker(out, k), {"start": start, "stop": stop, "errors": errors, "files": files})
            if bar is not None:
                bar.update(stop - start)
    finally:
        if bar is not None:
            bar.close()
    errors = []
    for k in range(len(bounds)):
        errors.extend(json.loads(_marker(out, k).read_text(encoding="utf-8"))["errors"])
    _write_json(out / ERRORS_FILE, errors)
    return ExtractionResult(out, n_resumed=done)


def _check_paths(paths):
    if isinstance(paths, (str, bytes, os.PathLike)):
        raise TypeError("paths must be a sequence of file paths; one path is a list of one: [path]")
    paths = list(paths)
    if not paths:
        raise ValueError("paths: empty list (0 images)")
    checked = []
    for i, path in enumerate(paths):
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"paths[{i}]: expected a str or os.PathLike, got {type(path).__name__}")
        path = os.fspath(path)
        if "\n" in path or "\r" in path:
            raise ValueError(f"paths[{i}]: {path!r} contains a line break ({PATHS_FILE} is one path a line)")
        checked.append(path)
    return checked


def _serial_copy(extractor):
    """A copy of ``extractor`` that runs serially, quietly and uncached inside one task."""
    worker = copy.deepcopy(extractor)
    settings = {"n_jobs": None, "progress": False, "memory": None}
    worker.set_params(**{
        key: settings[key.rsplit("__", 1)[-1]]
        for key in worker.get_params(deep=True)
        if key.rsplit("__", 1)[-1] in settings
    })
    return worker


def _n_features(extractor):
    if not hasattr(extractor, "transform"):
        raise TypeError(
            f"extractor: expected a fitted transformer (with transform), got a {type(extractor).__name__}; "
            "of a pipeline ending in a classifier, pass the steps before it: pipeline[:-1]"
        )
    width = getattr(extractor, "n_features_out_", None)
    if width is None:
        # Raises NotFittedError (a ValueError) for an unfitted extractor.
        width = len(extractor.get_feature_names_out())
    return int(width)


def _marker(out, k):
    return out / CHUNKS_DIR / f"{k:07d}.json"


def _write_json(path, value):
    """Write ``path`` atomically: a reader sees the old file or the whole new one."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(value, f, indent=1)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _prepare(out, manifest, paths):
    """Start a fresh extraction in ``out``, or check that its manifest allows resuming."""
    manifest_path = out / MANIFEST_FILE
    if manifest_path.is_file():
        previous = json.loads(manifest_path.read_text(encoding="utf-8"))
        differ = [key for key in _RESUME_KEYS if previous.get(key) != manifest[key]]
        if differ:
            raise ValueError(
                f"{str(out)!r} holds another extraction (different {', '.join(differ)}); "
                "remove it or choose another output folder"
            )
        return
    out.mkdir(parents=True, exist_ok=True)
    (out / CHUNKS_DIR).mkdir(exist_ok=True)
    for stale in (out / CHUNKS_DIR).glob("*.json"):
        stale.unlink()
    (out / ERRORS_FILE).unlink(missing_ok=True)
    # A sparse file: no memory and, until written, almost no disk.
    blank = np.lib.format.open_memmap(
        out / FEATURES_FILE, mode="w+", dtype=np.float32, shape=(len(paths), manifest["n_features"])
    )
    del blank
    tmp = out / f".{PATHS_FILE}.tmp"
    tmp.write_text("".join(f"{p}\n" for p in paths), encoding="utf-8")
    os.replace(tmp, out / PATHS_FILE)
    # The manifest goes last: its presence means the folder is ready to resume.
    _write_json(manifest_path, manifest)


def _file_stamp(path, verify):
    """What tells that a file changed: ``[size, mtime_ns]``, plus its SHA-256 with "hash".

    None for a path that is missing or not a regular file (hashing a FIFO would block).
    """
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return None
    if not stat.S_ISREG(info.st_mode):
        return None
    stamp = [info.st_size, info.st_mtime_ns]
    if verify == "hash":
        digest = hashlib.sha256()
        try:
            with open(path, "rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    digest.update(block)
        except OSError:
            return None
        stamp.append(digest.hexdigest())
    return stamp


def _same_files(recorded, current, verify):
    """Whether the stamps of a chunk's files are unchanged (by size and time, or by hash)."""
    if recorded is None or len(recorded) != len(current):
        return False
    return all(_same_file(old, new, verify) for old, new in zip(recorded, current))


def _same_file(old, new, verify):
    if old is None or new is None:
        return old == new
    if verify == "stat":
        return old[:2] == new[:2]
    # A chunk extracted with verify="stat" holds no hash: it cannot be vouched for.
    return len(old) == 3 and (old[0], old[2]) == (new[0], new[2])


def _pending_chunks(out, paths, bounds, verify):
    """Chunks to (re)extract: unfinished ones and finished ones whose files changed since."""
    pending = []
    for k, (start, stop) in enumerate(bounds):
        marker = _marker(out, k)
        if marker.is_file():
            recorded = json.loads(marker.read_text(encoding="utf-8")).get("files")
            current = [_file_stamp(path, verify) for path in paths[start:stop]]
            if _same_files(recorded, current, verify):
                continue
            marker.unlink()
        pending.append(k)
    if pending:
        # The folder no longer holds a finished extraction until the pending chunks are done.
        (out / ERRORS_FILE).unlink(missing_ok=True)
    return pending


def _extract_chunk(extractor, k, paths, start, n_features, on_error, target, verify):
    """Extract one chunk, write its rows into the features file and sync them; runs in a worker.

    ``target`` is ``(path, data offset)`` of the ``.npy`` file. Returns ``(k, errors,
    files)``, ``files`` the stamps of the chunk's files taken before reading them (a file
    changed while being read then counts as changed on resuming).
    """
    try:
        files = [_file_stamp(path, verify) for path in paths]
        errors = _extract_and_write(extractor, paths, start, n_features, on_error, target)
        return k, errors, files
    except Exception as exc:
        portable = _portable(exc, start, paths)
        if portable is exc:
            raise
    # Raised outside the handler, so without a __context__: chained exceptions are
    # pickled too (tblib, which distributed installs), and the original would fail again.
    raise portable


def _extract_and_write(extractor, paths, start, n_features, on_error, target):
    """The chunk's rows, written and synced into the features file; returns its errors."""
    # The parallelism is across chunks: inside one, a FeatureUnion's own Parallel must
    # not nest on the caller's backend (on a Dask worker it hung in secede()).
    with parallel_config(backend="sequential"):
        rows, errors = _chunk_rows(extractor, paths, start, n_features, on_error)
    path, offset = target
    with open(path, "r+b") as features:  # each task its own handle: no shared file position
        features.seek(offset + start * n_features * rows.itemsize)
        features.write(memoryview(rows).cast("B"))
        features.flush()
        os.fsync(features.fileno())
    return errors


def _portable(exc, start, paths):
    """``exc`` if it survives pickling, else a plain ValueError, TypeError or RuntimeError
    naming the chunk's images: a worker's exception that cannot be pickled never reaches
    the caller, who then waits forever."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        kind = next((t for t in (ValueError, TypeError) if isinstance(exc, t)), RuntimeError)
        where = f"images {start}–{start + len(paths) - 1} ({paths[0]!r}, ...)"
        return kind(f"{where}: {type(exc).__name__}: {exc}")
    return exc


def _chunk_rows(extractor, paths, start, n_features, on_error):
    """Rows (float32, C order) and errors of one chunk."""
    batch = ImageBatch(paths, offset=start)  # errors then name the image by its global index
    try:
        X = extractor.transform(batch)
    except (ValueError, TypeError):
        if on_error == "raise":
            raise
    else:
        return _rows(X, len(paths), n_features), []
    # Something in the chunk failed: redo it image by image to isolate the bad ones.
    rows = np.full((len(paths), n_features), np.nan, dtype=np.float32)
    errors = []
    for i in range(len(paths)):
        try:
            X = extractor.transform(batch[i:i + 1])
        except (ValueError, TypeError) as exc:
            errors.append({"index": start + i, "path": paths[i], "error": str(exc)})
        else:
            rows[i] = _rows(X, 1, n_features)[0]
    return rows, errors


def _rows(X, n_rows, n_features):
    """``X`` as float32 rows, checked: a wrong shape is a bug of the extractor, not of an image."""
    X = np.ascontiguousarray(X.toarray() if hasattr(X, "toarray") else X, dtype=np.float32)
    if X.shape != (n_rows, n_features):
        raise ValueError(
            f"the extractor returned shape {X.shape} for {n_rows} images; expected ({n_rows}, {n_features})"
        )
    return X
