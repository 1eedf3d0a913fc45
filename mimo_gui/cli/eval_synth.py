"""``mimo-gui eval synth``: a grounding set made from live web pages."""

from __future__ import annotations

import argparse
from pathlib import Path

from .exits import EXIT_OK
from .options import Parser, add_browser_options, examples, launch_settings
from .paths import check_output_folder

__all__ = ["add_synth_parser"]


def add_synth_parser(sub: argparse._SubParsersAction[Parser]) -> None:
    """Register ``eval synth``."""
    p = sub.add_parser(
        "synth",
        help="make a grounding set from web pages (screenshots + element boxes)",
        description="Open each page in headless Chromium, screenshot it, and write one sample per "
        "visible, uniquely named interactive element (its name as the instruction, its box as the "
        "target) to --out as a jsonl set that eval grounding reads with --format jsonl. A page "
        "with no usable element is an error.",
        epilog=examples(
            "mimo-gui eval synth --url http://localhost:8000/login --url http://localhost:8000/ --out set",
            "mimo-gui eval grounding --format jsonl --data set/samples.jsonl --base-url http://localhost:8000/v1",
        ),
    )
    p.add_argument("--url", action="append", required=True, help="a page to capture (repeatable)")
    p.add_argument(
        "--out", type=Path, required=True, metavar="DIR", help="where to write the set (new or empty)"
    )
    add_browser_options(p, attach=False)
    p.set_defaults(func=_synth)


def _synth(args: argparse.Namespace) -> int:
    from ..eval.synth import synthesize

    size, scale = launch_settings(args)
    check_output_folder(args.out, must_be_empty=True)
    path = synthesize(args.url, args.out, viewport=size, device_scale_factor=scale, chromium=args.chromium)
    print(path)
    return EXIT_OK
