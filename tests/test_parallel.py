"""run_tasks and map_images: order, and OpenCV's process-wide thread count under
concurrent parallel maps."""

import threading

import cv2
import numpy as np
import pytest

from featurevision._parallel import map_images, run_tasks, single_threaded_cv2
from featurevision.features import TinyImage


@pytest.fixture
def four_cv2_threads():
    before = cv2.getNumThreads()
    cv2.setNumThreads(4)
    yield 4
    cv2.setNumThreads(before)


def test_overlapping_parallel_maps_restore_opencv_threads(four_cv2_threads):
    # Map A runs; map B starts while A's workers hold OpenCV at one thread; A ends, then
    # B. Each saving and restoring its own value left the process at one thread.
    a_running, b_started = threading.Event(), threading.Event()

    def slow(batch):
        a_running.set()
        assert b_started.wait(10)
        return len(batch)

    images = np.zeros((2, 4, 4), np.uint8)
    a = threading.Thread(target=lambda: list(map_images(slow, images, n_jobs=2, chunk_size=1)))
    a.start()
    assert a_running.wait(10)
    b = map_images(len, images, n_jobs=2, chunk_size=1)
    next(b)
    assert cv2.getNumThreads() == 1
    serial = list(map_images(len, images))  # a serial map meanwhile changes nothing
    b_started.set()
    a.join(10)
    assert cv2.getNumThreads() == 1  # B still runs
    assert [r for _, _, r in b] == [1] and [r for _, _, r in serial] == [1, 1]
    assert cv2.getNumThreads() == four_cv2_threads


def test_concurrent_transforms_leave_opencv_threads_alone(four_cv2_threads, small_batch):
    tiny = TinyImage(size=4, n_jobs=2).fit(small_batch)
    expected = tiny.transform(small_batch)
    results = []

    def work():
        for _ in range(20):
            results.append(tiny.transform(small_batch))

    threads = [threading.Thread(target=work) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(results) == 60 and all(np.array_equal(r, expected) for r in results)
    assert cv2.getNumThreads() == four_cv2_threads


def test_nested_single_threaded_blocks(four_cv2_threads):
    with single_threaded_cv2():
        with single_threaded_cv2():
            assert cv2.getNumThreads() == 1
        assert cv2.getNumThreads() == 1
    assert cv2.getNumThreads() == four_cv2_threads


@pytest.mark.parametrize("ordered", [True, False])
def test_run_tasks_yields_in_order_or_as_tasks_finish(ordered, four_cv2_threads):
    # The first task waits until the second has finished: in order, the second's result
    # still comes second; unordered, it comes first.
    second_done = threading.Event()

    def task(k):
        if k == 0:
            assert second_done.wait(10)
        else:
            second_done.set()
        assert cv2.getNumThreads() == 1
        return k

    results = list(run_tasks(task, [(0,), (1,)], n_jobs=2, ordered=ordered))
    assert results == ([0, 1] if ordered else [1, 0])
    assert cv2.getNumThreads() == 4


def test_a_map_closed_early_gives_opencv_its_threads_back(four_cv2_threads):
    chunks = map_images(len, np.zeros((4, 2, 2)), n_jobs=2, chunk_size=1)
    next(chunks)
    assert cv2.getNumThreads() == 1
    chunks.close()
    assert cv2.getNumThreads() == 4
