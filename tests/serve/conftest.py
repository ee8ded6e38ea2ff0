"""Fixtures for the serving tests: a small fitted pipeline on disk, images as files, a real server."""

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import cv2
import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

import featurevision
from featurevision.datasets import load_digits
from featurevision.features import make_features

ROOT = Path(__file__).resolve().parents[2]
#: Seconds a server may take to start on a busy two-core machine.
START_TIMEOUT = 90


def png_bytes(image):
    """An image (RGB or gray) as PNG bytes."""
    if image.ndim == 3:
        image = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
    ok, data = cv2.imencode(".png", image)
    assert ok
    return data.tobytes()


@pytest.fixture(scope="session")
def digits():
    return load_digits()


@pytest.fixture(scope="session")
def pipeline(digits):
    """HOG features and a logistic regression, fitted on 8×8 digits upscaled to 32×32."""
    images = np.stack([cv2.resize(im, (32, 32), interpolation=cv2.INTER_NEAREST) for im in digits.images])
    model = make_pipeline(make_features("hog"), LogisticRegression(max_iter=300))
    return model.fit(images[:500], digits.target[:500]), images


@pytest.fixture(scope="session")
def pipeline_path(pipeline, tmp_path_factory):
    path = tmp_path_factory.mktemp("models") / "digits.skops"
    featurevision.save(pipeline[0], path)
    return path


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_server(model_path, *options):
    """``featurevision serve`` in a subprocess on a free loopback port; yields its base URL."""
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    process = subprocess.Popen(
        [sys.executable, "-m", "featurevision", "serve", str(model_path), "--port", str(port),
         "--log-level", "warning", *options],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the server exited with {process.returncode}:\n{process.stdout.read()}")
            try:
                with urllib.request.urlopen(url + "/health", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the server did not answer within {START_TIMEOUT} s") from None
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def server(pipeline_path):
    """The pipeline served with a 1 MiB body limit (so the limit is cheap to cross)."""
    with running_server(pipeline_path, "--max-body-mb", "1") as url:
        yield url
