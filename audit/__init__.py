"""riskaudit's engine: types, model backends, cache, scorers, runner, results and statistics.

Names are imported on first use, so `import audit` stays cheap (no torch, no pandas).
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "Item": "audit.types",
    "Prompt": "audit.types",
    "Generation": "audit.types",
    "GenerationConfig": "audit.types",
    "LoglikelihoodRequest": "audit.types",
    "Response": "audit.types",
    "Model": "audit.models",
    "ModelInfo": "audit.models",
    "ModelOptions": "audit.models",
    "FakeModel": "audit.models",
    "load_model": "audit.models",
    "SuiteSpec": "audit.suite",
    "SuiteError": "audit.suite",
    "load_spec": "audit.suite",
    "LoadedSuite": "audit.runner",
    "Runner": "audit.runner",
    "RunOptions": "audit.runner",
    "ResponseCache": "audit.cache",
}

__all__ = [
    "FakeModel",
    "Generation",
    "GenerationConfig",
    "Item",
    "LoadedSuite",
    "LoglikelihoodRequest",
    "Model",
    "ModelInfo",
    "ModelOptions",
    "Prompt",
    "Response",
    "ResponseCache",
    "RunOptions",
    "Runner",
    "SuiteError",
    "SuiteSpec",
    "load_model",
    "load_spec",
]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'audit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
