"""The taxonomy map (every risk, its coverage and worst result) and the top findings."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import taxonomy
from reports import gates as gatelib
from reports.format import anchor, is_number
from reports.suites import worst_metric

TOP_FINDINGS = 3


def _rank(m: Mapping[str, Any]) -> tuple[int, float]:
    return (gatelib.SEVERITY.get(m["verdict"] or "", -1),
            m["badness"] if is_number(m["badness"]) else -1.0)


def _cell(run: Mapping[str, Any], suites: Sequence[str]) -> dict[str, Any]:
    """One run's worst result among the given suites."""
    views = [s for s in run["suites"] if s["name"] in suites]
    if not views:
        return {"model": run["model"]["name"], "state": "not in this run" if suites else "review",
                "suite": "", "metric": "", "value": "", "ci": "", "verdict": None,
                "anchor": "", "badness": None}
    candidates = [(s, worst_metric(s)) for s in views]
    candidates = [(s, m) for s, m in candidates if m is not None]
    if not candidates:
        return {"model": run["model"]["name"], "state": "no result", "suite": views[0]["name"],
                "metric": "", "value": "", "ci": "", "verdict": None,
                "anchor": views[0]["anchor"], "badness": None}
    suite, m = max(candidates, key=lambda sm: _rank(sm[1]))
    return {"model": run["model"]["name"], "state": "measured", "suite": suite["name"],
            "metric": m["name"], "value": m["value"], "ci": m["ci"], "verdict": m["verdict"],
            "anchor": m["anchor"], "badness": m["badness"],
            "level": _level(m)}


def _level(m: Mapping[str, Any]) -> str:
    """A CSS class for a cell: the gate verdict when gated, else 'ungated'."""
    return m["verdict"] or "ungated"


def taxonomy_map(runs: Sequence[Mapping[str, Any]], coverage: Mapping[str, Any],
                 review: Mapping[str, Any] | None, tax: taxonomy.Taxonomy) -> list[dict[str, Any]]:
    """Six areas, each with its risks: coverage, per-run worst result, checklist and answers."""
    answers = (review or {}).get("risks", {})
    areas = []
    for area in tax.areas:
        risks = []
        for risk in tax.risks_in(area.id):
            cov = coverage.get(risk.id)
            status = getattr(cov, "status", "review")
            registered = list(getattr(cov, "suites", ()))
            declared = {s["name"] for run in runs for s in run["suites"] if risk.id in s["risks"]}
            suites = sorted(set(registered) | declared)
            cells = [_cell(run, suites) for run in runs]
            reviewed = answers.get(risk.id)
            checklist = [
                {"question": q,
                 "answer": reviewed["answers"][i] if reviewed else "",
                 "note": reviewed["notes"][i] if reviewed else ""}
                for i, q in enumerate(risk.checklist)
            ]
            risks.append({
                "id": risk.id, "anchor": anchor("risk", risk.id), "name": risk.name,
                "description": risk.description, "status": status, "suites": suites,
                "partial_by": list(getattr(cov, "partial_by", ())),
                "cells": cells,
                "common": cells[0]["state"] if len({c["state"] for c in cells}) == 1
                and cells[0]["state"] != "measured" else "",
                "checklist": checklist if status != "probed" or reviewed else [],
                "reviewed": bool(reviewed), "comment": reviewed["comment"] if reviewed else "",
            })
        areas.append({"id": area.id, "name": area.name, "anchor": anchor("area", area.id),
                      "risks": risks})
    return areas


def _sentence(run: Mapping[str, Any], suite: Mapping[str, Any], m: Mapping[str, Any],
              several: bool) -> dict[str, Any]:
    what = m["description"].rstrip(". ") if m["description"] else m["name"].replace("_", " ")
    detail = f"95% interval {m['ci']}, n = {m['n']}; {m['direction']}."
    if m["worst_group"]:
        group = next(g for g in m["groups"] if g["name"] == m["worst_group"])
        detail += f" Worst group: {group['name']} ({group['value']})."
    gate = ""
    if m["gates"]:
        g = max(m["gates"], key=lambda g: gatelib.SEVERITY[g["verdict"]])
        gate = f"Gate {g['rule']}: {g['verdict']}."
    return {
        "model": run["model"]["name"] if several else "",
        "suite": suite["title"], "metric": m["name"], "headline": f"{what}: {m['value']}",
        "detail": detail, "gate": gate, "verdict": m["verdict"], "anchor": m["anchor"],
    }


def top_findings(runs: Sequence[Mapping[str, Any]], limit: int = TOP_FINDINGS) -> list[dict[str, Any]]:
    """The most serious results: failed gates first, then metrics farthest from their ideal.

    Each suite of each run contributes its worst metric first, so three
    findings do not all restate one weakness; further metrics fill in after.
    """
    several = len(runs) > 1
    firsts, rest = [], []
    for run in runs:
        for suite in run["suites"]:
            ranked = sorted((m for m in suite["metrics"] if _rank(m) > (-1, -1.0)),
                            key=_rank, reverse=True)
            for i, m in enumerate(ranked):
                (firsts if i == 0 else rest).append((_rank(m), run, suite, m))
    chosen = sorted(firsts, key=lambda c: c[0], reverse=True)[:limit]
    if len(chosen) < limit:
        chosen += sorted(rest, key=lambda c: c[0], reverse=True)[: limit - len(chosen)]
    return [_sentence(run, suite, m, several) for _, run, suite, m in chosen]
