"""Small pure helpers shared by the report builders: numbers, anchors, chart geometry."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

CHART_WIDTH = 220
"""Width in pixels of an interval chart (SVG user units)."""
CHART_HEIGHT = 16
"""Height in pixels of an interval chart."""
_PAD = 6


def is_number(value: Any) -> bool:
    """A real, finite number (bools and NaN are not)."""
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(float(value)))


def is_percent(metric: Mapping[str, Any]) -> bool:
    """Proportions read best as percentages; other aggregates keep their own scale."""
    return metric.get("aggregate", "proportion") == "proportion"


def fmt(value: Any, percent: bool = False) -> str:
    """A number for display: 42.0% for a proportion, 0.420 otherwise, an en dash when missing."""
    if not is_number(value):
        return "–"
    return f"{100 * float(value):.1f}%" if percent else f"{float(value):.3f}"


def fmt_interval(low: Any, high: Any, percent: bool = False) -> str:
    if not (is_number(low) and is_number(high)):
        return "–"
    return f"[{fmt(low, percent)}, {fmt(high, percent)}]"


def anchor(*parts: object) -> str:
    """An id for an in-page #anchor: lower-case letters, digits and dashes only."""
    text = "-".join(str(p) for p in parts).lower()
    text = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    return text or "x"


def badness(metric: Mapping[str, Any]) -> float | None:
    """How far a metric sits from its ideal, in [0, 1]; None when its scale is not [0, 1].

    1.0 is the worst possible value: `value` for a lower-is-better metric,
    `1 - value` for a higher-is-better one, or the distance to an optional
    `ideal` (e.g. 0.5 for a stereotype preference rate) relative to the
    farthest the value could be from it.
    """
    value = metric.get("value")
    if not is_number(value) or not 0.0 <= float(value) <= 1.0:
        return None
    value = float(value)
    ideal = metric.get("ideal")
    if is_number(ideal) and 0.0 <= float(ideal) <= 1.0:
        span = max(float(ideal), 1.0 - float(ideal)) or 1.0
        return abs(value - float(ideal)) / span
    return value if not metric.get("higher_is_better", False) else 1.0 - value


def domain(values: Iterable[Any]) -> tuple[float, float]:
    """The axis of a chart: [0, 1] when every number fits, else the numbers' range padded."""
    nums = [float(v) for v in values if is_number(v)]
    if not nums or (min(nums) >= 0.0 and max(nums) <= 1.0):
        return (0.0, 1.0)
    low, high = min(nums), max(nums)
    if low == high:
        low, high = low - 1.0, high + 1.0
    pad = (high - low) * 0.05
    return (low - pad, high + pad)


def chart(value: Any, low: Any, high: Any, axis: tuple[float, float],
          limit: Any = None) -> dict[str, Any]:
    """Pixel geometry of one point-and-interval chart on `axis` (numbers only, never text)."""
    lo, hi = axis
    inner = CHART_WIDTH - 2 * _PAD

    def x(v: Any) -> float | None:
        if not is_number(v):
            return None
        frac = (float(v) - lo) / (hi - lo)
        return round(_PAD + inner * min(1.0, max(0.0, frac)), 1)

    return {
        "width": CHART_WIDTH, "height": CHART_HEIGHT, "mid": CHART_HEIGHT / 2,
        "x0": _PAD, "x1": CHART_WIDTH - _PAD,
        "point": x(value), "low": x(low), "high": x(high), "limit": x(limit),
    }
