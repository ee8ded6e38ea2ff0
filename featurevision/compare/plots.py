"""Benchmark plots: learning curves and accuracy against time, from a CompareResult."""

from __future__ import annotations

import math

from .._axes import get_axes

__all__ = ["method_style", "plot_accuracy_vs_time", "plot_learning_curves"]

_COLORS = tuple(f"C{i}" for i in range(10))
# Seven markers against ten colours: 7 and 10 share no factor, so no (colour, marker)
# pair repeats before 70 series; the dash changes every ten on top of that.
_MARKERS = ("o", "s", "^", "D", "v", "P", "X")
_DASHES = ("-", "--", ":", "-.")


def method_style(i):
    """The colour, marker and line style of the ``i``-th method: distinct for the first 70.

    The same index gives the same style in every plot, so a method looks alike in the
    learning curves and in accuracy against time.

    Examples
    --------
    >>> method_style(0), method_style(10)
    ({'color': 'C0', 'marker': 'o', 'linestyle': '-'}, {'color': 'C0', 'marker': 'D', 'linestyle': '--'})
    >>> len({tuple(method_style(i).values()) for i in range(70)})
    70
    """
    return {"color": _COLORS[i % len(_COLORS)], "marker": _MARKERS[i % len(_MARKERS)],
            "linestyle": _DASHES[(i // len(_COLORS)) % len(_DASHES)]}


def _order(result):
    """Method name → style index, in table order (curves of methods not in the table follow)."""
    names = [row["method"] for row in result.table] + list(result.learning_curves)
    return {name: i for i, name in enumerate(dict.fromkeys(names))}


def _ran(result):
    return [row for row in result.table if row.get("status") == "ok"
            and isinstance(row.get("test_accuracy"), float) and math.isfinite(row["test_accuracy"])]


def _legend_outside(ax, handles=None, labels=None):
    """A legend to the right of the axes, so that it never covers a point."""
    kwargs = {} if handles is None else {"handles": handles, "labels": labels}
    return ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0,
                     fontsize="small", frameon=False, **kwargs)


def plot_learning_curves(result, ax=None):
    """Test accuracy against the number of training images, one line per method.

    Each method has its own colour, marker and dash; the legend sits outside the axes.

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
    ax = get_axes(ax, figsize=(9, 5))
    order = _order(result)
    for name, curve in result.learning_curves.items():
        points = [(n, acc) for n, acc in curve if math.isfinite(acc)]
        if points:
            ax.plot(*zip(*points), label=name, markersize=5, **method_style(order[name]))
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
        _legend_outside(ax)
    return ax


def _place_labels(ax, points, fontsize):
    """Number each point where the number overlaps no other number and no marker.

    ``points`` is ``[(x, y, text), ...]`` in data coordinates. Positions are worked out in
    points on the page (the axes' scales and limits must be final): beside the point
    first, then further up or down; a number moved away from its point gets a thin
    leader line back to it.
    """
    to_points = 72.0 / ax.get_figure().dpi
    height = 1.2 * fontsize
    marker = 4.0
    anchors = [tuple(v * to_points for v in ax.transData.transform((x, y))) for x, y, _ in points]
    taken = [(px - marker, py - marker, px + marker, py + marker) for px, py in anchors]

    def free(box):
        return not any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in taken)

    for (x, y, text), (px, py) in sorted(zip(points, anchors), key=lambda item: (item[0][1], item[0][0])):
        width = 0.62 * fontsize * len(text)
        # Beside the point (above, then below; right, then left), then further away.
        candidates = [(dx, dy) for step in range(12)
                      for dy in (2.0 + step * height, -2.0 - height - step * height)
                      for dx in (marker, -marker - width)]
        dx, dy = next(((dx, dy) for dx, dy in candidates
                       if free((px + dx, py + dy, px + dx + width, py + dy + height))), candidates[0])
        taken.append((px + dx, py + dy, px + dx + width, py + dy + height))
        arrow = {"arrowstyle": "-", "color": "0.5", "lw": 0.5} if abs(dy) > height + 2.0 else None
        ax.annotate(text, (x, y), xytext=(dx, dy), textcoords="offset points", fontsize=fontsize,
                    va="bottom", ha="left", arrowprops=arrow)


def plot_accuracy_vs_time(result, fig=None):
    """Two scatters: test accuracy against fit time, and against predict time per image.

    Predict time includes feature extraction. Both time axes are logarithmic. Each
    method keeps its colour and marker from :func:`plot_learning_curves`; its points are
    numbered, the numbers placed so that they never overlap, and a legend outside the
    axes gives the number and name of each method.

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
    from matplotlib.lines import Line2D

    fig = fig or plt.figure(figsize=(12, 4.8))
    fit_ax, predict_ax = fig.subplots(1, 2)
    order = _order(result)
    labels, handles, points = [], [], {fit_ax: [], predict_ax: []}
    for number, row in enumerate(_ran(result), start=1):
        style = {**method_style(order[row["method"]]), "linestyle": "none"}
        speed = row.get("predict_images_per_s")
        for ax, x in ((fit_ax, row.get("fit_s")), (predict_ax, 1000.0 / speed if speed else None)):
            if x is not None and math.isfinite(x) and x > 0:
                ax.plot([x], [row["test_accuracy"]], markersize=6, **style)
                points[ax].append((x, row["test_accuracy"], str(number)))
        handles.append(Line2D([], [], markersize=6, **style))
        labels.append(f"{number}  {row['method']}")
    for ax, label in ((fit_ax, "fit time (s)"), (predict_ax, "predict time per image (ms), extraction included")):
        if points[ax]:
            ax.set_xscale("log")
            ax.margins(x=0.08, y=0.08)
        ax.set_xlabel(label)
        ax.set_ylabel("test accuracy")
        ax.grid(True, alpha=0.3)
    fig.suptitle(f"Accuracy against time: {result.info.get('dataset', '')}")
    if handles:
        _legend_outside(predict_ax, handles, labels)
    fig.tight_layout()
    for ax, ax_points in points.items():
        ax.autoscale_view()
        _place_labels(ax, ax_points, fontsize=7)
    return fig
