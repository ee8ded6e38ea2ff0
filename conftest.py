"""Test-session settings shared by the tests and the doctests: no display, fixed threads."""

import importlib.util
import os

os.environ.setdefault("MPLBACKEND", "Agg")

# Modules that import torch at the top are collected (for their doctests) only where
# torch is installed: `pip install -e ".[test]"` without the [cnn] extra must pass.
collect_ignore = []
if importlib.util.find_spec("torch") is None:
    collect_ignore += [f"featurevision/models/cnn/{name}.py" for name in ("nets", "data", "training")]
