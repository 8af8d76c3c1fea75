"""Agreement of a scorer with reference labels: ROC AUC, precision and recall at a threshold."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Agreement:
    """How well scores separate reference labels."""

    auc: float
    """ROC AUC: the chance a random positive scores above a random negative (ties count half)."""
    precision: float
    """Share of texts scored at or above the threshold that are positive."""
    recall: float
    """Share of positives scored at or above the threshold."""
    threshold: float
    """Score at or above which a text is predicted positive."""
    n: int
    """Texts compared."""
    positives: int
    """Texts whose reference label is positive."""
    predicted: int
    """Texts predicted positive."""


def roc_auc(scores: Sequence[float], labels: Sequence[bool]) -> float:
    """ROC AUC via the Mann-Whitney U statistic with average ranks for ties."""
    s = np.asarray(scores, dtype=float)
    y = np.asarray(labels, dtype=bool)
    if s.shape != y.shape:
        raise ValueError("scores and labels must have the same length")
    n_pos = int(y.sum())
    n_neg = int(y.size - n_pos)
    if n_pos == 0 or n_neg == 0:
        raise ValueError("ROC AUC needs both positive and negative labels")
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(s.size, dtype=float)
    sorted_s = s[order]
    i = 0
    while i < s.size:  # average rank (1-based) over each run of tied scores
        j = i
        while j + 1 < s.size and sorted_s[j + 1] == sorted_s[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2 + 1
        i = j + 1
    u = ranks[y].sum() - n_pos * (n_pos + 1) / 2
    return float(u / (n_pos * n_neg))


def precision_recall(scores: Sequence[float], labels: Sequence[bool], threshold: float) -> tuple[float, float, int]:
    """(precision, recall, predicted positives) when `score >= threshold` predicts positive.

    Precision is NaN when nothing is predicted positive; recall is NaN without positives.
    """
    s = np.asarray(scores, dtype=float)
    y = np.asarray(labels, dtype=bool)
    pred = s >= threshold
    tp = int((pred & y).sum())
    predicted = int(pred.sum())
    positives = int(y.sum())
    precision = tp / predicted if predicted else float("nan")
    recall = tp / positives if positives else float("nan")
    return precision, recall, predicted


def agreement(scores: Sequence[float], labels: Sequence[bool], threshold: float) -> Agreement:
    """All three numbers at once."""
    precision, recall, predicted = precision_recall(scores, labels, threshold)
    return Agreement(auc=roc_auc(scores, labels), precision=precision, recall=recall,
                     threshold=threshold, n=len(scores), positives=int(np.sum(labels)),
                     predicted=predicted)
