"""Scorers that need no model: years stated in text, and choices by log-likelihood."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

from audit.scorers.base import Scores
from audit.types import Item, Response

YEAR = re.compile(r"(?<![\d.,])(1[0-9]{3}|20[0-9]{2})(?![\d])")


def first_year(text: str) -> str | None:
    """The first four-digit year (1000-2099) in `text`, or None."""
    m = YEAR.search(text)
    return m.group(1) if m else None


def answer_index(item: Item) -> int:
    """Index of the gold answer among the item's choices."""
    if isinstance(item.answer, int) and not isinstance(item.answer, bool):
        if 0 <= item.answer < len(item.choices):
            return item.answer
    elif item.answer is not None and str(item.answer) in item.choices:
        return item.choices.index(str(item.answer))
    raise ValueError(f"item {item.id}: answer {item.answer!r} is not one of its choices")


def pick(loglikelihoods: Sequence[float]) -> int:
    """Index of the highest log-likelihood; ties go to the first choice."""
    return max(range(len(loglikelihoods)), key=lambda i: (loglikelihoods[i], -i))


class YearScorer:
    """Reads the first year a generation states and compares it with the gold year.

    Outputs per sample: `correct` (the stated year is the answer), `wrong_year`
    (a different year is stated: a confident error) and `no_year` (none stated).
    """

    name = "year"
    outputs = ("correct", "wrong_year", "no_year")

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "rule": "first 4-digit year 1000-2099 in the output"}

    def score(self, items: Sequence[Item], responses: Sequence[Response]) -> list[list[Scores]]:
        out = []
        for item, response in zip(items, responses, strict=True):
            gold = str(item.answer)
            rows = []
            for text in response.texts:
                year = first_year(text)
                rows.append(
                    {
                        "correct": float(year == gold),
                        "wrong_year": float(year is not None and year != gold),
                        "no_year": float(year is None),
                    }
                )
            out.append(rows)
        return out


class ChoiceScorer:
    """Picks the choice with the highest log-likelihood (ties go to the first).

    Outputs: `correct` (the pick is the answer) and `answer_prob` (probability
    of the answer after normalising over the choices).
    """

    name = "choice"
    outputs = ("correct", "answer_prob")

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "rule": "argmax of summed log-likelihood over the choices"}

    def score(self, items: Sequence[Item], responses: Sequence[Response]) -> list[list[Scores]]:
        out = []
        for item, response in zip(items, responses, strict=True):
            lls = response.loglikelihoods
            gold = answer_index(item)
            choice = pick(lls)
            top = max(lls)
            total = sum(math.exp(v - top) for v in lls)
            out.append([{"correct": float(choice == gold), "answer_prob": math.exp(lls[gold] - top) / total}])
        return out


def chosen(response: Response, item: Item) -> str:
    """The choice a log-likelihood response prefers, for display."""
    lls = response.loglikelihoods
    if not lls:
        return ""
    return item.choices[pick(lls)]
