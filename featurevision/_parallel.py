"""The one parallel map: tasks in order or as they finish, and chunked image batches."""

from __future__ import annotations

import contextlib
import math
import os
import threading

import cv2
from joblib import Parallel, delayed, effective_n_jobs

from ._images import check_images

__all__ = ["apply_each", "chunk_bounds", "map_images", "run_chunk", "run_tasks",
           "single_threaded_cv2"]

#: Most images per task: bounds memory when a batch of paths is read in a worker.
MAX_CHUNK = 256


def chunk_bounds(n_images, n_jobs=None, chunk_size=None):
    """Split ``range(n_images)`` into contiguous ``(start, stop)`` chunks.

    Several chunks per worker keep both workers busy to the end; at most
    :data:`MAX_CHUNK` images per chunk keep memory bounded.

    Examples
    --------
    >>> chunk_bounds(10, chunk_size=4)
    [(0, 4), (4, 8), (8, 10)]
    """
    if chunk_size is None:
        workers = 1 if n_jobs is None else effective_n_jobs(n_jobs)
        chunk_size = min(MAX_CHUNK, max(1, math.ceil(n_images / (4 * workers))))
    return [(start, min(start + chunk_size, n_images)) for start in range(0, n_images, chunk_size)]


def _named(exc, name):
    """``exc`` again, its message prefixed with the image's name (index and path)."""
    try:
        return type(exc)(f"{name}: {exc}")
    except TypeError:  # an exception class whose constructor takes other arguments
        return ValueError(f"{name}: {type(exc).__name__}: {exc}")


def apply_each(func, chunk):
    """``[func(image) for image in chunk]``, where an error names the image that raised it.

    The one place that turns an algorithm's ValueError or TypeError into one that says
    which image (index in the user's batch, and path) it came from; an OpenCV error
    becomes a ValueError the same way.

    Examples
    --------
    >>> import numpy as np
    >>> from featurevision._images import check_images
    >>> apply_each(lambda image: image.shape, check_images(np.zeros((2, 3, 4))))
    [(3, 4), (3, 4)]
    >>> apply_each(lambda image: 1 / 0 if image.sum() else 0, check_images([np.ones((2, 2))]))
    Traceback (most recent call last):
    ...
    ZeroDivisionError: division by zero
    """
    out = []
    for i in range(len(chunk)):
        try:
            out.append(func(chunk[i]))
        except (ValueError, TypeError) as exc:
            raise _named(exc, chunk.name(i)) from exc
        except cv2.error as exc:
            raise ValueError(f"{chunk.name(i)}: OpenCV: {exc}") from exc
    return out


# OpenCV's thread count is one setting for the whole process. Parallel maps running at
# the same time in several threads share it: the first to start saves it and sets 1,
# the last to finish restores it. (Each saving and restoring its own left the process
# at one thread when two overlapped.)
_cv2_lock = threading.Lock()
_cv2_users = 0
_cv2_saved = None


@contextlib.contextmanager
def single_threaded_cv2():
    """Hold OpenCV at one thread in this process while the block runs; thread-safe.

    OpenCV's own thread pool under joblib workers oversubscribes the cores (Harris ran
    6× slower); the outer parallelism is enough. Nested and concurrent uses share one
    saved value, restored when the last of them ends.

    Examples
    --------
    >>> import cv2
    >>> before = cv2.getNumThreads()
    >>> with single_threaded_cv2():
    ...     cv2.getNumThreads()
    1
    >>> cv2.getNumThreads() == before
    True
    """
    global _cv2_users, _cv2_saved
    with _cv2_lock:
        if _cv2_users == 0:
            _cv2_saved = cv2.getNumThreads()
            cv2.setNumThreads(1)
        _cv2_users += 1
    try:
        yield
    finally:
        with _cv2_lock:
            _cv2_users -= 1
            if _cv2_users == 0:
                cv2.setNumThreads(_cv2_saved)


