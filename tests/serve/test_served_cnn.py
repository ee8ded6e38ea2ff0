"""A CNN served from its int8 ONNX file (over HTTP) and from its CNNClassifier.save file."""

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("onnxscript")
pytest.importorskip("onnxruntime")
httpx = pytest.importorskip("httpx")
pytest.importorskip("fastapi")

from featurevision.models import CNNClassifier  # noqa: E402
from featurevision.models.cnn.onnx_predictor import OnnxClassifier  # noqa: E402
from featurevision.serve.decode import decode_image  # noqa: E402
from featurevision.serve.served_model import load_served_model  # noqa: E402

from .conftest import png_bytes, running_server  # noqa: E402

TINY = dict(width=8, depth=1, n_stages=2, batch_size=32, crop_padding=0, flip=False, n_threads=1)


@pytest.fixture(scope="module")
def cnn_files(digits, tmp_path_factory):
    cnn = CNNClassifier(epochs=4, random_state=0, **TINY).fit(digits.images[:800], digits.target[:800])
    out = tmp_path_factory.mktemp("cnn")
    cnn.save(out / "digits.pt")
    int8 = cnn.to_onnx(out / "digits-int8.onnx", quantize=True, calibration=digits.images[:256])
    return cnn, out / "digits.pt", int8


def test_int8_onnx_served_over_http_as_locally(cnn_files, digits, color_batch):
    _, _, int8 = cnn_files
    local = OnnxClassifier(int8)
    datas = [png_bytes(image) for image in digits.images[1000:1020]]
    with running_server(int8) as url:
        info = httpx.get(url + "/model").json()
        assert info["kind"] == "onnx" and info["expected_input"]["input_size"] == [8, 8]
        assert info["steps"][0]["params"]["quantized_int8"] is True
        answer = httpx.post(url + "/predict", files=[("files", (f"{i}.png", d, "image/png"))
                                                     for i, d in enumerate(datas)], timeout=60)
        predictions = answer.json()["predictions"]
        images = [decode_image(d, "x") for d in datas]
        assert [p["label"] for p in predictions] == local.predict(images).tolist()
        np.testing.assert_allclose([list(p["probabilities"].values()) for p in predictions],
                                   local.predict_proba(images), rtol=1e-6)
        # A colour photo is turned gray for a gray net rather than refused.
        answer = httpx.post(url + "/predict", files=[("files", ("c.png", png_bytes(color_batch[0]), "image/png"))])
        assert answer.status_code == 200
        answer = httpx.post(url + "/features", files=[("files", ("a.png", datas[0], "image/png"))])
        assert answer.status_code == 400 and "without feature-extraction steps" in answer.json()["detail"]


def test_saved_cnn_weights_serve_the_same_labels(cnn_files, digits):
    cnn, weights, _ = cnn_files
    served = load_served_model(weights)
    assert served.kind == "cnn" and served.describe()["classes"] == cnn.classes_.tolist()
    images = [decode_image(png_bytes(image), "x") for image in digits.images[1000:1020]]
    labels = [p["label"] for p in served.predict(images, [f"{i}.png" for i in range(20)])]
    assert labels == cnn.predict(images).tolist()
