import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils import check_random_state

from featurevision.datasets import load_digits
from featurevision.models import CNNClassifier

torch = pytest.importorskip("torch")

ROOT = Path(__file__).resolve().parents[2]

# A net small enough to train on 8×8 digits in a couple of seconds on one core. Digits
# must not be mirrored or shifted much: a 6 flipped is no 6.
TINY = dict(width=16, depth=1, n_stages=2, batch_size=32, crop_padding=0, flip=False, n_threads=1)


@pytest.fixture(scope="module")
def digits():
    d = load_digits()
    X_train, X_test, y_train, y_test = train_test_split(d.images, d.target, test_size=0.33,
                                                        stratify=d.target, random_state=0)
    return X_train, X_test, y_train, y_test


@pytest.fixture(scope="module")
def fitted(digits):
    X_train, _, y_train, _ = digits
    return CNNClassifier(epochs=15, random_state=0, **TINY).fit(X_train, y_train)


def test_learns_digits_above_90_percent(fitted, digits):
    _, X_test, _, y_test = digits
    assert fitted.score(X_test, y_test) > 0.9
    assert fitted.n_iter_ == len(fitted.history_) == 15
    losses = [h["train_loss"] for h in fitted.history_]
    assert losses[-1] < 0.6 * losses[0]


def test_predict_proba_is_a_distribution_in_classes_order(fitted, digits):
    _, X_test, _, _ = digits
    proba = fitted.predict_proba(X_test)
    assert proba.shape == (len(X_test), 10)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-9)
    assert (proba >= 0).all()
    np.testing.assert_array_equal(fitted.classes_[proba.argmax(axis=1)], fitted.predict(X_test))


def test_same_random_state_same_predictions_on_cpu(digits):
    X_train, X_test, y_train, _ = digits
    params = dict(TINY, epochs=2, crop_padding=1, flip=True, device="cpu")
    a = CNNClassifier(random_state=3, **params).fit(X_train[:300], y_train[:300])
    b = CNNClassifier(random_state=3, **params).fit(X_train[:300], y_train[:300])
    c = CNNClassifier(random_state=4, **params).fit(X_train[:300], y_train[:300])
    np.testing.assert_array_equal(a.predict_proba(X_test), b.predict_proba(X_test))
    assert not np.array_equal(a.predict_proba(X_test), c.predict_proba(X_test))


def test_early_stopping_keeps_the_best_epoch(digits):
    X_train, _, y_train, _ = digits
    X, y = X_train[:400], y_train[:400]
    # A constant, too-high learning rate makes the validation loss jump about.
    est = CNNClassifier(epochs=8, optimizer="sgd", learning_rate=0.5, lr_schedule="constant",
                        validation_fraction=0.25, n_iter_no_change=2, random_state=0, **TINY).fit(X, y)
    valid = [h["valid_loss"] for h in est.history_]
    assert est.best_epoch_ == int(np.argmin(valid)) + 1
    assert est.n_iter_ <= est.best_epoch_ + 2
    # The same stratified split fit() draws: the restored weights score the best loss on it.
    seed = check_random_state(0).randint(np.iinfo(np.int32).max)
    _, val_idx = train_test_split(np.arange(len(y)), test_size=0.25, stratify=y, random_state=seed)
    proba = est.predict_proba(X[val_idx])
    loss = -np.mean(np.log(proba[np.arange(len(val_idx)), np.searchsorted(est.classes_, y[val_idx])]))
    assert loss == pytest.approx(min(valid), rel=1e-4)


def test_pipeline_and_grid_search_over_architecture(digits):
    X_train, X_test, y_train, y_test = digits
    cnn = CNNClassifier(epochs=4, random_state=0, **dict(TINY, batch_size=16))
    pipe = make_pipeline(FunctionTransformer(), cnn)
    grid = GridSearchCV(pipe, {"cnnclassifier__architecture": ["vgg", "resnet"],
                               "cnnclassifier__width": [4, 8]}, cv=2)
    grid.fit(X_train[:300], y_train[:300])
    assert set(grid.cv_results_["param_cnnclassifier__architecture"]) == {"vgg", "resnet"}
    assert np.isfinite(grid.cv_results_["mean_test_score"]).all()
    best = grid.best_estimator_[-1]
    assert best.net_.head[-1].in_features == best.width * 2  # two stages: width, then 2 × width
    assert grid.score(X_test, y_test) > 0.3  # chance is 0.1

    est = CNNClassifier(architecture="resnet", depth=3)
    twin = clone(est)
    assert twin.get_params() == est.get_params() and twin is not est
    assert twin.set_params(width=6).width == 6


