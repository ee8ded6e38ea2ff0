"""Benchmark plots: learning curves and accuracy against time, from a CompareResult."""

from __future__ import annotations

import math

from .._axes import get_axes

__all__ = ["plot_accuracy_vs_time", "plot_learning_curves"]


_STYLES = (("o", "-"), ("s", "--"), ("^", ":"))


def _ran(result):
    return [row for row in result.table if row.get("status") == "ok"
            and isinstance(row.get("test_accuracy"), float) and math.isfinite(row["test_accuracy"])]


def plot_learning_curves(result, ax=None):
    """Test accuracy against the number of training images, one line per method.

    Parameters
    ----------
    result : CompareResult
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> from featurevision.compare import CompareResult
    >>> result = CompareResult([], learning_curves={"a": [(10, 0.5), (100, 0.8)]})
    >>> len(plot_learning_curves(result).lines)
    1
    """
    ax = get_axes(ax, figsize=(7, 5))
    for i, (name, curve) in enumerate(result.learning_curves.items()):
        points = [(n, acc) for n, acc in curve if math.isfinite(acc)]
        if points:
            # Past the ten default colours, a new marker and dash tell methods apart.
            style = _STYLES[(i // 10) % len(_STYLES)]
            ax.plot(*zip(*points), marker=style[0], linestyle=style[1], label=name)
    sizes = sorted({n for curve in result.learning_curves.values() for n, _ in curve})
    if len(sizes) > 1:
        ax.set_xscale("log")
        ax.minorticks_off()
        ax.set_xticks(sizes, [str(n) for n in sizes])
    ax.set_xlabel("training images")
    ax.set_ylabel("test accuracy")
    ax.set_title(f"Learning curves: {result.info.get('dataset', '')}")
    ax.grid(True, alpha=0.3)
    if ax.lines:
        ax.legend(fontsize="small")
    return ax


def plot_accuracy_vs_time(result, fig=None):
    """Two scatters: test accuracy against fit time, and against predict time per image.

    Predict time includes feature extraction. Both time axes are logarithmic.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from featurevision.compare import CompareResult
    >>> rows = [{"method": "a", "status": "ok", "test_accuracy": 0.9, "fit_s": 0.1,
    ...          "predict_images_per_s": 1000.0}]
    >>> len(plot_accuracy_vs_time(CompareResult(rows)).axes)
    2
    """
    import matplotlib.pyplot as plt

    fig = fig or plt.figure(figsize=(11, 4.5))
    fit_ax, predict_ax = fig.subplots(1, 2)
    for row in _ran(result):
        speed = row.get("predict_images_per_s")
        for ax, x in ((fit_ax, row.get("fit_s")), (predict_ax, 1000.0 / speed if speed else None)):
            if x is not None and math.isfinite(x) and x > 0:
                ax.scatter(x, row["test_accuracy"], s=30)
                ax.annotate(row["method"], (x, row["test_accuracy"]), fontsize="x-small",
                            xytext=(3, 3), textcoords="offset points")
    for ax, label in ((fit_ax, "fit time (s)"), (predict_ax, "predict time per image (ms), extraction included")):
        if ax.collections:
            ax.set_xscale("log")
        ax.set_xlabel(label)
        ax.set_ylabel("test accuracy")
        ax.grid(True, alpha=0.3)
    fig.suptitle(f"Accuracy against time: {result.info.get('dataset', '')}")
    fig.tight_layout()
    return fig
