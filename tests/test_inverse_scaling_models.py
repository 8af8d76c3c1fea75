"""Several --model options audit the same items into one run directory per model."""

from __future__ import annotations

import json

import pytest

from audit.cli import main
from audit.commands.run import slug


def test_two_models_get_their_own_run_directories(tmp_path, tiny_causal, capsys):
    out = tmp_path / "cmp"
    tiny = f"hf:{tiny_causal}"
    code = main(["run", "-m", "fake", "-m", tiny, "-s", "inverse_scaling", "--limit", "4",
                 "--out", str(out), "--no-report", "--threads", "1"])
    assert code == 0
    dirs = {"fake": out / "fake", tiny: out / slug(tiny)}
    hashes = set()
    for name, folder in dirs.items():
        summary = json.loads((folder / "summary.json").read_text())
        assert summary["model"] == name
        acc = summary["suites"]["inverse_scaling"]["metrics"]["accuracy"]
        assert acc["n"] == 4 and 0.0 <= acc["value"] <= 1.0
        manifest = json.loads((folder / "manifest.json").read_text())
        assert manifest["status"] == "complete" and manifest["model"]["name"] == name
        hashes.add(manifest["suites"][0]["data_hash"])
    assert len(hashes) == 1  # the very same items for both models
    printed = capsys.readouterr().out
    assert "fake:" in printed and f"{tiny}:" in printed


def test_the_same_model_twice_is_refused(tmp_path, capsys):
    code = main(["run", "-m", "fake", "-m", "fake", "-s", "inverse_scaling", "--limit", "1",
                 "--out", str(tmp_path), "--no-report"])
    assert code == 2
    assert "twice" in capsys.readouterr().err


@pytest.mark.parametrize("name, expected", [("hf:/a/b c", "a_b_c"), ("gemma3-270m", "gemma3-270m")])
def test_run_directory_names(name, expected):
    assert slug(name) == expected
