"""Evaluation plots: confusion matrix and one-vs-rest ROC curves of an EvaluationReport."""

from __future__ import annotations

from .._axes import get_axes

__all__ = ["plot_confusion_matrix", "plot_evaluation", "plot_roc_curves"]

#: Beyond this many classes the per-cell counts and per-class ROC legend are unreadable.
_MANY_CLASSES = 20


def plot_confusion_matrix(report, ax=None, normalize=False):
    """Draw a report's confusion matrix with scikit-learn's ``ConfusionMatrixDisplay``.

    Parameters
    ----------
    report : EvaluationReport
    ax : matplotlib Axes, optional
    normalize : bool, default=False
        Show each true class's row as fractions instead of counts.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> from featurevision.evaluation import plot_confusion_matrix, report_from_predictions
    >>> ax = plot_confusion_matrix(report_from_predictions([0, 1, 1], [0, 1, 0]))
    """
    from sklearn.metrics import ConfusionMatrixDisplay

    ax = get_axes(ax, figsize=(6, 6))
    matrix = report.confusion.astype(float) if normalize else report.confusion
    if normalize:
        totals = matrix.sum(axis=1, keepdims=True)
        matrix = matrix / (totals + (totals == 0))
    many = len(report.classes) > _MANY_CLASSES
    display = ConfusionMatrixDisplay(matrix, display_labels=None if many else report.target_names)
    display.plot(ax=ax, colorbar=False, include_values=not many,
                 values_format=".2f" if normalize else "d", xticks_rotation="vertical")
    ax.set_title(f"{report.name}: accuracy {report.accuracy:.3f}")
    return ax


def plot_roc_curves(report, ax=None):
    """Draw the one-vs-rest ROC curve of every class with ``RocCurveDisplay``.

    With more than 20 classes the per-class legend is left out.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> from featurevision.evaluation import plot_roc_curves, report_from_predictions
    >>> r = report_from_predictions([0, 1], [0, 1], y_score=[[0.9, 0.1], [0.2, 0.8]])
    >>> len(plot_roc_curves(r).lines) >= 2
    True
    """
    from sklearn.metrics import RocCurveDisplay

    ax = get_axes(ax, figsize=(6, 6))
    curves = report.roc_curves()
    many = len(curves) > _MANY_CLASSES
    index = {str(name): k for k, name in enumerate(report.target_names)}
    for name, (fpr, tpr) in curves.items():
        auc = report.roc_auc[index[name]]
        RocCurveDisplay(fpr=fpr, tpr=tpr, roc_auc=None if many else auc,
                        name=None if many else name).plot(ax=ax)
    if many and ax.get_legend() is not None:
        ax.get_legend().remove()
    ax.plot([0, 1], [0, 1], linestyle=":", color="gray")
    ax.set_title(f"{report.name}: one-vs-rest ROC, macro AUC {report.roc_auc_macro:.3f}")
    return ax


def plot_evaluation(report, fig=None):
    """Confusion matrix beside the ROC curves (the ROC panel only when the model gave scores).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from featurevision.evaluation import plot_evaluation, report_from_predictions
    >>> len(plot_evaluation(report_from_predictions([0, 1], [0, 1])).axes)
    1
    """
    import matplotlib.pyplot as plt

    panels = 2 if report.y_score is not None else 1
    fig = fig or plt.figure(figsize=(6 * panels, 5.5))
    axes = fig.subplots(1, panels, squeeze=False)[0]
    plot_confusion_matrix(report, ax=axes[0])
    if panels == 2:
        plot_roc_curves(report, ax=axes[1])
    fig.tight_layout()
    return fig
