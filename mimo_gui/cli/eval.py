"""``mimo-gui eval``: grounding experiments (``grounding``, ``compare``, ``synth``), one module each."""

from __future__ import annotations

import argparse

from .eval_compare import add_compare_parser
from .eval_grounding import add_grounding_parser
from .eval_synth import add_synth_parser
from .options import Parser, examples

__all__ = ["SUBCOMMANDS", "add_eval_parser"]

SUBCOMMANDS = {
    "grounding": "score a model's grounding on a dataset",
    "compare": "two eval runs side by side",
    "synth": "make a grounding set from web pages",
}


def add_eval_parser(sub: argparse._SubParsersAction[Parser]) -> None:
    """Register ``eval`` and its subcommands."""
    p = sub.add_parser(
        "eval",
        help="grounding experiments: score a model on a dataset, compare runs, make a set",
        description="Grounding experiments. Choose one:\n"
        + "\n".join(f"  {name:<10} {what}" for name, what in SUBCOMMANDS.items())
        + "\nSee mimo-gui eval COMMAND --help for each.",
        epilog=examples(
            "mimo-gui eval grounding --format screenspot --data ScreenSpot/ --base-url http://localhost:8000/v1",
            "mimo-gui eval compare runs/eval-a runs/eval-b",
        ),
    )
    inner = p.add_subparsers(dest="eval_command", metavar="COMMAND", title="commands", parser_class=Parser)
    add_grounding_parser(inner)
    add_compare_parser(inner)
    add_synth_parser(inner)

    def no_subcommand(args: argparse.Namespace) -> int:
        p.error(f"choose what to evaluate: {', '.join(SUBCOMMANDS)} (see mimo-gui eval --help)")

    p.set_defaults(func=no_subcommand)
