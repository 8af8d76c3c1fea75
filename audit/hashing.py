"""Content hashes for weight files and checkpoints, read in blocks so large files cost no memory."""

from __future__ import annotations

import hashlib
from pathlib import Path


def sha256_file(path: Path, h: hashlib._Hash | None = None) -> str:
    """Hex sha256 of a file's bytes (fed into `h` when given, and its digest returned)."""
    h = h or hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
