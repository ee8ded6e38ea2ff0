"""extract_to_disk: rows equal transform's, errors recorded not dropped, resume, atomicity."""

import copy
import json

import cv2
import numpy as np
import pytest

from featurevision import extract
from featurevision.extract import ExtractionResult, extract_to_disk
from featurevision.features import TinyImage, make_features


@pytest.fixture(scope="module")
def image_paths(tmp_path_factory):
    """Twenty real 64×64 crops (gray and colour) written as PNG files."""
    from skimage import data

    root = tmp_path_factory.mktemp("images")
    sources = [data.camera(), data.astronaut(), data.coins(), data.chelsea(), data.moon()]
    paths = []
    for i in range(20):
        image = sources[i % 5][8 * i:8 * i + 64, 5 * i:5 * i + 64]
        if image.ndim == 3:
            image = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
        paths.append(str(root / f"{i:02d}.png"))
        cv2.imwrite(paths[-1], image)
    return paths


@pytest.fixture(scope="module")
def tiny(image_paths):
    return TinyImage(size=6, color=True).fit(image_paths)


def test_rows_equal_transform_in_order(tiny, image_paths, tmp_path):
    result = extract_to_disk(tiny, image_paths, tmp_path / "out", chunk_size=6)
    assert isinstance(result.features, np.memmap) and result.features.dtype == np.float32
    np.testing.assert_array_equal(result.features, tiny.transform(image_paths))
    assert result.paths == image_paths and result.errors == []
    assert (tmp_path / "out" / "paths.txt").read_text().splitlines() == image_paths
    assert sorted(p.name for p in (tmp_path / "out" / "chunks").iterdir()) == [
        f"{k:07d}.json" for k in range(4)
    ]


def test_parallel_chunks_match_serial(tiny, image_paths, tmp_path):
    serial = extract_to_disk(tiny, image_paths, tmp_path / "serial", chunk_size=3)
    threads = extract_to_disk(tiny, image_paths, tmp_path / "threads", chunk_size=3, n_jobs=2)
    np.testing.assert_array_equal(threads.features, serial.features)


def test_feature_union_of_extractors(image_paths, tmp_path):
    union = make_features("tiny+tiny").set_params(tiny2__size=3).fit(image_paths)
    result = extract_to_disk(union, image_paths, tmp_path / "out", chunk_size=7)
    assert result.features.shape == (20, 16 * 16 + 3 * 3)
    np.testing.assert_array_equal(result.features, union.transform(image_paths))


@pytest.fixture
def with_bad_files(image_paths, tmp_path):
    """The batch with image 4 corrupt (garbage bytes) and image 13 missing."""
    paths = list(image_paths)
    paths[4] = str(tmp_path / "corrupt.png")
    with open(paths[4], "wb") as f:
        f.write(b"\x89PNG not really")
    paths[13] = str(tmp_path / "gone.png")
    return paths


def test_record_gives_nan_rows_and_error_lines(tiny, image_paths, with_bad_files, tmp_path):
    result = extract_to_disk(tiny, with_bad_files, tmp_path / "out", chunk_size=5, on_error="record")
    assert result.features.shape == (20, tiny.n_features_out_)
    bad = np.isnan(result.features).all(axis=1)
    assert np.flatnonzero(bad).tolist() == [4, 13]
    good = [i for i in range(20) if not bad[i]]
    np.testing.assert_array_equal(result.features[good], tiny.transform([image_paths[i] for i in good]))
    assert [(e["index"], e["path"]) for e in result.errors] == [(4, with_bad_files[4]), (13, with_bad_files[13])]
    assert "not a readable image" in result.errors[0]["error"]
    assert "file not found" in result.errors[1]["error"]
    # The error names the image by its index in the whole list, not in its chunk.
    assert result.errors[1]["error"].startswith("image 13 ")
    assert json.loads((tmp_path / "out" / "errors.json").read_text()) == result.errors


def test_raise_names_the_image_and_keeps_finished_chunks(tiny, with_bad_files, tmp_path):
    out = tmp_path / "out"
    with pytest.raises(ValueError, match=r"image 4 \('.*corrupt.png'\): not a readable image"):
        extract_to_disk(tiny, with_bad_files, out, chunk_size=2)
    assert sorted(p.name for p in (out / "chunks").iterdir()) == ["0000000.json", "0000001.json"]
    with pytest.raises(ValueError, match="no finished extraction"):
        ExtractionResult(out)


