"""``mimo-gui eval``: ``grounding`` (score a model on a dataset), ``compare`` (two runs), ``synth``.

`add_eval_parser` registers the command on the main parser's subcommands; `main` runs it
alone (``main(["grounding", ...])``), with the same error handling and exit codes as
``mimo-gui``: 0 done (whatever the accuracy), 2 usage, configuration or connection error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..actions import ConfigError
from ..agent.backends.base import Backend
from ..agent.backends.factory import choose_backend_kind
from ..cli import (
    EXIT_OK,
    _viewport,
    add_model_options,
    build_backend,
    resolve_profile,
    resolve_think,
)

__all__ = ["add_eval_parser", "main"]


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def add_eval_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register ``eval`` (with ``grounding``, ``compare``, ``synth``) on ``mimo-gui``'s subcommands."""
    p = sub.add_parser("eval", help="grounding experiments: score a model on a dataset, compare runs")
    inner = p.add_subparsers(dest="eval_command", required=True, parser_class=type(p))
    _grounding_parser(inner)
    _compare_parser(inner)
    _synth_parser(inner)


# -- grounding -----------------------------------------------------------------------------


def _grounding_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from .datasets import FORMATS

    p = sub.add_parser(
        "grounding",
        help="score a model's grounding on a ScreenSpot-family dataset",
        description="Score a model's grounding with the production pipeline (the profile's prompt, "
        "parser, pixel budget and frame). Exits 0 when the run completes, whatever the accuracy.",
    )
    p.add_argument("--format", required=True, choices=FORMATS, help="the dataset's format")
    p.add_argument("--data", required=True, type=Path, help="the dataset (file or folder, per format)")
    p.add_argument("--images", type=Path, metavar="DIR", help="the images' folder, where the format allows")
    p.add_argument(
        "--split", nargs="+", action="extend", metavar="NAME", help="only these splits (repeatable)"
    )
    p.add_argument("--limit", type=_positive_int, metavar="N", help="the first N samples only")
    add_model_options(p)
    p.add_argument("--prompt-file", type=Path, metavar="F", help="a grounding prompt with $instruction")
    p.add_argument("--temperature", type=float, default=0.0, help="sampling temperature (default 0: greedy)")
    p.add_argument("--frame", choices=("resize", "pad"), help="how images are framed (default: profile's)")
    p.add_argument("--refine", action="store_true", help="a second pass on a crop around the first answer")
    p.add_argument("--lang", choices=("en", "cn"), default="en", help="instruction and prompt language")
    p.add_argument(
        "--concurrency", type=_positive_int, default=16, metavar="N", help="requests in flight (default 16)"
    )
    p.add_argument(
        "--batch-size", type=_positive_int, default=8, metavar="N", help="transformers: batch (default 8)"
    )
    p.add_argument(
        "--out", type=Path, metavar="DIR", help="the output folder (default runs/eval-<time>-<data>)"
    )
    p.add_argument("--resume", action="store_true", help="continue the run in --out")
    p.set_defaults(func=_cmd_grounding)


def _eval_backend(args: argparse.Namespace) -> Backend:
    """The backend, sized for the run: an openai client pooling ``--concurrency`` connections,
    a transformers model batching ``--batch-size``; scripted as ``mimo-gui`` builds it."""
    kind = choose_backend_kind(args.backend, args.base_url)
    if args.backend == "scripted" or (args.backend is None and args.answers is not None):
        return build_backend(args)
    if kind == "openai":
        from ..agent.backends.openai import OpenAIBackend

        return OpenAIBackend.from_env(
            base_url=args.base_url,
            model=args.model,
            api_key=args.api_key,
            timeout=args.timeout,
            concurrency=args.concurrency,
            # --image-format as given; otherwise the backend's default transport (jpeg)
            **({"image_format": fmt} if (fmt := getattr(args, "image_format", None)) else {}),
        )
    if kind == "transformers":
        from ..agent.backends.transformers import DEFAULT_MODEL, TransformersBackend

        model = args.model or os.environ.get("MIMO_GUI_MODEL") or DEFAULT_MODEL
        return TransformersBackend(model, batch_size=args.batch_size)
    return build_backend(args)


def _probe(backend: Backend, args: argparse.Namespace) -> None:
    """Ask the server which models it serves before anything starts: an unreachable server or a
    refused key fails here, as a `BackendError` naming the URL (exit 2), not on every sample."""
    from ..agent.backends.openai import ENV_API_KEY, ENV_MODEL, OpenAIBackend

    if not isinstance(backend, OpenAIBackend):
        return
    probe = OpenAIBackend(
        backend.base_url,
        api_key=args.api_key or os.environ.get(ENV_API_KEY) or None,
        timeout=min(backend.timeout, 30.0),
        max_retries=1,
    )
    try:
        served = probe.model  # lists /v1/models
    finally:
        probe.close()
    if not (args.model or os.environ.get(ENV_MODEL)):
        backend.model = served  # no --model: the one the server serves, as `ground` takes it


