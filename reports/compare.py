"""Models side by side: metric deltas against a reference run and who is worse where.

Against a baseline, a paired test on the items both runs share decides
(reports.paired). Without one (runs side by side, or metrics that have no
per-item values) the verdict only says whether the two 95% intervals are
disjoint, and says so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from reports.format import anchor, chart, domain, is_number

UNPAIRED = ("delta with both 95% intervals, not a paired test: 'worse' or 'better' only where "
            "the intervals do not overlap")


def _worse(delta: float, higher_is_better: bool) -> bool:
    return delta < 0 if higher_is_better else delta > 0


def _disjoint(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool | None:
    nums = [a.get("ci_low"), a.get("ci_high"), b.get("ci_low"), b.get("ci_high")]
    if not all(is_number(v) for v in nums):
        return None
    return a["ci_high"] < b["ci_low"] or b["ci_high"] < a["ci_low"]


def _verdict(cell: Mapping[str, Any], ref: Mapping[str, Any], hib: bool) -> str:
    if not (is_number(cell.get("raw")) and is_number(ref.get("raw"))):
        return "missing"
    delta = cell["raw"] - ref["raw"]
    if delta == 0:
        return "same"
    disjoint = _disjoint(cell, ref)
    if not disjoint:
        return "overlap"
    return "worse" if _worse(delta, hib) else "better"


def comparison(runs: Sequence[Mapping[str, Any]], *, reference: int = 0,
               baseline: bool = False,
               paired: Mapping[tuple[int, str, str], Mapping[str, Any]] | None = None) -> dict[str, Any]:
    """Rows of (suite, metric) with every run's value, the delta to the reference and a verdict."""
    paired = paired or {}
    keys: dict[tuple[str, str], dict[str, Any]] = {}
    for r, run in enumerate(runs):
        for suite in run["suites"]:
            for m in suite["metrics"]:
                row = keys.setdefault((suite["name"], m["name"]), {
                    "suite": suite["name"], "metric": m["name"], "title": suite["title"],
                    "higher_is_better": m["higher_is_better"], "direction": m["direction"],
                    "percent": m["percent"], "cells": [None] * len(runs),
                    "anchor": anchor("cmp", suite["name"], m["name"]),
                })
                row["cells"][r] = {"raw": m["raw"], "ci_low": m["ci_low"], "ci_high": m["ci_high"],
                                   "value": m["value"], "ci": m["ci"], "n": m["n"],
                                   "link": m["anchor"], "verdict_gate": m["verdict"]}
    rows = []
    for (suite, metric), row in keys.items():
        ref = row["cells"][reference]
        hib, pct = row["higher_is_better"], row["percent"]
        for r, cell in enumerate(row["cells"]):
            if cell is None:
                row["cells"][r] = cell = {"raw": None, "value": "–", "ci": "not run", "n": "",
                                          "link": "", "verdict_gate": None}
            cell["reference"] = r == reference
            if r == reference or ref is None:
                cell.update(delta="", verdict="reference" if r == reference else "missing",
                            test="")
                continue
            delta = cell["raw"] - ref["raw"] if is_number(cell["raw"]) and is_number(ref["raw"]) \
                else None
            scale = 100.0 if pct else 1.0
            cell["delta"] = "" if delta is None else f"{scale * delta:+.1f} pt" if pct \
                else f"{delta:+.3f}"
            test = paired.get((r, suite, metric))
            if test:
                cell["verdict"] = str(test.get("verdict", "overlap"))
                cell["test"] = str(test.get("detail", "paired test"))
            else:
                cell["verdict"] = _verdict(cell, ref, hib)
                cell["test"] = "intervals" if cell["verdict"] in ("worse", "better", "overlap") else ""
        axis = domain(v for c in row["cells"] for v in (c["raw"], c.get("ci_low"), c.get("ci_high")))
        for c in row["cells"]:
            c["chart"] = chart(c["raw"], c.get("ci_low"), c.get("ci_high"), axis)
        valued = [(i, c) for i, c in enumerate(row["cells"]) if is_number(c["raw"])]
        worst = None
        if len(valued) > 1:
            key = (lambda ic: ic[1]["raw"]) if not hib else (lambda ic: -ic[1]["raw"])
            i_worst, c_worst = max(valued, key=key)
            _, c_best = min(valued, key=key)
            if c_worst["raw"] != c_best["raw"]:
                clear = bool(_disjoint(c_worst, c_best))
                worst = {"index": i_worst, "model": runs[i_worst]["model"]["name"], "distinct": clear}
        row["worst"] = worst
        rows.append(row)
    return {
        "models": [run["model"]["name"] for run in runs],
        "reference": reference, "reference_model": runs[reference]["model"]["name"],
        "baseline": baseline, "rows": rows,
        "method": ("paired test on the items both runs share (exact McNemar for 0/1 outcomes, "
                   "paired bootstrap otherwise); 'worse' means the interval of the worsening "
                   "excludes zero" + ("; other metrics: " + UNPAIRED if any(
                       c.get("test") == "intervals" for row in rows for c in row["cells"]) else ""))
        if paired else UNPAIRED,
        "regressions": sum(1 for row in rows for c in row["cells"] if c["verdict"] == "worse"),
    }


def _printable(text: Any) -> str:
    """Run text for a terminal: control characters (escape sequences) shown as '?'."""
    return "".join(ch if ch.isprintable() else "?" for ch in str(text))


def format_table(comp: Mapping[str, Any]) -> str:
    """The comparison as plain text for a terminal: one line per metric, a column per model."""
    models = [_printable(m) for m in comp["models"]]
    head = ["suite.metric", *models]
    lines = []
    for row in comp["rows"]:
        cells = []
        for c in row["cells"]:
            text = f"{c['value']} {c['ci']}" if c["raw"] is not None else "–"
            if c.get("delta"):
                text += f" {c['delta']} {c['verdict']}"
            cells.append(text)
        arrow = "↑" if row["higher_is_better"] else "↓"
        lines.append([_printable(f"{row['suite']}.{row['metric']} {arrow}"), *cells])
    widths = [max(len(str(r[i])) for r in [head, *lines]) for i in range(len(head))]
    out = ["  ".join(str(v).ljust(w) for v, w in zip(head, widths)).rstrip()]
    out += ["  ".join(str(v).ljust(w) for v, w in zip(r, widths)).rstrip() for r in lines]
    ref = "baseline" if comp["baseline"] else "reference"
    out.append(f"deltas against {ref} {_printable(comp['reference_model'])}; ↑ higher is better, ↓ lower is "
               f"better; {comp['method']}")
    return "\n".join(out)
