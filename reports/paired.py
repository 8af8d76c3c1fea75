"""Paired tests of each run against a baseline on the items both share (pure).

Uses the project's paired comparison (audit.stats.paired_change: exact McNemar
for 0/1 outcomes, a paired bootstrap otherwise). Metrics computed by a
registered aggregator over the whole table have no per-item values and fall
back to comparing intervals in reports.compare.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from audit.stats import paired_change

PER_ITEM = {"mean": "mean", "max": "max", "any": "max"}


def _per_item(rows: pd.DataFrame, how: str) -> pd.DataFrame:
    return rows.groupby("item_id", sort=False, as_index=False)["value"].agg(PER_ITEM.get(how, "mean"))


def paired_tests(records: Sequence[Any], baseline: int, *, confidence: float = 0.95,
                 seed: int = 0) -> dict[tuple[int, str, str], dict[str, Any]]:
    """{(run index, suite, metric): {"verdict": worse|better|unclear, "detail": text}}."""
    base = records[baseline]
    out: dict[tuple[int, str, str], dict[str, Any]] = {}
    if base.results.empty:
        return out
    for i, record in enumerate(records):
        if i == baseline or record.results.empty:
            continue
        for suite, data in (record.summary.get("suites") or {}).items():
            base_metrics = ((base.summary.get("suites") or {}).get(suite) or {}).get("metrics") or {}
            for metric, entry in (data.get("metrics") or {}).items():
                if metric not in base_metrics or entry.get("aggregate") not in ("proportion", "mean"):
                    continue
                result = _test(base.results, record.results, suite, metric, entry,
                               confidence=confidence, seed=seed)
                if result is not None:
                    out[(i, suite, metric)] = result
    return out


def _test(base: pd.DataFrame, cur: pd.DataFrame, suite: str, metric: str,
          entry: Mapping[str, Any], *, confidence: float, seed: int) -> dict[str, Any] | None:
    how = str(entry.get("per_item", "mean"))
    pick = [(r[(r["suite"] == suite) & (r["metric"] == metric)]) for r in (base, cur)]
    if any(p.empty for p in pick):
        return None
    both = _per_item(pick[0], how).merge(_per_item(pick[1], how), on="item_id",
                                         suffixes=("_base", "_cur"))
    if both.empty:
        return None
    change = paired_change(both["value_base"].astype(float), both["value_cur"].astype(float),
                           higher_is_better=bool(entry.get("higher_is_better", False)),
                           confidence=confidence, seed=seed)
    if change.low > 0:
        verdict = "worse"
    elif change.high < 0:
        verdict = "better"
    else:
        verdict = "unclear"
    detail = (f"paired {change.method}, n={change.n}: worsening {change.change:+.3f} "
              f"[{change.low:+.3f}, {change.high:+.3f}]")
    if change.p_value is not None:
        detail += f", {change.worse} items worse, {change.better} better, p={change.p_value:.3g}"
    return {"verdict": verdict, "detail": detail}
