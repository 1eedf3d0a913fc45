"""``mimo-gui ground``: where an instruction points on one screenshot."""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

from ..actions import ConfigError
from ..env_adapters.image import ImageEnv
from .exits import EXIT_OK
from .options import (
    Parser,
    add_model_options,
    add_resolution_option,
    build_backend,
    check_lang,
    examples,
    resolve_profile,
    resolve_resolution,
    resolve_think,
)
from .paths import check_image_output

__all__ = ["add_ground_parser", "run_ground"]

DESCRIPTION = """\
Find where an instruction points on a screenshot. Prints one JSON line: the point (x, y) in
the screenshot's own pixels, the box when the model gave one, the thought and the raw answer."""


def add_ground_parser(sub: argparse._SubParsersAction[Parser]) -> None:
    """Register ``ground``."""
    p = sub.add_parser(
        "ground",
        help="find where an instruction points on a screenshot",
        description=DESCRIPTION,
        epilog=examples(
            'mimo-gui ground shot.png "the Save button" --base-url http://localhost:8000/v1',
            'mimo-gui ground shot.png "the search box" --annotate found.png',
        ),
    )
    p.add_argument("image", type=Path, help="the screenshot (PNG, JPEG, …)")
    p.add_argument("instruction", help='what to find, e.g. "the Save button"')
    add_model_options(p)
    p.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="the screenshot's physical pixels per logical pixel (2 for a Retina or 2x capture; "
        "default 1): with --resolution logical the model sees it at its logical size",
    )
    add_resolution_option(p)
    p.add_argument(
        "--lang", choices=("en", "cn"), default="en", help="prompt language (mimo-vl: Xiaomi's cn prompt)"
    )
    p.add_argument(
        "--annotate", type=Path, metavar="OUT.png", help="also save the screenshot with the point drawn"
    )
    p.set_defaults(func=run_ground)


def run_ground(args: argparse.Namespace) -> int:
    """Ground the instruction, print the JSON line, save the annotated copy if asked."""
    from ..agent.annotate import annotate
    from ..agent.grounding import ground

    if not args.instruction.strip():
        raise ConfigError("the instruction is empty")
    if not (math.isfinite(args.scale) and args.scale > 0):
        raise ConfigError(f"--scale must be a positive number, got {args.scale:g}")
    if args.annotate is not None:
        check_image_output(args.annotate, "--annotate")  # before the model spends a minute on it
    image = ImageEnv(args.image).observe().image
    profile = resolve_profile(args)
    check_lang(profile, args.lang)
    backend = build_backend(args)
    try:
        result = ground(
            image,
            args.instruction,
            backend,
            profile,
            think=resolve_think(args),
            lang=args.lang,
            max_tokens=args.max_tokens,
            scale=args.scale,
            resolution=resolve_resolution(args),
        )
    finally:
        backend.close()
    print(json.dumps(result.to_json(), ensure_ascii=False))
    if args.annotate is not None:
        annotate(image, result.point, result.box).save(args.annotate)
    return EXIT_OK