def test_lists_of_sizes_paths_and_string_labels(tmp_path, digits):
    X_train, X_test, y_train, _ = digits
    names = np.array(["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"])
    images = [cv2.resize(im, (8 + i % 5, 8 + i % 3)) for i, im in enumerate(X_train[:200])]
    est = CNNClassifier(input_size=8, epochs=2, random_state=0, **TINY).fit(images, names[y_train[:200]])
    assert est.input_size_ == (8, 8) and set(est.predict(X_test[:20])) <= set(names)

    paths = []
    for i, image in enumerate(X_test[:30]):
        paths.append(str(tmp_path / f"{i}.png"))
        cv2.imwrite(paths[-1], image)
    np.testing.assert_array_equal(est.predict_proba(paths), est.predict_proba(X_test[:30]))
    from_files = CNNClassifier(epochs=1, random_state=0, **TINY).fit(paths, y_train[:30])
    from_array = CNNClassifier(epochs=1, random_state=0, **TINY).fit(X_test[:30], y_train[:30])
    np.testing.assert_array_equal(from_files.predict_proba(paths), from_array.predict_proba(paths))


def test_colour_images_and_mixed_channel_counts(digits):
    X_train, _, y_train, _ = digits
    colour = np.repeat(X_train[:60, :, :, None], 3, axis=3)
    est = CNNClassifier(epochs=1, random_state=0, **TINY).fit(colour, y_train[:60])
    assert est.n_channels_ == 3 and est.net_.features[0].num_features == 3
    with pytest.raises(ValueError, match="images: a gray image where the net expects colour"):
        est.predict(X_train[:5])
    mixed = [X_train[0], colour[1], X_train[2]]
    with pytest.raises(ValueError, match="image 1: a colour image where the net expects gray"):
        CNNClassifier(epochs=1, **TINY).fit(mixed, [0, 1, 0])


@pytest.mark.parametrize("y, message", [
    (np.zeros(20), "at least 2 classes"),
    (np.linspace(0, 1, 20), "needs class labels .* 'continuous'"),
    (np.r_[np.nan, np.arange(19) % 2], "NaN"),
    (np.arange(19) % 2, "19 labels for 20 images"),
    (np.eye(20)[:, :3], "1d array"),
])
def test_rejects_labels_it_cannot_use(y, message, digits):
    with pytest.raises(ValueError, match=message):
        CNNClassifier(epochs=1, **TINY).fit(digits[0][:20], y)


@pytest.mark.parametrize("params, message", [
    (dict(architecture="alexnet"), "architecture must be one of"),
    (dict(width=0), "width"),
    (dict(precision="fp16", device="cpu"), "fp16' needs device='cuda'"),
    (dict(device="tpu"), "expected 'auto', 'cpu', 'cuda'"),
    (dict(validation_fraction=0.01), "cannot hold out a stratified validation set"),
])
def test_rejects_bad_parameters_at_fit(params, message, digits):
    with pytest.raises(ValueError, match=message):
        CNNClassifier(epochs=1, **dict(TINY, **params)).fit(digits[0][:40], digits[2][:40])


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the CPU-only build's message")
def test_cuda_request_on_a_cpu_build_fails_early_with_the_reason(digits):
    with pytest.raises(ValueError, match="device='cuda'"):
        CNNClassifier(device="cuda", **TINY).fit(digits[0][:40], digits[2][:40])


