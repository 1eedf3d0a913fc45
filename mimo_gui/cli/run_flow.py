"""``mimo-gui run-flow``: run a YAML flow file (env, model, steps) and report what it found."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ..actions import ConfigError
from ..actions.errors import GuiAssertionError, MimoGuiError, WaitTimeout
from ..agent.backends.base import Backend
from ..env_adapters.base import Env
from ..prompts import Profile
from .exits import EXIT_FAILED, EXIT_OK, exit_code_for
from .options import (
    Parser,
    add_model_options,
    add_resolution_option,
    build_backend,
    check_browser_options,
    check_env_options,
    examples,
    open_env,
    positive_int,
    resolve_profile,
    viewport,
)
from .paths import check_output_folder
from .run import RUNS_DIR, build_agent

if TYPE_CHECKING:
    from ..flows import Flow, FlowReport, FlowStep

__all__ = ["add_run_flow_parser"]


def add_run_flow_parser(sub: argparse._SubParsersAction[Parser]) -> None:
    """Register ``run-flow``."""
    p = sub.add_parser(
        "run-flow",
        help="run a YAML flow file: steps such as click, type, assert, query on a screen",
        description="Run the steps of a flow file (env, model and steps in YAML) in one session: one "
        "trajectory in the run folder. ${name} is filled from --var, the file's vars: or an earlier "
        "step's as: result; ${secret:NAME} is read from the environment variable NAME when the text is "
        "typed, and never written anywhere. Query and ask results and assertion outcomes are printed as "
        "JSON (or written to --output). Model flags override the file's model block. The flow stops at "
        "the first failing step. Quote ${secret:...} in single quotes in a shell.",
        epilog=examples(
            "mimo-gui run-flow examples/sign-in.yaml --var user=alice",
            "mimo-gui run-flow flow.yaml --var user=bob --output results.json",
            "mimo-gui run-flow flow.yaml --base-url http://localhost:8001/v1 --out runs/nightly",
        ),
    )
    p.add_argument("flow", type=Path, metavar="FLOW", help="the flow file (YAML)")
    p.add_argument(
        "--var",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a ${NAME} value (repeatable; overrides the file's vars:)",
    )
    p.add_argument(
        "--output", type=Path, metavar="FILE", help="write the results JSON here (default: print it)"
    )
    add_model_options(p)
    add_resolution_option(p)
    p.add_argument(
        "--max-steps",
        type=positive_int,
        default=20,
        help="most model calls an act step makes, unless the step says (default 20)",
    )
    p.add_argument(
        "--out", type=Path, metavar="DIR", help="the run folder (default <runs-dir>/<time>-flow-…/)"
    )
    p.add_argument(
        "--runs-dir", type=Path, metavar="DIR", help=f"where a run folder is made (default {RUNS_DIR}/)"
    )
    p.set_defaults(func=_run_flow)
    # A flag given on the command line beats the file's model block: say so where they are listed.
    for action in p._actions:
        if action.dest in _MODEL_FIELDS and action.help:
            action.help += "; overrides the flow's model block"


_MODEL_FIELDS = {
    "backend": "backend",
    "base_url": "base_url",
    "model": "name",
    "profile": "profile",
    "think": "think",
    "max_tokens": "max_tokens",
    "timeout": "timeout",
    "min_pixels": "min_pixels",
    "max_pixels": "max_pixels",
    "image_format": "image_format",
    "resolution": "resolution",
}
"""Each model flag's dest, and the model block's field it overrides."""


def _run_flow(args: argparse.Namespace) -> int:
    from ..flows import load_flow, parse_var

    given = dict(parse_var(v) for v in args.var)
    flow = load_flow(args.flow, given)  # a bad file fails here, before any screen or model
    _merge_model_block(args, flow)
    env_args = _env_args(flow)
    env_args.resolution = args.resolution  # the browser captures at the resolution framed
    check_env_options(env_args, "run-flow")
    check_browser_options(env_args, "run-flow")
    if args.out is not None:
        check_output_folder(args.out, must_be_empty=True)
    else:
        check_output_folder(args.runs_dir or RUNS_DIR, "--runs-dir")
    _check_output_file(args.output)
    profile = resolve_profile(args)
    backend = build_backend(args)
    try:
        url = flow.env.browser.url if flow.env.browser is not None else None
        with open_env(env_args, url) as env:
            report = _run(args, flow, env, backend, profile)
    finally:
        backend.close()
    return _finish(args, report)


def _merge_model_block(args: argparse.Namespace, flow: Flow) -> None:
    """Fill each model flag not given from the file's model block (flags win)."""
    block = flow.model
    if block is None:
        return
    for dest, name in _MODEL_FIELDS.items():
        if getattr(args, dest) is None:
            setattr(args, dest, getattr(block, name))
    if args.answers is None and block.answers is not None:
        args.answers = flow.folder / block.answers


def _env_args(flow: Flow) -> argparse.Namespace:
    """The env block as the flags `open_env` reads."""
    env = flow.env
    args = argparse.Namespace(env=env.kind, chromium=None)
    if env.browser is not None:
        b = env.browser
        try:
            size = viewport(b.viewport) if b.viewport is not None else None
        except argparse.ArgumentTypeError as exc:
            raise ConfigError(f"{flow.source}: env.browser.viewport: {exc}") from None
        args.url, args.viewport, args.device_scale_factor = b.url, size, b.device_scale_factor
        args.headed, args.cdp_url = b.headed, b.cdp_url
    if env.desktop is not None:
        args.monitor, args.scale = env.desktop.monitor, env.desktop.scale
    if env.android is not None:
        a = env.android
        args.serial, args.adb_host, args.adb_port = a.serial, a.adb_host, a.adb_port
    return args


def _check_output_file(path: Path | None) -> None:
    if path is None:
        return
    if path.is_dir():
        raise ConfigError(f"--output {str(path)!r} is a folder: give a file path")
    parent = path.absolute().parent
    if not parent.is_dir():
        raise ConfigError(f"--output {str(path)!r}: the folder {str(parent)!r} does not exist")


def _run(args: argparse.Namespace, flow: Flow, env: Env, backend: Backend, profile: Profile) -> FlowReport:
    from ..flows import run_flow

    agent = build_agent(args, env, backend, profile, runs_dir=args.runs_dir or RUNS_DIR)
    total = len(flow.steps)

    def announce(step: FlowStep) -> None:
        print(f"flow step {step.index}/{total} (line {step.line}): {step.kind}", file=sys.stderr)

    return run_flow(flow, agent, task=f"flow {args.flow.stem}", on_step=announce)


def _finish(args: argparse.Namespace, report: FlowReport) -> int:
    text = report.output().model_dump_json(indent=2) + "\n"
    if args.output is not None:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
    where = f"; trajectory in {report.trajectory}" if report.trajectory else ""
    passed = sum(c.passed for c in report.checks)
    print(f"flow {report.status}: {passed}/{len(report.checks)} checks passed{where}", file=sys.stderr)
    stopped = report.exception
    if isinstance(stopped, KeyboardInterrupt):
        raise stopped  # main prints it and exits 130, as every command does
    if report.status == "passed" or stopped is None:
        return EXIT_OK
    if report.error is not None:
        print(
            f"mimo-gui run-flow: error: {report.flow} line {report.error.line}, step {report.error.step} "
            f"({report.error.kind}): {report.error.message}",
            file=sys.stderr,
        )
    if isinstance(stopped, GuiAssertionError | WaitTimeout) or not isinstance(stopped, MimoGuiError):
        return EXIT_FAILED
    return exit_code_for(stopped)
