"""Each package's curated public API resolves, and nothing private leaks into it."""

from __future__ import annotations

import importlib

import pytest


@pytest.mark.parametrize("package", ["audit", "reports", "taxonomy", "audit.models", "audit.scorers"])
def test_every_exported_name_resolves(package):
    module = importlib.import_module(package)
    assert module.__all__, package
    for name in module.__all__:
        assert not name.startswith("_")
        assert getattr(module, name) is not None, f"{package}.{name}"


def test_unknown_attribute_of_audit_raises():
    import audit

    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        audit.nope  # noqa: B018


def test_audit_exports_exactly_its_lazy_names():
    import audit

    assert sorted(audit.__all__) == sorted(audit._EXPORTS)
