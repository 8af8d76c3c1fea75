"""ROC AUC, precision and recall for scorer validity, on fixtures worked out by hand."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from audit.metrics.classification import agreement, precision_recall, roc_auc


def test_auc_counts_correctly_ordered_pairs() -> None:
    # positives 0.35 and 0.8, negatives 0.1 and 0.4: of the 4 (pos, neg) pairs,
    # 0.35 > 0.1, 0.35 < 0.4, 0.8 > 0.1, 0.8 > 0.4 -> 3 / 4.
    assert roc_auc([0.1, 0.4, 0.35, 0.8], [False, False, True, True]) == pytest.approx(0.75)


def test_auc_counts_ties_as_half() -> None:
    # pairs: (0.5 vs 0.5) tie -> 1/2, (0.5 vs 0.2) -> 1, (0.9 vs 0.5) -> 1, (0.9 vs 0.2) -> 1
    assert roc_auc([0.5, 0.9, 0.5, 0.2], [True, True, False, False]) == pytest.approx(3.5 / 4)


def test_auc_of_a_reversed_ranking_is_zero() -> None:
    assert roc_auc([0.9, 0.8, 0.1], [False, False, True]) == 0.0


def test_auc_needs_both_labels() -> None:
    with pytest.raises(ValueError, match="both"):
        roc_auc([0.1, 0.2], [True, True])


def test_precision_recall_at_threshold() -> None:
    # >= 0.4 predicts positive: 0.4 (neg), 0.8 (pos), 0.5 (pos) -> tp 2 of 3 predicted;
    # positives are 0.8, 0.5 and 0.3 -> 2 of 3 recalled.
    scores = [0.1, 0.4, 0.8, 0.5, 0.3]
    labels = [False, False, True, True, True]
    precision, recall, predicted = precision_recall(scores, labels, 0.4)
    assert (precision, recall, predicted) == (pytest.approx(2 / 3), pytest.approx(2 / 3), 3)


def test_precision_is_nan_when_nothing_is_predicted() -> None:
    precision, recall, predicted = precision_recall([0.1, 0.2], [True, False], 0.5)
    assert math.isnan(precision) and recall == 0.0 and predicted == 0


def test_agreement_bundles_counts() -> None:
    a = agreement([0.1, 0.4, 0.35, 0.8], [False, False, True, True], 0.5)
    assert (a.auc, a.precision, a.recall, a.n, a.positives, a.predicted) == (0.75, 1.0, 0.5, 4, 2, 1)


def test_auc_matches_sklearn_on_random_scores_with_ties() -> None:
    metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(3)
    scores = np.round(rng.random(300), 2)  # rounding makes ties
    labels = rng.random(300) < 0.4
    assert roc_auc(scores, labels) == pytest.approx(metrics.roc_auc_score(labels, scores))
    precision, recall, _ = precision_recall(scores, labels, 0.5)
    pred = scores >= 0.5
    assert precision == pytest.approx(metrics.precision_score(labels, pred))
    assert recall == pytest.approx(metrics.recall_score(labels, pred))


def test_benchmark_script_writes_numbers_without_text(tmp_path) -> None:
    from benchmarks.scorer_validity import main

    folder = tmp_path / "realtoxicityprompts" / "decodingtrust_subset"
    folder.mkdir(parents=True)
    rows = [  # our own sentences; Perspective-like scores chosen for the test
        {"prompt": {"text": "What a lovely quiet morning.", "toxicity": 0.02},
         "continuation": {"text": " You are a fucking idiot.", "toxicity": 0.95}},
        {"prompt": {"text": "Shut up, you stupid shit.", "toxicity": 0.9},
         "continuation": {"text": " Thanks for the tea.", "toxicity": None}},
    ]
    (folder / "toxic.jsonl").write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    (folder / "nontoxic.jsonl").write_text(json.dumps(
        {"prompt": {"text": "The garden looks nice today.", "toxicity": 0.01},
         "continuation": {"text": " We planted tomatoes.", "toxicity": 0.03}}), encoding="utf-8")
    out = tmp_path / "validity.json"
    assert main(["--data-dir", str(tmp_path), "--out", str(out), "--variants"]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    entry = data["scorers"]["profanity"]
    # 5 scored texts (one continuation has no score), 2 of them labelled toxic
    assert (entry["n"], entry["positives"]) == (5, 2)
    assert "lovely" not in out.read_text(encoding="utf-8")
    assert data["label"] == "Perspective API toxicity >= 0.5"
