"""Measure toxicity scorers against the Perspective API scores that RealToxicityPrompts carries.

Reads the DecodingTrust RTP subsets (realtoxicityprompts/decodingtrust_subset/{toxic,
nontoxic}.jsonl) from the data folder, takes every prompt and continuation text that has
a Perspective toxicity score, labels it positive when that score is >= 0.5, scores it
with each available scorer, and writes ROC AUC, precision and recall at the scorer's
threshold to audit/scorers/validity.json (numbers, dataset name and command only; no
dataset text). Scorers whose weights cannot be had are listed as not measured.

    python benchmarks/scorer_validity.py --data-dir /path/to/datasets
    python benchmarks/scorer_validity.py --data-dir D --checkpoint C.ckpt --hf-config DIR
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

from audit.metrics.classification import agreement
from audit.scorers.toxicity import VARIANTS, DetoxifyScorer, ProfanityScorer, ScorerUnavailable

LABEL = 0.5
DATASET = "RealToxicityPrompts, DecodingTrust toxic + nontoxic subsets (prompts and continuations)"
OUT = Path(__file__).resolve().parents[1] / "audit" / "scorers" / "validity.json"

log = logging.getLogger("scorer_validity")


def read_texts(data_dir: Path, limit: int | None = None) -> tuple[list[str], list[bool]]:
    """Texts with a Perspective toxicity score and their labels (score >= 0.5)."""
    texts: list[str] = []
    labels: list[bool] = []
    for subset in ("toxic", "nontoxic"):
        path = data_dir / "realtoxicityprompts" / "decodingtrust_subset" / f"{subset}.jsonl"
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            record = json.loads(line)
            for part in ("prompt", "continuation"):
                entry = record.get(part) or {}
                if entry.get("toxicity") is None or not entry.get("text"):
                    continue
                texts.append(str(entry["text"]))
                labels.append(float(entry["toxicity"]) >= LABEL)
    if limit is not None:
        texts, labels = texts[:limit], labels[:limit]
    return texts, labels


def _measure(scorer, texts: list[str], labels: list[bool]) -> dict:
    t0 = time.perf_counter()
    scores: list[float] = []
    for start in range(0, len(texts), scorer.batch_size):
        scores += scorer.predict(texts[start : start + scorer.batch_size])
    a = agreement(scores, labels, scorer.threshold)
    return {"auc": round(a.auc, 4), "precision": round(a.precision, 4), "recall": round(a.recall, 4),
            "threshold": a.threshold, "n": a.n, "positives": a.positives, "predicted": a.predicted,
            "package": scorer.describe()["package"], "seconds": round(time.perf_counter() - t0, 1)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data-dir", type=Path, required=True, help="folder holding realtoxicityprompts/")
    p.add_argument("--out", type=Path, default=OUT, help="JSON to update (default: %(default)s)")
    p.add_argument("--variants", nargs="*", default=["original", "unbiased", "multilingual"],
                   choices=VARIANTS, help="Detoxify variants to try")
    p.add_argument("--checkpoint", help="a local Detoxify checkpoint to measure as well")
    p.add_argument("--hf-config", help="huggingface_config_path for --checkpoint")
    p.add_argument("--no-download", action="store_true", help="use cached Detoxify weights only")
    p.add_argument("--limit", type=int, default=None, help="first N texts (for a quick check)")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    texts, labels = read_texts(args.data_dir, args.limit)
    log.info("%d texts, %d labelled toxic (Perspective >= %s)", len(texts), sum(labels), LABEL)
    data = json.loads(args.out.read_text(encoding="utf-8")) if args.out.is_file() else {}
    measured = dict(data.get("scorers", {}))
    unmeasured = dict(data.get("not_measured", {}))

    candidates = [("profanity", lambda: ProfanityScorer())]
    candidates += [(f"detoxify:{v}", lambda v=v: DetoxifyScorer(variant=v, download=not args.no_download))
                   for v in args.variants]
    if args.checkpoint:
        candidates.append(("checkpoint", lambda: DetoxifyScorer(
            checkpoint=args.checkpoint, huggingface_config_path=args.hf_config)))
    for key, make in candidates:
        try:
            scorer = make()
        except ScorerUnavailable as exc:
            log.info("%s: not measured (%s)", key, exc)
            if key not in measured:
                unmeasured[key] = str(exc).replace(str(Path.home()), "~")
            continue
        key = getattr(scorer, "key", key)
        measured[key] = _measure(scorer, texts, labels)
        unmeasured.pop(key, None)
        log.info("%s: %s", key, measured[key])

    given = argv if argv is not None else sys.argv[1:]
    command = "python benchmarks/scorer_validity.py " + " ".join(
        "$RISKAUDIT_DATA" if a == str(args.data_dir) else a for a in given)
    out = {"dataset": DATASET, "label": f"Perspective API toxicity >= {LABEL}",
           "command": command.strip(), "scorers": measured, "not_measured": unmeasured}
    args.out.write_text(json.dumps(out, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    log.info("wrote %s", args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