def test_resume_skips_finished_chunks(tiny, image_paths, with_bad_files, tmp_path):
    out = tmp_path / "out"
    with pytest.raises(ValueError):
        extract_to_disk(tiny, with_bad_files, out, chunk_size=4)
    # Mark the finished chunk 0 on disk: if the rerun skips it, the mark survives.
    rows = np.load(out / "features.npy", mmap_mode="r+")
    rows[:4] = -1.0
    rows.flush()
    del rows
    cv2.imwrite(with_bad_files[4], cv2.imread(image_paths[4]))  # repair the files in place
    cv2.imwrite(with_bad_files[13], cv2.imread(image_paths[13]))
    result = extract_to_disk(tiny, with_bad_files, out, chunk_size=4)
    assert (result.features[:4] == -1.0).all()
    np.testing.assert_array_equal(result.features[4:], tiny.transform(image_paths[4:]))


def test_crash_between_rows_and_marker_redoes_the_chunk(tiny, image_paths, tmp_path, monkeypatch):
    out = tmp_path / "out"
    write_json = extract._write_json

    def crash_on_chunk_2(path, value):
        if path.name == "0000002.json":
            raise KeyboardInterrupt
        write_json(path, value)

    monkeypatch.setattr(extract, "_write_json", crash_on_chunk_2)
    with pytest.raises(KeyboardInterrupt):
        extract_to_disk(tiny, image_paths, out, chunk_size=5)
    monkeypatch.setattr(extract, "_write_json", write_json)
    assert not (out / "chunks" / "0000002.json").exists()  # its rows were written, yet not done
    rows = np.load(out / "features.npy", mmap_mode="r+")
    rows[10:15] = -1.0  # as if the crash had cut the chunk's rows short
    rows.flush()
    del rows
    result = extract_to_disk(tiny, image_paths, out, chunk_size=5)
    np.testing.assert_array_equal(result.features, tiny.transform(image_paths))


def test_refuses_a_folder_holding_another_extraction(tiny, image_paths, tmp_path):
    extract_to_disk(tiny, image_paths, tmp_path / "out", chunk_size=5)
    with pytest.raises(ValueError, match="holds another extraction .*paths_sha256"):
        extract_to_disk(tiny, image_paths[::-1], tmp_path / "out", chunk_size=5)
    with pytest.raises(ValueError, match="chunk_size"):
        extract_to_disk(tiny, image_paths, tmp_path / "out", chunk_size=4)
    other = TinyImage(size=6, color=True, normalize=True).fit(image_paths)
    with pytest.raises(ValueError, match="extractor_sha"):
        extract_to_disk(other, image_paths, tmp_path / "out", chunk_size=5)
    # Parallelism is not part of what was extracted: a different n_jobs resumes.
    parallel = copy.deepcopy(tiny).set_params(n_jobs=2, progress=True)
    again = extract_to_disk(parallel, image_paths, tmp_path / "out", chunk_size=5)
    assert again.features.shape == (20, tiny.n_features_out_)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"paths": "one.png"}, TypeError, "list of one"),
        ({"paths": []}, ValueError, "empty"),
        ({"paths": [3]}, TypeError, r"paths\[0\]"),
        ({"paths": ["a\nb.png"]}, ValueError, "line break"),
        ({"on_error": "skip"}, ValueError, "on_error"),
        ({"chunk_size": 0}, ValueError, "chunk_size"),
    ],
)
def test_bad_arguments(tiny, image_paths, tmp_path, kwargs, error, match):
    args = {"paths": image_paths, "out": tmp_path / "out", **kwargs}
    with pytest.raises(error, match=match):
        extract_to_disk(tiny, **args)


def test_unfitted_extractor_is_refused(image_paths, tmp_path):
    with pytest.raises(ValueError, match="not fitted"):
        extract_to_disk(make_features("tiny+tiny"), image_paths, tmp_path / "out")


