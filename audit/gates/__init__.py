"""Gates: a policy of thresholds turned into pass / fail / inconclusive verdicts on a run.

    policy = load_policy("riskaudit-policy.yaml")
    verdicts = evaluate_policy(policy, load_run("runs/smollm2-135m"))
    exit_code(verdicts)  # 0 when no gate fails, 1 when one does

Names are imported on first use, so reading a policy and a summary (what the pytest
plugin does at collection) does not import pandas.
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    "Example": "verdict", "RunData": "verdict", "Verdict": "verdict", "evaluate": "verdict",
    "evaluate_policy": "verdict", "exit_code": "verdict", "load_run": "verdict",
    "Gate": "policy", "Policy": "policy", "PolicyError": "policy", "expand": "policy",
    "load_policy": "policy", "parse_policy": "policy", "read_summary": "policy",
    "starter_policy_path": "policy",
}

__all__ = [
    "Example", "Gate", "Policy", "PolicyError", "RunData", "Verdict", "evaluate", "evaluate_policy",
    "exit_code", "expand", "load_policy", "load_run", "parse_policy", "read_summary",
    "starter_policy_path",
]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'audit.gates' has no attribute {name!r}")
    return getattr(importlib.import_module(f"audit.gates.{_WHERE[name]}"), name)


def __dir__() -> list[str]:
    return __all__
