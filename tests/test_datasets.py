import gzip

import cv2
import numpy as np
import pytest

from featurevision.datasets import (
    load_cifar10,
    load_dataset,
    load_digits,
    load_faces,
    load_idx,
    load_image_folder,
    load_npz,
    load_textures,
    train_val_test_split,
)
from tests.conftest import shared_file


def test_bundled_sets_are_real_and_labelled():
    digits, textures, faces = load_digits(), load_textures(), load_faces()
    assert digits.images.dtype == np.uint8 and digits.images.max() == 255
    assert len(digits.images) == len(digits.target) == 1797
    assert textures.images.shape == (192, 64, 64)
    assert np.bincount(textures.target).tolist() == [64, 64, 64]
    # patches of different photographs differ: the brick mean differs from the grass mean
    assert abs(textures.images[textures.target == 0].mean() - textures.images[textures.target == 1].mean()) > 1
    assert faces.images.shape == (200, 25, 25) and faces.target.sum() == 100
    with pytest.raises(ValueError, match="patch_size"):
        load_textures(patch_size=0)


def test_image_folder_lazy_and_eager(tmp_path):
    for cls, value in (("cats", 10), ("dogs", 200)):
        (tmp_path / cls).mkdir()
        for i in range(3):
            cv2.imwrite(str(tmp_path / cls / f"{i}.png"), np.full((5, 7), value, np.uint8))
    (tmp_path / "dogs" / "notes.txt").write_text("not an image")
    lazy = load_image_folder(tmp_path)
    assert lazy.target_names.tolist() == ["cats", "dogs"]
    assert lazy.target.tolist() == [0, 0, 0, 1, 1, 1]
    assert all(isinstance(p, str) for p in lazy.images)
    eager = load_image_folder(tmp_path, lazy=False)
    assert eager.images[4][0, 0] == 200
    with pytest.raises(ValueError, match="not a folder"):
        load_image_folder(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no images"):
        load_image_folder(tmp_path / "empty")


def _write_idx(path, array, compress):
    codes = {np.uint8: 0x08}
    header = bytes([0, 0, codes[array.dtype.type], array.ndim])
    header += b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    opener = gzip.open if compress else open
    with opener(path, "wb") as f:
        f.write(header + array.tobytes())


@pytest.mark.parametrize("compress", [False, True])
def test_idx_round_trip(tmp_path, compress):
    images = np.random.default_rng(0).integers(0, 255, (4, 6, 5)).astype(np.uint8)
    labels = np.array([3, 1, 3, 0], np.uint8)
    _write_idx(tmp_path / "train-images-idx3-ubyte", images, compress)
    _write_idx(tmp_path / "train-labels-idx1-ubyte", labels, compress)
    bunch = load_idx(tmp_path / "train-images-idx3-ubyte", tmp_path / "train-labels-idx1-ubyte")
    np.testing.assert_array_equal(bunch.images, images)
    assert bunch.target.tolist() == [3, 1, 3, 0]
    assert load_dataset(tmp_path / "train-images-idx3-ubyte").target.tolist() == [3, 1, 3, 0]
    (tmp_path / "bad").write_bytes(b"\x01\x02\x03\x04")
    with pytest.raises(ValueError, match="not an IDX file"):
        load_idx(tmp_path / "bad")


def test_cifar10_binary(tmp_path):
    rng = np.random.default_rng(1)
    rgb = rng.integers(0, 255, (3, 32, 32, 3)).astype(np.uint8)
    labels = np.array([9, 0, 4], np.uint8)
    records = np.concatenate([labels[:, None], rgb.transpose(0, 3, 1, 2).reshape(3, -1)], axis=1)
    folder = tmp_path / "cifar-10-batches-bin"
    folder.mkdir()
    records[:2].tofile(folder / "data_batch_1.bin")
    records[2:].tofile(folder / "data_batch_2.bin")
    bunch = load_cifar10(folder)
    np.testing.assert_array_equal(bunch.images, rgb)
    assert bunch.target.tolist() == [9, 0, 4] and bunch.target_names[9] == "truck"
    (folder / "data_batch_3.bin").write_bytes(b"short")
    with pytest.raises(ValueError, match="not a multiple"):
        load_cifar10(folder)


def test_npz_keys_and_errors(tmp_path):
    np.savez(tmp_path / "a.npz", X_train=np.zeros((2, 3, 3), np.uint8), y_train=[1, 0],
             class_names=np.array(["a", "b"]))
    bunch = load_dataset(tmp_path / "a.npz")
    assert bunch.target_names.tolist() == ["a", "b"] and bunch.target.tolist() == [1, 0]
    np.savez(tmp_path / "b.npz", other=np.zeros(3))
    with pytest.raises(ValueError, match="none of the image arrays"):
        load_npz(tmp_path / "b.npz")
    with pytest.raises(ValueError, match="neither a bundled dataset"):
        load_dataset(tmp_path / "missing.npz")


def test_split_is_80_10_10_stratified_and_disjoint():
    digits = load_digits()
    X_train, X_val, X_test, y_train, y_val, y_test = train_val_test_split(
        digits.images, digits.target, random_state=0)
    assert (len(X_train), len(X_val), len(X_test)) == (1437, 180, 180)
    for part in (y_train, y_val, y_test):
        share = np.bincount(part, minlength=10) / len(part)
        assert np.abs(share - 0.1).max() < 0.02
    paths = [f"{i}.png" for i in range(100)]
    parts = train_val_test_split(paths, np.arange(100) % 2, random_state=0)
    assert sorted(parts[0] + parts[1] + parts[2]) == sorted(paths)
    again = train_val_test_split(paths, np.arange(100) % 2, random_state=0)
    assert again[0] == parts[0]
    with pytest.raises(ValueError, match="sum"):
        train_val_test_split(paths, np.arange(100) % 2, sizes=(0.5, 0.1, 0.1))


def test_shared_fashion_mnist_loads():
    bunch = load_npz(shared_file("fashion_mnist.npz"))
    assert bunch.images.shape == (60000, 28, 28) and len(bunch.target_names) == 10
