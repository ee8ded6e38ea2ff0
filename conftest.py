"""Test-session settings shared by the tests and the doctests: no display, fixed threads."""

import importlib.util
import os

os.environ.setdefault("MPLBACKEND", "Agg")

# Modules whose examples need an optional extra are collected (as doctests) only
# where it is installed; everything else is importable without them.
_NEEDS = {
    "featurevision/serve/app.py": ("fastapi", "multipart"),
    "featurevision/models/cnn/onnx_export.py": ("onnx",),
    "featurevision/models/cnn/onnx_predictor.py": ("torch", "onnx", "onnxscript", "onnxruntime"),
}
collect_ignore = [path for path, modules in _NEEDS.items()
                  if any(importlib.util.find_spec(m) is None for m in modules)]
