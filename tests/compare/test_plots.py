import itertools

import matplotlib
import numpy as np

from featurevision.compare import CompareResult, plot_accuracy_vs_time, plot_learning_curves

matplotlib.use("Agg")


def _many_methods(n=16):
    rng = np.random.default_rng(0)
    rows, curves = [], {}
    for i in range(n):
        # Clusters of near-identical points: the case where labels used to pile up.
        accuracy, seconds = 0.95 + 0.002 * (i % 3), 0.5 * (1 + 0.01 * i)
        rows.append({"method": f"method{i}:svm", "status": "ok", "test_accuracy": accuracy,
                     "fit_s": seconds, "predict_images_per_s": 1000.0 + i})
        curves[f"method{i}:svm"] = [(100, accuracy - 0.1 * rng.random()), (1000, accuracy)]
    return CompareResult(rows, learning_curves=curves, info={"dataset": "test"})


def _outside(legend, ax):
    renderer = ax.get_figure().canvas.get_renderer()
    box, axes_box = legend.get_window_extent(renderer), ax.get_window_extent(renderer)
    return box.x0 >= axes_box.x1


def test_every_learning_curve_looks_different_and_the_legend_is_outside():
    ax = plot_learning_curves(_many_methods())
    styles = {(line.get_color(), line.get_marker(), line.get_linestyle()) for line in ax.lines}
    assert len(styles) == len(ax.lines) == 16
    assert _outside(ax.get_legend(), ax)


def test_accuracy_vs_time_numbers_never_overlap():
    fig = plot_accuracy_vs_time(_many_methods())
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        boxes = [text.get_window_extent(renderer) for text in ax.texts]
        assert len(boxes) == 16
        for a, b in itertools.combinations(boxes, 2):
            assert not a.overlaps(b), (a, b)
    legend = fig.axes[1].get_legend()
    assert _outside(legend, fig.axes[1])
    assert [t.get_text() for t in legend.get_texts()][:2] == ["1  method0:svm", "2  method1:svm"]
