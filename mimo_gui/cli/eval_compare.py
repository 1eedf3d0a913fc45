"""``mimo-gui eval compare``: two eval runs side by side."""

from __future__ import annotations

import argparse
from pathlib import Path

from .exits import EXIT_OK
from .options import Parser, examples
from .paths import check_run_folder

__all__ = ["add_compare_parser"]


def add_compare_parser(sub: argparse._SubParsersAction[Parser]) -> None:
    """Register ``eval compare``."""
    p = sub.add_parser(
        "compare",
        help="two eval runs side by side, and the samples that flipped",
        description="Compare two eval grounding runs on the same dataset: accuracy overall and per "
        "split, and the samples one run hit and the other missed.",
        epilog=examples(
            "mimo-gui eval compare runs/eval-base runs/eval-new", "mimo-gui eval compare A B --json"
        ),
    )
    p.add_argument("run_a", type=Path, metavar="RUN_A", help="the baseline run folder")
    p.add_argument("run_b", type=Path, metavar="RUN_B", help="the run to compare with it")
    p.add_argument("--json", action="store_true", help="print the comparison as JSON")
    p.set_defaults(func=_compare)


def _compare(args: argparse.Namespace) -> int:
    from ..eval.compare import compare_runs, format_comparison

    for run in (args.run_a, args.run_b):
        check_run_folder(run, record="manifest.json")
    comparison = compare_runs(args.run_a, args.run_b)
    print(comparison.model_dump_json(indent=2) if args.json else format_comparison(comparison))
    return EXIT_OK