def _cmd_grounding(args: argparse.Namespace) -> int:
    from .datasets import annotation_files, dataset_fingerprint, load_dataset
    from .runner import DatasetInfo, EvalSettings, Progress, run_eval

    if args.resume and args.out is None:
        raise ConfigError("--resume needs --out: the folder of the run to continue")
    out_taken = args.out is not None and args.out.exists()
    # Checked before the server is asked or a dataset read; the runner checks again.
    if not args.resume and out_taken and (not args.out.is_dir() or any(args.out.iterdir())):
        raise ConfigError(
            f"output folder {str(args.out)!r} is not empty: pick a new --out, or pass --resume to continue it"
        )
    profile = resolve_profile(args)
    template = None
    if args.prompt_file is not None:
        try:
            template = args.prompt_file.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ConfigError(f"prompt file {str(args.prompt_file)!r} does not exist") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read prompt file {str(args.prompt_file)!r}: {exc}") from None
        if "$instruction" not in template and "${instruction}" not in template:
            raise ConfigError(f"prompt file {str(args.prompt_file)!r} has no $instruction placeholder")
    settings = EvalSettings(
        profile=profile,
        think=resolve_think(args),
        lang=args.lang,
        frame_mode=args.frame,
        temperature=args.temperature,
        max_tokens=args.max_tokens,
        template=template,
        template_source=str(args.prompt_file) if args.prompt_file is not None else None,
        refine=args.refine,
        concurrency=args.concurrency,
        batch_size=args.batch_size,
    )
    samples = load_dataset(args.format, args.data, images=args.images, splits=args.split, limit=args.limit)
    if not samples:
        raise ConfigError(f"the dataset {str(args.data)!r} has no samples (after --split/--limit)")
    dataset = DatasetInfo(
        format=args.format,
        path=str(Path(args.data).resolve()),
        images=str(Path(args.images).resolve()) if args.images else None,
        splits=args.split,
        limit=args.limit,
        fingerprint=dataset_fingerprint(annotation_files(args.format, args.data, splits=args.split)),
        samples_fingerprint=dataset_fingerprint(samples),
        n=len(samples),
    )
    out = args.out or Path("runs") / f"eval-{time.strftime('%Y%m%d-%H%M%S')}-{_slug(args.data)}"
    backend = _eval_backend(args)
    try:
        _probe(backend, args)
        print(
            f"eval: {len(samples)} samples from {args.data} ({args.format}); model {backend.model} via "
            f"{backend.name}, profile {profile.name}; output {out}",
            file=sys.stderr,
        )
        result = run_eval(
            samples,
            backend,
            settings,
            out,
            dataset=dataset,
            resume=args.resume,
            progress=Progress(len(samples)),
            options=_options(args),
        )
    finally:
        backend.close()
    s = result.summary
    first = f", first pass {100 * s.first_pass_accuracy:.1f}%" if s.first_pass_accuracy is not None else ""
    print(
        f"accuracy {100 * s.accuracy:.1f}% ({s.hits}/{s.n}{first}); no usable answer: {s.errors} "
        f"(request failures: {s.request_errors}); ran {result.ran} now; report: {out / 'report.html'}",
        file=sys.stderr,
    )
    print(
        json.dumps(
            {"out": str(out), **s.model_dump(include={"accuracy", "n", "errors", "first_pass_accuracy"})}
        )
    )
    return EXIT_OK


def _options(args: argparse.Namespace) -> dict[str, Any]:
    """The command's options as given, for the manifest (the API key left out)."""
    skip = {"func", "command", "eval_command", "api_key"}
    return {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items() if k not in skip}


def _slug(path: Path) -> str:
    name = Path(path).stem or Path(path).name or "data"
    slug = "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")[:40]
    return slug or "data"


# -- compare and synth -------------------------------------------------------------------------


def _compare_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("compare", help="two eval runs side by side, and the samples that flipped")
    p.add_argument("run_a", type=Path, metavar="RUN_A", help="the baseline run folder")
    p.add_argument("run_b", type=Path, metavar="RUN_B", help="the run to compare with it")
    p.add_argument("--json", action="store_true", help="print the comparison as JSON")
    p.set_defaults(func=_cmd_compare)


def _cmd_compare(args: argparse.Namespace) -> int:
    from .compare import compare_runs, format_comparison

    comparison = compare_runs(args.run_a, args.run_b)
    print(comparison.model_dump_json(indent=2) if args.json else format_comparison(comparison))
    return EXIT_OK


def _synth_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("synth", help="make a grounding set from web pages (screenshots + element boxes)")
    p.add_argument("--url", action="append", required=True, help="a page to capture (repeatable)")
    p.add_argument("--out", type=Path, required=True, metavar="DIR", help="where to write the set")
    p.add_argument("--viewport", type=_viewport, default=(1280, 800), metavar="WxH", help="in CSS px")
    p.add_argument("--device-scale-factor", type=float, default=1.0, metavar="F", help="device scale factor")
    p.add_argument("--chromium", help="Chromium executable (env MIMO_GUI_CHROMIUM; default: found on PATH)")
    p.set_defaults(func=_cmd_synth)


def _cmd_synth(args: argparse.Namespace) -> int:
    from .synth import synthesize

    if args.device_scale_factor <= 0:
        raise ConfigError(f"--device-scale-factor must be positive, got {args.device_scale_factor}")
    path = synthesize(
        args.url,
        args.out,
        viewport=args.viewport,
        device_scale_factor=args.device_scale_factor,
        chromium=args.chromium,
    )
    print(path)
    return EXIT_OK


# -- running it alone ---------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """``mimo-gui eval ARGV``: the same as going through ``mimo-gui`` itself."""
    from ..cli import main as cli_main

    return cli_main(["eval", *(argv if argv is not None else sys.argv[1:])])


if __name__ == "__main__":
    sys.exit(main())
