"""The scorer protocol: batched items and responses in, one dict of scores per sample out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

from audit.types import Item, Response

Scores = dict[str, float]


@runtime_checkable
class Scorer(Protocol):
    """Turns responses into numbers in [0, 1] unless an output says otherwise."""

    name: str
    outputs: tuple[str, ...]
    """Keys every score dict carries."""

    def describe(self) -> dict[str, Any]:
        """What produced the numbers (name, arguments, model behind it), for manifest and report."""
        ...

    def score(self, items: Sequence[Item], responses: Sequence[Response]) -> list[list[Scores]]:
        """Per response, one score dict per sample (a single one for choice tasks)."""
        ...
