"""``mimo-gui eval grounding``: score a model's grounding on a dataset."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from ..actions import ConfigError
from ..agent.backends.base import Backend
from ..agent.durable import claim_fresh_folder
from .exits import EXIT_OK
from .options import (
    Parser,
    add_model_options,
    add_resolution_option,
    build_backend,
    check_lang,
    examples,
    positive_int,
    resolve_profile,
    resolve_resolution,
    resolve_think,
    uses_answers_file,
)
from .paths import check_output_folder
from .progress import EvalProgress

__all__ = ["RUNS_DIR", "add_grounding_parser", "dataset_location"]

RUNS_DIR = Path("runs")
"""Where an eval without ``--out`` gets its own fresh ``eval-<time>-<data>`` folder."""

DESCRIPTION = """\
Score a model's grounding with the production pipeline (the profile's prompt, parser, pixel
budget and frame). Writes manifest.json, samples.jsonl (one line per sample, as it lands),
summary.json and report.html to --out. Exits 0 when the run completes, whatever the accuracy.

--answers FILE (with --backend scripted) plays stored answers instead of a model, keyed to the
samples so that --concurrency does not change who gets which answer. FILE is JSON, either
  an object mapping each sample id to its answer:  {"s1": "<answer>", "s2": ["<first>", "<refine>"]}
  or a list in dataset order (after --split/--limit):  ["<answer for the 1st>", "<for the 2nd>", ...]
where an answer is the model's raw text, or a pair [first look, second look] with --refine."""


def dataset_location(data: str | Path) -> str:
    """Where the data is, for the manifest: an existing path made absolute, anything else (a
    hub id such as ``rootsautomation/ScreenSpot``) as given, never resolved against the
    current folder into a path that is not there."""
    path = Path(data)
    return str(path.resolve()) if path.exists() else str(data)


def add_grounding_parser(sub: argparse._SubParsersAction[Parser]) -> None:
    """Register ``eval grounding``."""
    from ..eval.datasets import FORMATS

    p = sub.add_parser(
        "grounding",
        help="score a model's grounding on a ScreenSpot-family dataset",
        description=DESCRIPTION,
        epilog=examples(
            "mimo-gui eval grounding --format screenspot --data ScreenSpot/ --base-url http://localhost:8000/v1",
            "mimo-gui eval grounding --format hf --data rootsautomation/ScreenSpot --limit 100 --out runs/ss",
            "mimo-gui eval grounding --format hf --data rootsautomation/ScreenSpot --out runs/ss --resume",
        ),
    )
    p.add_argument("--format", required=True, choices=FORMATS, help="the dataset's format")
    p.add_argument(
        "--data", required=True, type=Path, help="the dataset (file, folder or hub id, per format)"
    )
    p.add_argument("--images", type=Path, metavar="DIR", help="the images' folder, where the format allows")
    p.add_argument(
        "--split", nargs="+", action="extend", metavar="NAME", help="only these splits (repeatable)"
    )
    p.add_argument("--limit", type=positive_int, metavar="N", help="the first N samples only")
    add_model_options(p, answers_help="scripted backend: the answers per sample (format above)")
    p.add_argument("--prompt-file", type=Path, metavar="F", help="a grounding prompt with $instruction")
    p.add_argument("--temperature", type=float, default=0.0, help="sampling temperature (default 0: greedy)")
    p.add_argument("--frame", choices=("resize", "pad"), help="how images are framed (default: profile's)")
    p.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="the screenshots' physical pixels per logical pixel, for HiDPI datasets (default 1); "
        "with --resolution logical the model sees them at their logical size",
    )
    add_resolution_option(p)
    p.add_argument("--refine", action="store_true", help="a second pass on a crop around the first answer")
    p.add_argument("--lang", choices=("en", "cn"), default="en", help="instruction and prompt language")
    p.add_argument(
        "--concurrency", type=positive_int, default=16, metavar="N", help="requests in flight (default 16)"
    )
    p.add_argument(
        "--batch-size", type=positive_int, default=8, metavar="N", help="transformers: batch (default 8)"
    )
    p.add_argument(
        "--out", type=Path, metavar="DIR", help="the output folder (default runs/eval-<time>-<data>)"
    )
    p.add_argument("--resume", action="store_true", help="continue the run in --out")
    p.set_defaults(func=_grounding)