def run_chunk(func, *args, driver_pid=None):
    """``func(*args)`` in a joblib worker, with OpenCV at one thread there.

    A worker thread of the calling process (``driver_pid``) is covered by the caller's
    :func:`single_threaded_cv2`; a worker process (loky, Dask) sets its own OpenCV to one
    thread for the rest of its life, which is the worker's whole job.

    Examples
    --------
    >>> run_chunk(len, [1, 2, 3], driver_pid=os.getpid())
    3
    """
    if os.getpid() != driver_pid:
        cv2.setNumThreads(1)
    return func(*args)


def run_tasks(func, tasks, n_jobs=None, ordered=True):
    """Yield ``func(*task)`` for each task: in the tasks' order, or as they finish.

    Parameters
    ----------
    func : callable
    tasks : iterable of tuples
        The arguments of each call.
    n_jobs : int or None
        None (or one effective job) runs serially in this process, with no joblib at
        all: under a user's ``joblib.parallel_backend("dask")`` a None would otherwise
        fan out per task. Other values go to :class:`joblib.Parallel` with
        ``prefer="threads"``, which an active ``parallel_backend`` context (loky, dask)
        overrides; OpenCV stays at one thread meanwhile (:func:`single_threaded_cv2`,
        :func:`run_chunk`).
    ordered : bool, default=True
        False yields each result as soon as its task finishes (a caller that records
        which task it was, such as a resumable extraction, loses no time to a slow one).

    Yields
    ------
    object
        ``func(*task)``.

    Examples
    --------
    >>> list(run_tasks(pow, [(2, 3), (3, 2)]))
    [8, 9]
    >>> sorted(run_tasks(pow, [(2, 3), (3, 2)], n_jobs=2, ordered=False))
    [8, 9]
    """
    if n_jobs is None or effective_n_jobs(n_jobs) == 1:
        yield from (func(*task) for task in tasks)
        return
    with single_threaded_cv2():
        parallel = Parallel(n_jobs=n_jobs, prefer="threads",
                            return_as="generator" if ordered else "generator_unordered")
        pid = os.getpid()
        yield from parallel(delayed(run_chunk)(func, *task, driver_pid=pid) for task in tasks)


def map_images(func, images, n_jobs=None, progress=False, chunk_size=None, desc=None):
    """Apply ``func`` to contiguous chunks of a batch, yielding results in order.

    ``func`` receives an :class:`~featurevision._images.ImageBatch` (a chunk) and returns
    anything; results come back chunk by chunk, in input order, so a caller can write
    them into a preallocated array and memory stays bounded. Only the chunk's own items
    travel to a worker (a slice of the stack, or of the list of paths).

    Parameters
    ----------
    func : callable
        ``func(batch) -> result`` for one chunk.
    images : array, sequence of arrays or sequence of paths
        The batch (validated with :func:`~featurevision._images.check_images`).
    n_jobs : int or None
        As in :func:`run_tasks`.
    progress : bool
        Show a tqdm progress bar, updated per chunk. Off by default.
    chunk_size : int, optional
        Images per chunk; by default about four chunks per worker, at most 256.
    desc : str, optional
        The progress bar's label.

    Yields
    ------
    (start, stop, result)
        For each chunk, in order.

    Examples
    --------
    >>> import numpy as np
    >>> chunks = map_images(len, np.zeros((5, 2, 2)), chunk_size=2)
    >>> [r for _, _, r in chunks]
    [2, 2, 1]
    """
    batch = check_images(images)
    bounds = chunk_bounds(len(batch), n_jobs, chunk_size)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(batch), desc=desc, unit="img")
    results = run_tasks(func, ((batch[a:b],) for a, b in bounds), n_jobs)
    try:
        for (start, stop), result in zip(bounds, results):
            if bar is not None:
                bar.update(stop - start)
            yield start, stop, result
    finally:
        results.close()
        if bar is not None:
            bar.close()
