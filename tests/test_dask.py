"""Every n_jobs runs unchanged on a real Dask cluster: same results as serial, same errors.

One LocalCluster (2 worker processes, 1 thread each) serves the whole module.
"""

import cv2
import numpy as np
import pytest
from joblib import parallel_backend
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from featurevision.datasets import load_digits
from featurevision.extract import extract_to_disk
from featurevision.features import TinyImage, make_features

pytest.importorskip("dask")
distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
    with cluster, distributed.Client(cluster) as client:
        yield client


@pytest.fixture(scope="module")
def digits():
    d = load_digits()
    return d.images[:240], d.target[:240]


@pytest.fixture(scope="module")
def paths(digits, tmp_path_factory):
    root = tmp_path_factory.mktemp("digits")
    paths = [str(root / f"{i:03d}.png") for i in range(60)]
    for path, image in zip(paths, digits[0]):
        cv2.imwrite(path, image)
    return paths


def _on_dask(client, func):
    """``func()`` under the dask backend, and how many tasks the cluster ran for it."""
    with distributed.get_task_stream(client) as tasks, parallel_backend("dask"):
        result = func()
    return result, len(tasks.data)


@pytest.mark.parametrize("n_jobs", [None, 1, 2, -1])
def test_extraction_matches_serial(client, paths, n_jobs):
    tiny = TinyImage(size=4).fit(paths)
    serial = tiny.transform(paths)
    on_dask, n_tasks = _on_dask(client, lambda: tiny.set_params(n_jobs=n_jobs).transform(paths))
    np.testing.assert_array_equal(on_dask, serial)
    # n_jobs=None (and 1) stays in this process: no task per image or chunk on the cluster.
    assert (n_tasks > 0) == (n_jobs not in (None, 1))


def test_feature_union_matches_serial(client, paths):
    # The FeatureUnion's own n_jobs=None sends each extractor to the cluster as a task
    # (scikit-learn's choice); each extractor then runs its chunks there.
    union = make_features("tiny+tiny", n_jobs=2).set_params(tiny__size=4, tiny2__size=3)
    serial = union.fit(paths).set_params(tiny__n_jobs=None, tiny2__n_jobs=None).transform(paths)
    on_dask, _ = _on_dask(client, lambda: union.set_params(tiny__n_jobs=2, tiny2__n_jobs=2).transform(paths))
    np.testing.assert_array_equal(on_dask, serial)


def test_stack_chunks_match_threads(client, digits):
    # A stack goes through TinyImage's vectorised path, whose float rounding depends on
    # how the stack is chunked; the dask run chunks exactly as local threads do.
    images = digits[0]
    threads = TinyImage(size=4, n_jobs=2).fit_transform(images)
    on_dask, n_tasks = _on_dask(client, lambda: TinyImage(size=4, n_jobs=2).fit_transform(images))
    np.testing.assert_array_equal(on_dask, threads)
    np.testing.assert_allclose(on_dask, TinyImage(size=4).fit_transform(images), rtol=0, atol=1e-6)
    assert n_tasks > 0


def test_extract_to_disk_matches_serial(client, paths, tmp_path):
    tiny = TinyImage(size=5).fit(paths)
    serial = extract_to_disk(tiny, paths, tmp_path / "serial", chunk_size=8)
    on_dask, n_tasks = _on_dask(
        client, lambda: extract_to_disk(tiny, paths, tmp_path / "dask", chunk_size=8, n_jobs=2))
    np.testing.assert_array_equal(on_dask.features, serial.features)
    assert n_tasks > 0