def _check_out(args: argparse.Namespace) -> None:
    """The output folder, checked before the server is asked or a dataset read."""
    if args.resume:
        if args.out is None:
            raise ConfigError("--resume needs --out: the folder of the run to continue")
        if not args.out.exists():
            raise ConfigError(
                f"--resume: nothing to continue, {str(args.out)!r} does not exist "
                "(drop --resume to start a new run there)"
            )
        if not args.out.is_dir():
            raise ConfigError(f"--resume: {str(args.out)!r} is a file, not an eval run folder")
        check_output_folder(args.out)
    elif args.out is not None:
        if args.out.is_dir() and any(args.out.iterdir()):
            raise ConfigError(
                f"output folder {str(args.out)!r} is not empty: "
                "pick a new --out, or pass --resume to continue it"
            )
        check_output_folder(args.out)
    else:
        check_output_folder(RUNS_DIR, "runs folder")


def _read_template(path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        template = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"prompt file {str(path)!r} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read prompt file {str(path)!r}: {exc}") from None
    if "$instruction" not in template and "${instruction}" not in template:
        raise ConfigError(f"prompt file {str(path)!r} has no $instruction placeholder")
    return template


def _backend(args: argparse.Namespace, samples: list[Any]) -> Backend:
    """The backend, sized for the run; a scripted one hands each sample its own answer."""
    if uses_answers_file(args):
        from ..eval.answers import scripted_answers

        if args.answers is None:
            raise ConfigError("--backend scripted needs --answers FILE (see mimo-gui eval grounding --help)")
        return scripted_answers(args.answers, samples)
    return build_backend(args, concurrency=args.concurrency, batch_size=args.batch_size)


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


def _grounding(args: argparse.Namespace) -> int:
    from ..eval.datasets import annotation_files, dataset_fingerprint, load_dataset
    from ..eval.manifest import DatasetInfo
    from ..eval.runner import run_eval
    from ..eval.settings import EvalSettings

    _check_out(args)
    profile = resolve_profile(args)
    check_lang(profile, args.lang)
    template = _read_template(args.prompt_file)
    settings = EvalSettings(
        profile=profile,
        think=resolve_think(args),
        lang=args.lang,
        frame_mode=args.frame,
        scale=args.scale,
        resolution=resolve_resolution(args),
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
        path=dataset_location(args.data),
        images=str(Path(args.images).resolve()) if args.images else None,
        splits=args.split,
        limit=args.limit,
        fingerprint=dataset_fingerprint(annotation_files(args.format, args.data, splits=args.split)),
        samples_fingerprint=dataset_fingerprint(samples),
        n=len(samples),
    )
    backend = _backend(args, samples)
    progress = EvalProgress(len(samples))
    try:
        _probe(backend, args)
        out = args.out or claim_fresh_folder(
            RUNS_DIR, f"eval-{time.strftime('%Y%m%d-%H%M%S')}-{_slug(args.data)}"
        )
        print(
            f"eval: {len(samples)} samples from {args.data} ({args.format}); model {backend.model} via "
            f"{backend.name}, profile {profile.name}; output {out}",
            file=sys.stderr,
        )
        try:
            result = run_eval(
                samples,
                backend,
                settings,
                out,
                dataset=dataset,
                resume=args.resume,
                options=_options(args),
                on_start=progress.start,
                on_record=progress,
            )
        except BaseException:
            if progress.new:  # where it stood; no "0/N" line before a settings error
                progress.close()
            raise
        progress.close()
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
