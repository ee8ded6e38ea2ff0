"""Test-session settings shared by the tests and the doctests: no display, fixed threads."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")
