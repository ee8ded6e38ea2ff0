"""Comparison runs: named pipelines (and the CNN) on one dataset, as a table and plots.

:func:`compare` runs the methods; :class:`CompareResult` holds what it measured and
writes it (CSV, JSON, Markdown, PNG); :mod:`.methods` parses method specs such as
``"hog:svm"``; :mod:`.plots` draws learning curves and accuracy against time.
"""

from .plots import plot_accuracy_vs_time, plot_learning_curves
from .result import CompareResult
from .runner import compare

__all__ = ["CompareResult", "compare", "plot_accuracy_vs_time", "plot_learning_curves"]
