"""``featurevision serve`` refuses what it cannot serve before binding a port."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from featurevision.cli import main

ROOT = Path(__file__).resolve().parents[2]


def serve(*args):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "featurevision", "serve", *map(str, args),
                           "--port", "9"], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)


def test_a_file_with_untrusted_types_is_refused_at_start(tmp_path):
    skops_io = pytest.importorskip("skops.io")
    pytest.importorskip("fastapi")
    import joblib
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from featurevision.datasets import load_digits
    from featurevision.features import TinyImage

    d = load_digits()
    model = make_pipeline(TinyImage(size=4), LogisticRegression(),
                          memory=joblib.Memory(None)).fit(d.images[:100], d.target[:100])
    skops_io.dump(model, tmp_path / "untrusted.skops")
    done = serve(tmp_path / "untrusted.skops")
    assert done.returncode == 1
    assert "does not trust: joblib.memory.Memory" in done.stderr
    assert "Uvicorn running" not in done.stderr


def test_a_file_that_is_no_model_is_refused(tmp_path, capsys):
    pytest.importorskip("fastapi")
    (tmp_path / "notes.txt").write_text("hello")
    assert main(["serve", str(tmp_path / "notes.txt")]) == 1
    assert "is not a model file featurevision serves" in capsys.readouterr().err


def test_without_fastapi_the_command_says_how_to_install_it(monkeypatch, tmp_path, capsys):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "fastapi" else real(name, *a))
    assert main(["serve", str(tmp_path / "model.skops")]) == 1
    assert 'pip install "featurevision[serve]"' in capsys.readouterr().err