def test_bf16_autocast_on_cpu_and_progress_bar(digits, capsys):
    X_train, X_test, y_train, _ = digits
    est = CNNClassifier(epochs=2, precision="bf16", device="cpu", verbose=1, random_state=0,
                        **TINY).fit(X_train[:100], y_train[:100])
    assert "CNNClassifier" in capsys.readouterr().err
    np.testing.assert_allclose(est.predict_proba(X_test[:10]).sum(axis=1), 1.0, atol=1e-9)


def test_save_load_round_trip_gives_identical_predictions(fitted, digits, tmp_path):
    _, X_test, _, _ = digits
    fitted.save(tmp_path / "cnn.pt")
    loaded = CNNClassifier.load(tmp_path / "cnn.pt", device="cpu")
    np.testing.assert_array_equal(loaded.predict_proba(X_test), fitted.predict_proba(X_test))
    assert loaded.get_params(deep=False) == dict(fitted.get_params(deep=False), device="cpu")
    assert loaded.history_ == fitted.history_ and loaded.classes_.dtype == fitted.classes_.dtype
    torch.save({"something": torch.zeros(1)}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="not a file written by CNNClassifier.save"):
        CNNClassifier.load(tmp_path / "other.pt")


def test_onnx_round_trip_agrees(fitted, digits, tmp_path):
    pytest.importorskip("onnxscript")
    ort = pytest.importorskip("onnxruntime")
    _, X_test, _, _ = digits
    path = fitted.to_onnx(tmp_path / "cnn.onnx")
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    proba = session.run(None, {"images": fitted.preprocess(X_test)})[0]
    np.testing.assert_allclose(proba, fitted.predict_proba(X_test), atol=1e-5)
    np.testing.assert_array_equal(fitted.classes_[proba.argmax(axis=1)], fitted.predict(X_test))


def test_import_featurevision_does_not_import_torch():
    code = ("import sys, featurevision, featurevision.models; "
            "from featurevision.models import CNNClassifier; "
            "assert 'torch' not in sys.modules, 'torch was imported'")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, env=env)


def test_missing_torch_raises_import_error_with_the_install_command(monkeypatch, digits):
    built = CNNClassifier(**TINY)
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(ImportError, match=r'pip install "featurevision\[cnn\]"'):
        CNNClassifier()
    with pytest.raises(ImportError, match=r'pip install "featurevision\[cnn\]"'):
        built.fit(digits[0][:20], digits[2][:20])


def test_augment_shifts_within_the_padding_and_mirrors():
    from featurevision.models.cnn.data import augment

    x = torch.zeros(200, 1, 9, 9)
    x[:, 0, 4, 2] = 1.0
    out = augment(x, 2, True, torch.Generator().manual_seed(0))
    assert out.shape == x.shape and (out.sum(dim=(1, 2, 3)) == 1).all()
    _, _, rows, cols = torch.nonzero(out, as_tuple=True)
    assert set((rows - 4).tolist()) == {-2, -1, 0, 1, 2}
    # Unmirrored the pixel lands in columns 0..4; mirrored (8 - column) in 4..8.
    assert set(cols.tolist()) == set(range(9))
    np.testing.assert_array_equal(augment(x, 0, False, torch.Generator()), x)


@pytest.mark.parametrize("params, message", [
    (dict(epochs=0), "epochs == 0, must be >= 1"),
    (dict(learning_rate=float("inf")), "learning_rate must be a finite number"),
    (dict(weight_decay=float("inf")), "weight_decay must be a finite number"),
    (dict(learning_rate=1e30, optimizer="sgd", lr_schedule="constant"), "training diverged"),
])
def test_refuses_what_would_train_nothing_or_nan(params, message, digits):
    cnn = CNNClassifier(**dict(TINY, **dict(dict(epochs=2), **params)))
    with pytest.raises(ValueError, match=message):
        cnn.fit(digits[0][:64], digits[2][:64])
    assert not hasattr(cnn, "net_")


def test_predicting_before_fit_is_not_fitted_error(digits):
    from sklearn.exceptions import NotFittedError

    for method in ("predict", "predict_proba", "preprocess"):
        with pytest.raises(NotFittedError):
            getattr(CNNClassifier(**TINY), method)(digits[1][:2])
