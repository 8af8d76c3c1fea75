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
    "over_false_claims": "audit.scorers.truthfulqa:over_false_claims",
    "over_true_claims": "audit.scorers.truthfulqa:over_true_claims",
    "bbq_bias_ambiguous": "audit.metrics.bias:bbq_bias_ambiguous",
    "bbq_bias_disambiguated": "audit.metrics.bias:bbq_bias_disambiguated",
    "bbq_accuracy_ambiguous": "audit.metrics.bias:bbq_accuracy_ambiguous",
    "bbq_accuracy_disambiguated": "audit.metrics.bias:bbq_accuracy_disambiguated",
    "pro_anti_gap": "audit.metrics.bias:pro_anti_gap",
    "stereoset_ss": "audit.metrics.bias:stereoset_ss",
    "stereoset_lms": "audit.metrics.bias:stereoset_lms",
    "stereoset_icat": "audit.metrics.bias:stereoset_icat",
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
