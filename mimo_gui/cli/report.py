"""``mimo-gui report``: (re)build a run folder's ``report.html``."""

from __future__ import annotations

import argparse
from pathlib import Path

from .exits import EXIT_OK
from .options import Parser, examples
from .paths import check_run_folder

__all__ = ["add_report_parser", "run_report"]


def add_report_parser(sub: argparse._SubParsersAction[Parser]) -> None:
    """Register ``report``."""
    p = sub.add_parser(
        "report",
        help="(re)build report.html for a run folder",
        description="Rebuild report.html in a run folder from its records (run.json, steps.jsonl and "
        "the screenshots), e.g. after a crash or an upgrade. Prints the report's path.",
        epilog=examples("mimo-gui report runs/20250101-120000-log-in-as-alice"),
    )
    p.add_argument("run", type=Path, help="the run folder (holds run.json and steps.jsonl)")
    p.set_defaults(func=run_report)


def run_report(args: argparse.Namespace) -> int:
    """Write the report and print where it is."""
    from ..agent.report import write_report

    check_run_folder(args.run)
    print(write_report(args.run))
    return EXIT_OK
