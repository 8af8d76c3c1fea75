"""Everything a report shows, computed from a run directory without touching the model."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

import taxonomy

EXAMPLES_PER_TASK = 5


@dataclass(frozen=True)
class RunRecord:
    """The files of one run directory, read once."""

    path: Path
    """The run directory."""
    manifest: dict[str, Any]
    """manifest.json."""
    summary: dict[str, Any]
    """summary.json (empty when the run did not finish)."""
    results: pd.DataFrame
    """results.parquet (empty when the run did not finish)."""


def load_run(path: str | Path) -> RunRecord:
    path = Path(path)
    manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    summary_path, results_path = path / "summary.json", path / "results.parquet"
    summary = json.loads(summary_path.read_text(encoding="utf-8")) if summary_path.exists() else {}
    results = pd.read_parquet(results_path) if results_path.exists() else pd.DataFrame()
    return RunRecord(path=path, manifest=manifest, summary=summary, results=results)


def _fmt(value: float) -> str:
    return "–" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.3f}"


def _metric_rows(metrics: Mapping[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for name, m in metrics.items():
        rows.append({
            "name": name,
            "task": m["task"],
            "value": _fmt(m["value"]),
            "ci": f"[{_fmt(m['ci_low'])}, {_fmt(m['ci_high'])}]",
            "n": m["n"],
            "direction": "higher is better" if m["higher_is_better"] else "lower is better",
            "description": m.get("description", ""),
            "groups": [
                {"name": g, "value": _fmt(v["value"]),
                 "ci": f"[{_fmt(v['ci_low'])}, {_fmt(v['ci_high'])}]", "n": v["n"]}
                for g, v in m.get("groups", {}).items()
            ],
        })
    return rows


def _examples(results: pd.DataFrame, suite: str, metrics: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A few responses per task, failures first (the first metric of each task decides)."""
    if results.empty:
        return []
    out = []
    rows = results[results["suite"] == suite]
    seen_tasks = set()
    for name, m in metrics.items():
        if m["task"] in seen_tasks:
            continue
        seen_tasks.add(m["task"])
        part = rows[(rows["metric"] == name) & (rows["sample"] == 0)]
        part = part.sort_values("value", ascending=m["higher_is_better"], kind="stable")
        for r in part.head(EXAMPLES_PER_TASK).itertuples():
            out.append({"task": r.task, "item_id": r.item_id, "group": r.group, "prompt": r.prompt,
                        "output": r.output, "reference": r.reference, "metric": name,
                        "value": _fmt(r.value)})
    return out


def build_context(record: RunRecord, *, coverage: Mapping[str, Any]) -> dict[str, Any]:
    """Pure: the run's files and the registered suites' coverage in, a plain dict out."""
    tax = taxonomy.load()
    manifest = record.manifest
    run_suites = {s["name"] for s in manifest.get("suites", [])}
    areas = []
    for area in tax.areas:
        risks = []
        for risk in tax.risks_in(area.id):
            cov = coverage[risk.id]
            risks.append({
                "id": risk.id, "name": risk.name, "description": risk.description,
                "status": cov.status, "suites": list(cov.suites),
                "run_suites": [s for s in cov.suites if s in run_suites],
                "checklist": list(risk.checklist) if cov.status != "probed" else [],
            })
        areas.append({"id": area.id, "name": area.name, "risks": risks})
    suites = []
    summary = record.summary.get("suites", {})
    for entry in manifest.get("suites", []):
        data = summary.get(entry["name"], {})
        metrics = data.get("metrics", {})
        suites.append({
            "name": entry["name"], "version": entry["version"], "title": data.get("title", ""),
            "risks": list(entry["risks"]), "items": entry["items"], "data_hash": entry["data_hash"],
            "metrics": _metric_rows(metrics),
            "examples": _examples(record.results, entry["name"], metrics),
        })
    model = manifest["model"]
    counts = {s: sum(1 for a in areas for r in a["risks"] if r["status"] == s)
              for s in ("probed", "partial", "review")}
    return {
        "title": f"riskaudit report: {model['name']}",
        "status": manifest["status"],
        "model": {k: model.get(k, "") for k in ("name", "backend", "fingerprint", "dtype", "device",
                                                "source")},
        "started": manifest.get("started", ""),
        "finished": manifest.get("finished", ""),
        "coverage_counts": counts,
        "areas": areas,
        "suites": suites,
        "meta": {
            "libraries": manifest.get("libraries", {}),
            "seed": manifest.get("seed"),
            "model_calls": manifest.get("model_calls", 0),
            "cache_hits": manifest.get("cache_hits", 0),
            "durations": manifest.get("durations_s", {}),
            "scorers": manifest.get("scorers", {}),
        },
        "source": tax.source,
    }
