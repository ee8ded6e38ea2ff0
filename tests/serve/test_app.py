"""The real server over real HTTP: answers, every kind of bad input, concurrent clients."""

import json
import re
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

httpx = pytest.importorskip("httpx")
pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")

import featurevision  # noqa: E402
from featurevision.serve.decode import decode_image  # noqa: E402

from .conftest import png_bytes  # noqa: E402
from .test_decode import png_header_only  # noqa: E402


def upload(*named, content_type="image/png"):
    return [("files", (name, data, content_type)) for name, data in named]


def local_predictions(model, datas):
    images = [decode_image(data, "x") for data in datas]
    return model.predict(images), model.predict_proba(images)


def test_health_and_model(server, pipeline):
    assert httpx.get(server + "/health").json()["status"] == "ok"
    info = httpx.get(server + "/model").json()
    assert info["kind"] == "pipeline" and info["featurevision_version"] == featurevision.__version__
    assert info["classes"] == pipeline[0].classes_.tolist()
    assert [step["name"] for step in info["steps"]] == [name for name, _ in pipeline[0].steps]
    assert info["steps"][-1]["params"]["max_iter"] == 300
    assert info["expected_input"]["max_pixels"] == featurevision.MAX_PIXELS


def test_predict_gives_the_local_labels_and_probabilities(server, pipeline):
    model, images = pipeline
    datas = [png_bytes(image) for image in images[600:610]]
    answer = httpx.post(server + "/predict", files=upload(*[(f"d{i}.png", d) for i, d in enumerate(datas)]))
    assert answer.status_code == 200, answer.text
    predictions = answer.json()["predictions"]
    labels, proba = local_predictions(model, datas)
    assert [p["filename"] for p in predictions] == [f"d{i}.png" for i in range(10)]
    assert [p["label"] for p in predictions] == labels.tolist()
    for p, row in zip(predictions, proba):
        assert list(p["probabilities"]) == [str(c) for c in model.classes_]
        np.testing.assert_allclose(list(p["probabilities"].values()), row, rtol=1e-9)


def test_features_are_the_pipeline_rows_before_the_classifier(server, pipeline):
    model, images = pipeline
    datas = [png_bytes(image) for image in images[:3]]
    answer = httpx.post(server + "/features", files=upload(*[(f"{i}.png", d) for i, d in enumerate(datas)]))
    body = answer.json()
    expected = model[:-1].transform([decode_image(d, "x") for d in datas])
    np.testing.assert_allclose([row["values"] for row in body["features"]], expected, rtol=1e-6)
    assert body["n_features"] == expected.shape[1] and len(body["feature_names"]) == expected.shape[1]


def test_views_are_six_pngs(server, camera):
    answer = httpx.post(server + "/views", files=upload(("camera.png", png_bytes(camera[::2, ::2]))),
                        timeout=120)
    views = answer.json()["views"]
    assert sorted(views) == ["blobs", "corners", "edges", "gabor", "hog", "lbp"]
    assert all(url.startswith("data:image/png;base64,iVBOR") for url in views.values())


def _chunked_upload(filename, n_chunks):
    """A multipart body sent in chunks without a Content-Length: a file part of 64 KiB chunks."""
    yield (f'--x\r\nContent-Disposition: form-data; name="files"; filename="{filename}"\r\n'
           'Content-Type: image/png\r\n\r\n').encode()
    for _ in range(n_chunks):
        yield bytes(64 * 1024)


