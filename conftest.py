"""Test-session settings shared by the tests and the doctests: no display, fixed threads."""

import importlib.util
import os

os.environ.setdefault("MPLBACKEND", "Agg")

# Modules that import an optional extra at the top, or whose examples need one, are
# collected (as doctests) only where it is installed: `pip install -e ".[test]"`
# without the [cnn] extra must pass.
_NEEDS = {
    "featurevision/models/cnn/nets.py": ("torch",),
    "featurevision/models/cnn/data.py": ("torch",),
    "featurevision/models/cnn/training.py": ("torch",),
    "featurevision/serve/app.py": ("fastapi", "multipart"),
    "featurevision/models/cnn/onnx_export.py": ("onnx",),
    "featurevision/models/cnn/onnx_predictor.py": ("torch", "onnx", "onnxscript", "onnxruntime"),
}
collect_ignore = [path for path, modules in _NEEDS.items()
                  if any(importlib.util.find_spec(m) is None for m in modules)]
