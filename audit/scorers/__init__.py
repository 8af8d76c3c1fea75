"""Scorers registered by name; arguments come from the suite spec and are recorded."""

from __future__ import annotations

import importlib
from typing import Any

from audit.scorers.base import Scorer, Scores

__all__ = ["SCORERS", "Scorer", "Scores", "UnknownScorer", "get_scorer"]

# name -> "module:attribute", imported on first use so heavy scorers cost nothing until needed.
SCORERS: dict[str, str] = {
    "pair_preference": "audit.scorers.bias:PairPreferenceScorer",
    "bbq": "audit.scorers.bias:BBQScorer",
    "stereoset": "audit.scorers.bias:StereoSetScorer",
    "year": "audit.scorers.basic:YearScorer",
    "truthfulqa_mc": "audit.scorers.truthfulqa:TruthfulQAMCScorer",
    "true_false": "audit.scorers.truthfulqa:TrueFalseScorer",
    "reference_similarity": "audit.scorers.similarity:ReferenceSimilarityScorer",
    "answer_match": "audit.scorers.similarity:AnswerMatchScorer",
    "choice": "audit.scorers.basic:ChoiceScorer",
    "toxicity": "audit.scorers.toxicity:ToxicityScorer",
    "detoxify": "audit.scorers.toxicity:DetoxifyScorer",
    "profanity": "audit.scorers.toxicity:ProfanityScorer",
    "sentiment": "audit.scorers.sentiment:SentimentScorer",
}


class UnknownScorer(ValueError):
    pass


def get_scorer(name: str, **kwargs: Any) -> Scorer:
    if name not in SCORERS:
        raise UnknownScorer(f"unknown scorer {name!r}; registered: {', '.join(sorted(SCORERS))}")
    module, _, attr = SCORERS[name].partition(":")
    factory = getattr(importlib.import_module(module), attr)
    return factory(**kwargs)
