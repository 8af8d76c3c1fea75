"""A deterministic model shipped in the package, for tests and pipeline demos."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence

from audit.models.base import ModelInfo, apply_stop
from audit.types import Generation, GenerationConfig, LoglikelihoodRequest, Prompt


def _unit(*parts: object) -> float:
    """A stable pseudo-random number in [0, 1) derived from the parts."""
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


class FakeModel:
    """Answers without weights, the same way every time.

    Generation: a canned reply when the prompt is in `replies`, else a short sentence
    with a year derived from the prompt (so date suites have something to score).
    Log-likelihood: minus a per-character cost plus a hash-derived jitter, so longer
    continuations are less likely and ties are rare. `calls` counts requests served.
    """

    def __init__(self, replies: Mapping[str, str] | None = None, *, name: str = "fake") -> None:
        self._replies = dict(replies or {})
        self.calls = 0
        self.info = ModelInfo(
            name=name,
            backend="fake",
            fingerprint="fake-v1-" + hashlib.sha256(repr(sorted(self._replies.items())).encode()).hexdigest()[:12],
            dtype="none",
            device="cpu",
        )

    def generate(self, prompts: Sequence[Prompt], config: GenerationConfig) -> list[Generation]:
        out = []
        for prompt in prompts:
            self.calls += 1
            n = 1 if config.greedy else config.n
            texts = []
            for i in range(n):
                if prompt.text in self._replies:
                    text = self._replies[prompt.text]
                else:
                    sample = 0 if config.greedy else (config.seed, i)
                    year = 1900 + int(_unit(prompt.text, sample) * 125)
                    text = f" {year}, as far as I know."
                texts.append(apply_stop(text, config.stop))
            out.append(Generation(tuple(texts)))
        return out

    def loglikelihood(self, requests: Sequence[LoglikelihoodRequest]) -> list[float]:
        self.calls += len(requests)
        return [
            -0.5 * len(r.continuation) - 3.0 * _unit(r.context, r.continuation) for r in requests
        ]
