"""The ``mimo-gui`` command line.

Exit codes, for every subcommand: 0 done; 1 failed (the model's answer was unusable, the
task failed or ran out of steps); 2 usage, configuration or connection error; 3 the model
asked for the user. Errors print one line to stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import NoReturn

from PIL import Image, UnidentifiedImageError

from .actions import ConfigError, EnvError, MimoGuiError, ParseError
from .actions.errors import BackendError, CoordinateError
from .agent.backends.base import Backend
from .agent.backends.factory import BACKEND_KINDS, create_backend
from .agent.backends.scripted import ScriptedBackend
from .prompts import PROFILES, Profile, get_profile

__all__ = ["EXIT_ASKED_USER", "EXIT_FAILED", "EXIT_OK", "EXIT_USAGE", "main"]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_ASKED_USER = 3


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _env_bool(name: str) -> bool | None:
    value = os.environ.get(name)
    if value is None or value == "":
        return None
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name}={value!r} is not a boolean (use 1/0, true/false)")


def add_model_options(p: argparse.ArgumentParser) -> None:
    """The flags every model-driven subcommand shares."""
    p.add_argument(
        "--backend", choices=BACKEND_KINDS, help="default: openai with a base URL, else transformers"
    )
    p.add_argument(
        "--base-url", help="OpenAI-compatible server, e.g. http://localhost:8000/v1 (env MIMO_GUI_BASE_URL)"
    )
    p.add_argument("--api-key", help="API key, if the server wants one (env MIMO_GUI_API_KEY)")
    p.add_argument("--model", help="model name or hub id (env MIMO_GUI_MODEL)")
    p.add_argument(
        "--profile", help=f"model family: {', '.join(PROFILES)} (env MIMO_GUI_PROFILE; default mimo-vl)"
    )
    p.add_argument(
        "--think",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="reasoning on/off (env MIMO_GUI_THINK)",
    )
    p.add_argument("--min-pixels", type=int, help="smallest image area the model is shown")
    p.add_argument("--max-pixels", type=int, help="largest image area the model is shown")
    p.add_argument("--max-tokens", type=int, help="most tokens the model may answer with")
    p.add_argument("--timeout", type=float, help="seconds to wait for each model answer")
    p.add_argument("--answers", type=Path, help="scripted backend: a JSON list of answers to play in order")


def resolve_profile(args: argparse.Namespace) -> Profile:
    profile = get_profile(args.profile or os.environ.get("MIMO_GUI_PROFILE") or None)
    changes = {
        k: v for k, v in (("min_pixels", args.min_pixels), ("max_pixels", args.max_pixels)) if v is not None
    }
    if changes:
        for key, value in changes.items():
            if value <= 0:
                raise ConfigError(f"--{key.replace('_', '-')} must be positive, got {value}")
        profile = replace(profile, **changes)
        if profile.min_pixels > profile.max_pixels:
            raise ConfigError(f"--min-pixels {profile.min_pixels} exceeds --max-pixels {profile.max_pixels}")
    return profile


def resolve_think(args: argparse.Namespace) -> bool | None:
    return args.think if args.think is not None else _env_bool("MIMO_GUI_THINK")


def scripted_from_file(path: Path) -> ScriptedBackend:
    """A scripted backend playing the answers in ``path`` (a JSON list of strings)."""
    try:
        answers = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"answers file {str(path)!r} does not exist") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"answers file {str(path)!r} is not JSON: {exc}") from None
    if not isinstance(answers, list) or not all(isinstance(a, str) for a in answers):
        raise ConfigError(f"answers file {str(path)!r} must hold a JSON list of strings")
    return ScriptedBackend.from_answers(answers, model=f"scripted:{path.name}")


def build_backend(args: argparse.Namespace) -> Backend:
    if args.backend == "scripted" or (args.backend is None and args.answers is not None):
        if args.answers is None:
            raise ConfigError("--backend scripted needs --answers FILE (a JSON list of answers)")
        return scripted_from_file(args.answers)
    return create_backend(
        args.backend, base_url=args.base_url, api_key=args.api_key, model=args.model, timeout=args.timeout
    )


def open_image(path: Path) -> Image.Image:
    """Load a screenshot; a missing file or a non-image is a `ConfigError` naming the path."""
    try:
        with Image.open(path) as img:
            img.load()
            return img.convert("RGB")
    except FileNotFoundError:
        raise ConfigError(f"image {str(path)!r} does not exist") from None
    except IsADirectoryError:
        raise ConfigError(f"image {str(path)!r} is a directory, not an image") from None
    except (UnidentifiedImageError, OSError) as exc:
        raise ConfigError(f"{str(path)!r} is not an image PIL can read ({type(exc).__name__})") from None


# -- ground -------------------------------------------------------------------------


def _cmd_ground(args: argparse.Namespace) -> int:
    from .agent.annotate import annotate
    from .agent.grounding import ground

    image = open_image(args.image)
    if not args.instruction.strip():
        raise ConfigError("the instruction is empty")
    profile = resolve_profile(args)
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
        )
    finally:
        backend.close()
    print(json.dumps(result.to_json(), ensure_ascii=False))
    if args.annotate is not None:
        annotate(image, result.point, result.box).save(args.annotate)
    return EXIT_OK


def _ground_parser(sub: argparse._SubParsersAction[_Parser]) -> None:
    p = sub.add_parser("ground", help="find where an instruction points on a screenshot")
    p.add_argument("image", type=Path, help="the screenshot (PNG, JPEG, …)")
    p.add_argument("instruction", help='what to find, e.g. "the Save button"')
    add_model_options(p)
    p.add_argument(
        "--lang", choices=("en", "cn"), default="en", help="prompt language (mimo-vl: Xiaomi's cn prompt)"
    )
    p.add_argument(
        "--annotate", type=Path, metavar="OUT.png", help="also save the screenshot with the point drawn"
    )
    p.set_defaults(func=_cmd_ground)


# -- main -----------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="mimo-gui", description="Let a vision-language model operate real screens.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    _ground_parser(sub)
    return parser


def exit_code_for(error: MimoGuiError) -> int:
    """The exit code an error ends the command with."""
    if isinstance(error, ParseError | CoordinateError | EnvError):
        return EXIT_FAILED
    if isinstance(error, ConfigError | BackendError):
        return EXIT_USAGE
    return EXIT_FAILED


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
        return code
    except MimoGuiError as error:
        print(f"mimo-gui {args.command}: error: {error}", file=sys.stderr)
        return exit_code_for(error)
    except KeyboardInterrupt:
        print(f"mimo-gui {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
