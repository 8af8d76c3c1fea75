"""Custom metric aggregators, registered by name, for metrics that are not a plain rate or mean.

A suite metric with `aggregate: NAME` (NAME not `proportion` or `mean`) is computed by
the registered function from the task's wide score table: one row per item x sample
with columns suite, task, item_id, group, sample and one column per scorer output.
The function returns {"value", "ci_low", "ci_high", "n", "interval"} and may add
"groups": {group: {same keys}}.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

BUILTIN = ("proportion", "mean")

# name -> "module:function"; imported on first use.
AGGREGATORS: dict[str, str] = {
    "max_group_gap": "audit.metrics.groups:max_group_gap",
}

Aggregator = Callable[..., dict[str, Any]]


def known(name: str) -> bool:
    return name in BUILTIN or name in AGGREGATORS


def get_aggregator(name: str) -> Aggregator:
    if name not in AGGREGATORS:
        raise KeyError(f"unknown aggregator {name!r}")
    module, _, attr = AGGREGATORS[name].partition(":")
    return getattr(importlib.import_module(module), attr)
