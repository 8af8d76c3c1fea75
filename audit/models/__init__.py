"""Model backends behind one batched protocol, and the names that select them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from audit.models.base import Model, ModelInfo
from audit.models.builtin import ALIASES, DEFAULT_MODEL
from audit.models.fake import FakeModel

__all__ = ["ALIASES", "DEFAULT_MODEL", "FakeModel", "Model", "ModelInfo", "ModelOptions", "load_model"]


@dataclass(frozen=True)
class ModelOptions:
    """How a model is loaded and batched; recorded in the manifest."""

    dtype: str = "float32"
    """Parameter dtype: float32, bfloat16, float16 or auto."""
    device: str = "cpu"
    """cpu, cuda, or auto (cuda when available)."""
    threads: int | None = None
    """Torch intra-op threads; None keeps torch's default."""
    batch_size: int = 8
    """Prompts per forward pass."""


class UnknownModel(ValueError):
    pass


def load_model(spec: str, options: ModelOptions | None = None) -> Model:
    """Resolve a model name: `fake`, a built-in alias, or `hf:PATH_OR_HUB_ID`."""
    options = options or ModelOptions()
    kwargs = {"dtype": options.dtype, "device": options.device, "threads": options.threads,
              "batch_size": options.batch_size}
    if spec == "fake":
        return FakeModel()
    if spec in ALIASES:
        from audit.models.builtin import prepare
        from audit.models.hf import HFModel

        folder, digest = prepare(spec)
        return HFModel(folder, name=spec, fingerprint=f"gguf-sha256:{digest}", **kwargs)
    if spec.startswith("hf:"):
        from audit.models.hf import HFModel

        source = spec[3:]
        if not source:
            raise UnknownModel("hf: needs a folder or hub id, e.g. hf:./my-model")
        path = Path(source).expanduser()
        if path.exists() and not (path / "config.json").is_file():
            raise UnknownModel(f"{source} has no config.json; it is not a transformers model folder")
        return HFModel(str(path) if path.exists() else source, name=spec, **kwargs)
    names = ", ".join(["fake", *ALIASES, "hf:PATH"])
    raise UnknownModel(f"unknown model {spec!r}; use one of: {names}")
