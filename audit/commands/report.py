"""`riskaudit report RUN_DIR...`: re-render report.html from a run directory, no model loaded."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def add_parser(sub: Any) -> None:
    p = sub.add_parser("report", help="re-render report.html from run directories")
    p.add_argument("runs", nargs="+", type=Path, metavar="RUN_DIR")
    p.set_defaults(handler=run)


def render(run_dir: Path) -> Path:
    import reports
    from audit.commands.list import registered_coverage

    record = reports.load_run(run_dir)
    context = reports.build_context(record, coverage=registered_coverage())
    return reports.write_html(context, run_dir / "report.html")


def run(args: argparse.Namespace) -> int:
    from audit.errors import UserError

    for run_dir in args.runs:
        if not (run_dir / "manifest.json").is_file():
            raise UserError(f"{run_dir} is not a run directory (no manifest.json)")
    for run_dir in args.runs:
        print(render(run_dir))
    return 0
