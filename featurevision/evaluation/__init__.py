"""Evaluation of a fitted classifier: metrics in an :class:`EvaluationReport`, and its plots.

:func:`evaluate` scores a model on test images (accuracy, precision, recall, F1,
confusion matrix, ROC AUC, mAP); :mod:`.plots` draws the report.
"""

from .plots import plot_confusion_matrix, plot_evaluation, plot_roc_curves
from .report import EvaluationReport, class_scores, evaluate, report_from_predictions

__all__ = [
    "EvaluationReport",
    "class_scores",
    "evaluate",
    "plot_confusion_matrix",
    "plot_evaluation",
    "plot_roc_curves",
    "report_from_predictions",
]