def _bad_requests(camera):
    png = png_bytes(camera)
    side = int(featurevision.MAX_PIXELS ** 0.5) + 1
    # (name, request kwargs, status, file named in the answer, pattern of the problem)
    return [
        ("not an image", dict(files=upload(("notes.txt", b"just some text"))), 422, "notes.txt",
         "not an image"),
        ("truncated", dict(files=upload(("cut.png", png[:len(png) // 2]))), 422, "cut.png",
         "truncated or corrupt PNG"),
        ("one bad among good", dict(files=upload(("ok.png", png), ("bad.jpg", b"\xff\xd8\xff junk"))),
         422, "bad.jpg", "not an image"),
        ("above MAX_PIXELS", dict(files=upload(("huge.png", png_header_only(side, side)))), 413,
         "huge.png", "MAX_PIXELS"),
        ("body above the limit", dict(files=upload(("big.png", bytes(2 * 1024 * 1024)))), 413, None,
         "limit of 1048576 bytes"),
        ("chunked body above the limit", dict(content=_chunked_upload("big.png", 40),
                                              headers={"content-type": "multipart/form-data; boundary=x"}),
         413, None, "limit of 1048576 bytes"),
        ("JSON body", dict(json={"files": ["a.png"]}), 415, None, "multipart/form-data"),
        ("part of a text type", dict(files=upload(("a.png", png), content_type="text/plain")), 415,
         "a.png", "not an image type"),
        ("no files", dict(files={"other": ("a.png", png, "image/png")}), 400, None, "no image files"),
        ("malformed multipart", dict(content=b"--x\r\ngarbage", headers={
            "content-type": "multipart/form-data; boundary=x"}), 400, None, "multipart"),
    ]


def test_bad_input_answers_4xx_naming_the_file_and_the_server_carries_on(server, camera, pipeline):
    for endpoint in ("/predict", "/features"):
        for what, request, status, filename, problem in _bad_requests(camera):
            answer = httpx.post(server + endpoint, timeout=60, **request)
            assert answer.status_code == status, (what, endpoint, answer.text)
            body = answer.json()
            assert body["filename"] == filename, (what, body)
            assert re.search(problem, body["detail"]), (what, body)
            if filename:
                assert body["detail"].startswith(filename + ": ")
            assert httpx.get(server + "/health").status_code == 200, what
    data = png_bytes(pipeline[1][700])
    answer = httpx.post(server + "/predict", files=upload(("after.png", data)))
    assert answer.json()["predictions"][0]["label"] == local_predictions(pipeline[0], [data])[0][0]


def test_a_gray_model_gets_a_colour_image_as_the_pipeline_takes_it(server, color_batch):
    answer = httpx.post(server + "/predict", files=upload(("colour.png", png_bytes(color_batch[0]))))
    assert answer.status_code == 200 and answer.json()["predictions"][0]["label"] in range(10)


def test_100_requests_from_8_threads_are_all_answered_correctly(server, pipeline):
    model, images = pipeline
    datas = [png_bytes(image) for image in images[1000:1100]]
    expected = local_predictions(model, datas)[0].tolist()

    def ask(i):
        with httpx.Client(timeout=60) as client:
            answer = client.post(server + "/predict", files=upload((f"{i}.png", datas[i])))
        return answer.status_code, answer.json()["predictions"][0]

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(ask, range(100)))
    assert [status for status, _ in answers] == [200] * 100
    assert [p["filename"] for _, p in answers] == [f"{i}.png" for i in range(100)]
    assert [p["label"] for _, p in answers] == expected


def test_docs_and_page_work_offline(server):
    spec = httpx.get(server + "/openapi.json").json()
    assert {"/predict", "/features", "/views", "/health", "/model"} <= set(spec["paths"])
    body = spec["paths"]["/predict"]["post"]["requestBody"]["content"]
    assert "files" in body["multipart/form-data"]["schema"]["properties"]
    for path in ("/docs", "/"):
        answer = httpx.get(server + path)
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
        # Nothing fetched from elsewhere: no absolute URL in a src/href, a CSP of 'self'.
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", answer.text), path
        assert "default-src 'self'" in answer.headers["content-security-policy"]


def test_binds_loopback_by_default():
    from featurevision.cli import build_parser

    assert build_parser().parse_args(["serve", "m.skops"]).host == "127.0.0.1"


def test_unknown_paths_and_methods_answer_json(server):
    answer = httpx.get(server + "/nowhere")
    assert answer.status_code == 404 and json.loads(answer.text) == {"detail": "Not Found", "filename": None}
    answer = httpx.get(server + "/predict")
    assert answer.status_code == 405 and answer.headers["allow"] == "POST"