def test_grid_search_matches_serial(client, digits):
    images, y = digits
    grid = {"tinyimage__size": [4, 8], "logisticregression__C": [0.01, 1.0]}

    def search(n_jobs, extractor_jobs):
        model = make_pipeline(TinyImage(n_jobs=extractor_jobs), LogisticRegression(max_iter=500))
        return GridSearchCV(model, grid, cv=3, n_jobs=n_jobs).fit(images, y)

    serial = search(None, None)
    on_dask, n_tasks = _on_dask(client, lambda: search(-1, 2))
    np.testing.assert_array_equal(on_dask.cv_results_["mean_test_score"],
                                  serial.cv_results_["mean_test_score"])
    assert on_dask.best_params_ == serial.best_params_
    np.testing.assert_array_equal(on_dask.predict(images), serial.predict(images))
    assert n_tasks > 0


@pytest.fixture
def with_corrupt(paths, tmp_path):
    bad = list(paths)
    bad[37] = str(tmp_path / "corrupt.png")
    with open(bad[37], "wb") as f:
        f.write(b"not an image")
    return bad


def test_worker_error_is_the_original_value_error(client, with_corrupt):
    tiny = TinyImage(size=4, n_jobs=2).fit(with_corrupt[:5])
    with pytest.raises(ValueError, match=r"^image 37 \('.*corrupt.png'\): not a readable image"):
        _on_dask(client, lambda: tiny.transform(with_corrupt))


def test_extract_to_disk_worker_errors(client, with_corrupt, tmp_path):
    tiny = TinyImage(size=4).fit(with_corrupt[:5])
    with pytest.raises(ValueError, match=r"^image 37 \('.*corrupt.png'\): not a readable image"):
        _on_dask(client, lambda: extract_to_disk(tiny, with_corrupt, tmp_path / "a", chunk_size=8, n_jobs=2))
    recorded, _ = _on_dask(client, lambda: extract_to_disk(
        tiny, with_corrupt, tmp_path / "b", chunk_size=8, n_jobs=2, on_error="record"))
    assert [e["index"] for e in recorded.errors] == [37]
    assert np.isnan(recorded.features[37]).all() and not np.isnan(np.delete(recorded.features, 37, 0)).any()


def _within(seconds, func):
    """``func()``, failing the test (instead of hanging it) when it does not return in time."""
    import threading

    outcome = {}

    def call():
        try:
            outcome["value"] = func()
        except BaseException as exc:  # handed to the test's thread
            outcome["error"] = exc

    thread = threading.Thread(target=call, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"no answer within {seconds} s"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def test_feature_union_with_a_bad_image_records_it(client, paths, tmp_path):
    # The per-image retry on a worker ran the FeatureUnion's own Parallel nested on Dask,
    # which failed in secede() with an exception that could not come back: a hang.
    bad = list(paths[:12])
    bad[5] = str(tmp_path / "empty.png")
    open(bad[5], "wb").close()
    union = make_features("hog+lbp").fit(paths[:4])
    result, n_tasks = _within(60, lambda: _on_dask(client, lambda: extract_to_disk(
        union, bad, tmp_path / "out", chunk_size=4, n_jobs=2, on_error="record")))
    assert [e["index"] for e in result.errors] == [5] and n_tasks > 0
    good = [i for i in range(12) if i != 5]
    np.testing.assert_allclose(result.features[good], union.transform([bad[i] for i in good]),
                               rtol=1e-6, atol=1e-6)


class Unpicklable(Exception):
    """An error holding a lock: it cannot be pickled back from a worker process."""

    def __init__(self, message):
        super().__init__(message)
        import threading

        self.lock = threading.Lock()


class FailsOnWorkers(TinyImage):
    """TinyImage whose transform raises an unpicklable error."""

    def transform(self, X):
        raise Unpicklable("a lock inside")


def test_unpicklable_worker_errors_come_back(client, paths, tmp_path):
    failing = FailsOnWorkers(size=4).fit(paths[:4])
    with pytest.raises(RuntimeError, match=r"^images (0–7|8–15) \('.*0[01][0-9].png', ...\): Unpicklable: a lock inside"):
        _within(60, lambda: _on_dask(client, lambda: extract_to_disk(
            failing, paths[:16], tmp_path / "out", chunk_size=8, n_jobs=2)))