def _rewrite_keeping_stamp(path, image):
    """Write ``image`` over ``path`` and put the old modification time back."""
    import os

    before = os.stat(path)
    cv2.imwrite(path, image)
    assert os.stat(path).st_size == before.st_size
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


def _touch(path):
    import os

    os.utime(path, ns=(0, os.stat(path).st_mtime_ns + 10**9))


@pytest.fixture
def copies(image_paths, tmp_path):
    """Copies of the images that a test may change."""
    import shutil

    root = tmp_path / "copies"
    root.mkdir()
    return [shutil.copy(path, root) for path in image_paths]


def _mark_rows(out, rows):
    features = np.load(out / "features.npy", mmap_mode="r+")
    features[rows] = -1.0
    features.flush()


def test_resume_redoes_chunks_whose_files_changed(tiny, copies, image_paths, tmp_path):
    out = tmp_path / "out"
    extract_to_disk(tiny, copies, out, chunk_size=5)
    _mark_rows(out, slice(None))  # rows of skipped chunks keep the mark
    cv2.imwrite(copies[7], cv2.imread(image_paths[8]))  # changed: size and time differ
    _touch(copies[12])
    result = extract_to_disk(tiny, copies, out, chunk_size=5)
    redone = np.flatnonzero((result.features != -1.0).all(axis=1)).tolist()
    assert redone == list(range(5, 15))
    np.testing.assert_array_equal(result.features[5:15], tiny.transform(copies[5:15]))
    np.testing.assert_array_equal(result.features[7], tiny.transform([image_paths[8]])[0])


def test_resume_with_hashes_sees_changes_that_keep_size_and_time(tiny, image_paths, tmp_path):
    # BMP: the same shape gives the same file size whatever the pixels.
    bmps = [str(tmp_path / f"{i}.bmp") for i in range(10)]
    for bmp, path in zip(bmps, image_paths):
        cv2.imwrite(bmp, cv2.imread(path))
    original, changed = cv2.imread(bmps[3]), cv2.imread(bmps[4])
    # "stat" misses a change that kept size and time, and redoes a touched file's chunk;
    # "hash" the other way round.
    for verify, redone in [("stat", [5, 6, 7, 8, 9]), ("hash", [0, 1, 2, 3, 4])]:
        out = tmp_path / verify
        extract_to_disk(tiny, bmps, out, chunk_size=5, verify=verify)
        _mark_rows(out, slice(None))
        _rewrite_keeping_stamp(bmps[3], changed)
        _touch(bmps[8])
        result = extract_to_disk(tiny, bmps, out, chunk_size=5, verify=verify)
        assert np.flatnonzero((result.features != -1.0).all(axis=1)).tolist() == redone, verify
        _rewrite_keeping_stamp(bmps[3], original)
    np.testing.assert_array_equal(result.features[3], tiny.transform([image_paths[4]])[0])
    with pytest.raises(ValueError, match="verify"):
        extract_to_disk(tiny, bmps, tmp_path / "x", verify="mtime")


def test_files_that_cannot_be_read_safely_are_recorded(tiny, image_paths, tmp_path):
    import os
    import threading

    from . import crafted_images

    paths = list(image_paths[:6])
    paths[1] = str(tmp_path / "fifo.png")
    os.mkfifo(paths[1])  # reading it would block forever
    paths[3] = str(tmp_path / "huge.png")
    with open(paths[3], "wb") as f:
        f.write(crafted_images.png_bytes(100_000, 100_000))
    paths[4] = str(tmp_path / "huge.jpg")
    with open(paths[4], "wb") as f:
        f.write(crafted_images.jpeg_bytes(65_500, 65_500))
    done = {}
    thread = threading.Thread(target=lambda: done.setdefault("result", extract_to_disk(
        tiny, paths, tmp_path / "out", chunk_size=3, on_error="record")), daemon=True)
    thread.start()
    thread.join(60)
    if thread.is_alive():  # unblock the reader before failing
        os.close(os.open(paths[1], os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail("extract_to_disk blocked on a FIFO")
    errors = done["result"].errors
    assert [e["index"] for e in errors] == [1, 3, 4]
    assert "not a regular file" in errors[0]["error"]
    assert "declares 100000×100000 pixels" in errors[1]["error"]
    assert "declares 65500×65500 pixels" in errors[2]["error"]
