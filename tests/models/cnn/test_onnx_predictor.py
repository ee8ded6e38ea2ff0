"""OnnxClassifier and to_onnx(quantize=True): float32 and int8 files run on images without torch."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnxscript")
onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

from featurevision.datasets import load_digits  # noqa: E402
from featurevision.models import CNNClassifier  # noqa: E402
from featurevision.models.cnn.onnx_predictor import OnnxClassifier  # noqa: E402

ROOT = Path(__file__).resolve().parents[3]
TINY = dict(width=16, depth=1, n_stages=2, batch_size=32, crop_padding=0, flip=False, n_threads=1)


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    d = load_digits()
    labels = np.array(["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"])
    cnn = CNNClassifier(epochs=8, random_state=0, **TINY).fit(d.images[:1200], labels[d.target[:1200]])
    out = tmp_path_factory.mktemp("onnx")
    float_path = cnn.to_onnx(out / "cnn.onnx")
    int8_path = cnn.to_onnx(out / "cnn-int8.onnx", quantize=True, calibration=d.images[:256])
    return cnn, float_path, int8_path, d.images[1200:], labels[d.target[1200:]]


def test_float_file_predicts_as_the_torch_model(exported):
    cnn, float_path, _, X_test, _ = exported
    model = OnnxClassifier(float_path)
    assert model.classes_.tolist() == cnn.classes_.tolist() and not model.quantized_
    assert model.input_size_ == cnn.input_size_ and model.n_channels_ == cnn.n_channels_
    np.testing.assert_allclose(model.predict_proba(X_test), cnn.predict_proba(X_test), atol=1e-5)
    np.testing.assert_array_equal(model.predict(X_test), cnn.predict(X_test))


def test_int8_file_is_quantised_smaller_and_as_accurate(exported):
    cnn, float_path, int8_path, X_test, y_test = exported
    model = OnnxClassifier(int8_path)
    assert model.quantized_
    ops = {node.op_type for node in onnx.load(int8_path).graph.node}
    assert {"QuantizeLinear", "DequantizeLinear"} <= ops
    int8_weights = [t for t in onnx.load(int8_path).graph.initializer if t.data_type == onnx.TensorProto.INT8]
    assert int8_weights, "no int8 weights in the quantised file"
    assert os.path.getsize(int8_path) < os.path.getsize(float_path)
    float_accuracy = (cnn.predict(X_test) == y_test).mean()
    assert (model.predict(X_test) == y_test).mean() >= float_accuracy - 0.02
    np.testing.assert_allclose(model.predict_proba(X_test).sum(axis=1), 1.0, atol=1e-4)


def test_quantize_needs_calibration_images(exported, tmp_path):
    with pytest.raises(ValueError, match="calibration"):
        exported[0].to_onnx(tmp_path / "q.onnx", quantize=True)


def test_batches_of_any_size_and_lists_of_images(exported):
    cnn, float_path, _, X_test, _ = exported
    model = OnnxClassifier(float_path, batch_size=7)
    images = [np.pad(image, 3) for image in X_test[:20]]  # another size: resized
    np.testing.assert_array_equal(model.predict(images), cnn.predict(images))


def test_refuses_foreign_files_and_wrong_images(exported, tmp_path):
    _, float_path, _, X_test, _ = exported
    plain = onnx.load(float_path)
    del plain.metadata_props[:]
    onnx.save(plain, tmp_path / "plain.onnx")
    with pytest.raises(ValueError, match="not written by CNNClassifier.to_onnx"):
        OnnxClassifier(tmp_path / "plain.onnx")
    (tmp_path / "junk.onnx").write_bytes(b"not a model")
    with pytest.raises(ValueError, match="not a loadable ONNX model"):
        OnnxClassifier(tmp_path / "junk.onnx")
    with pytest.raises(ValueError, match="image 1: a colour image"):
        OnnxClassifier(float_path).predict([X_test[0], np.zeros((8, 8, 3), np.uint8)])


def test_predicts_without_importing_torch(exported):
    _, _, int8_path, X_test, _ = exported
    np.save(Path(int8_path).parent / "x.npy", X_test[:1])
    code = ("import sys, numpy as np; "
            "from featurevision.models.cnn.onnx_predictor import OnnxClassifier; "
            f"print(OnnxClassifier({str(int8_path)!r}).predict(np.load(sys.argv[1]))[0]); "
            "assert 'torch' not in sys.modules, 'torch was imported'")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", code, str(Path(int8_path).parent / "x.npy")],
                         capture_output=True, text=True, env=env, cwd=ROOT, check=True).stdout
    assert out.strip() == OnnxClassifier(int8_path).predict(X_test[:1])[0]
