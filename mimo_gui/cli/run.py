"""``mimo-gui run``: let the model carry out a task on a screen; `run_task` is shared with ``demo``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ..actions import ConfigError
from ..agent.backends.base import Backend
from ..env_adapters.base import Env
from ..prompts import Profile
from .exits import EXIT_ASKED_USER, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, exit_code_for_kind
from .options import (
    Parser,
    add_android_options,
    add_browser_options,
    add_desktop_options,
    add_env_option,
    add_model_options,
    add_resolution_option,
    build_backend,
    check_browser_options,
    check_env_options,
    examples,
    open_env,
    resolve_profile,
    resolve_resolution,
    resolve_think,
)
from .paths import check_output_folder
from .progress import StepPrinter

if TYPE_CHECKING:
    from ..agent.loop import Agent, RunResult

__all__ = ["RUNS_DIR", "add_run_options", "add_run_parser", "build_agent", "check_run_options", "run_task"]

RUNS_DIR = Path("runs")
"""Where a run without ``--out`` gets its own fresh folder."""


def add_run_options(p: argparse.ArgumentParser) -> None:
    """The flags of every command that drives a screen (``run``, ``demo``)."""
    p.add_argument("--max-steps", type=int, default=20, help="most model calls in the run (default 20)")
    add_resolution_option(p)
    add_browser_options(p)
    p.add_argument("--out", type=Path, metavar="DIR", help="the run folder (default runs/<time>-<task>/)")


def check_run_options(args: argparse.Namespace, command: str) -> None:
    """Everything about the flags that can be checked before a screen or model starts.

    Raises:
        ConfigError: a step budget under 1, a flag of another env (``--url`` with
            ``--env desktop``, ``--monitor`` with ``--env browser``, ``--serial`` with
            anything but ``--env android``), a bad scale, or an
            ``--out`` that cannot be a new run folder.
    """
    if args.max_steps < 1:
        raise ConfigError(f"--max-steps must be at least 1, got {args.max_steps}")
    check_env_options(args, command)  # first: a misplaced flag is named before its value is judged
    check_browser_options(args, command)
    if args.out is not None:
        check_output_folder(args.out, must_be_empty=True)
    else:
        check_output_folder(RUNS_DIR, "runs folder")


def build_agent(
    args: argparse.Namespace, env: Env, backend: Backend, profile: Profile, *, runs_dir: Path = RUNS_DIR
) -> Agent:
    """The `Agent` the flags describe, printing each step; recorded in ``--out``, else in a
    fresh folder under ``runs_dir``."""
    from ..agent.loop import Agent

    return Agent(
        env,
        backend,
        profile,
        think=resolve_think(args),
        max_steps=args.max_steps,
        out=args.out,
        runs_dir=None if args.out else runs_dir,
        on_step=StepPrinter(),
        max_tokens=args.max_tokens,
        resolution=resolve_resolution(args),
    )


def run_task(args: argparse.Namespace, task: str, env: Env, backend: Backend, profile: Profile) -> int:
    """Run the agent and report; the exit code follows how the run ended."""
    agent = build_agent(args, env, backend, profile)
    print(
        f"task: {task}\nmodel: {backend.model} via {backend.name}, profile {agent.profile.name}",
        file=sys.stderr,
    )
    result = agent.run(task)
    summary = {"status": result.status, "answer": result.answer, "steps": len(result.steps)}
    summary["trajectory"] = str(result.trajectory) if result.trajectory else None
    print(json.dumps(summary, ensure_ascii=False))
    said = f": {result.answer}" if result.answer else ""
    where = f"; trajectory in {result.trajectory}" if result.trajectory else ""
    steps = f"{len(result.steps)} step" + ("" if len(result.steps) == 1 else "s")
    print(f"{result.status} after {steps}{said}{where}", file=sys.stderr)
    return _exit_code(result)


def _exit_code(result: RunResult) -> int:
    if result.status == "finished":
        return EXIT_OK
    if result.status == "asked_user":
        return EXIT_ASKED_USER
    if result.status == "interrupted":
        return EXIT_INTERRUPTED
    last = result.steps[-1].error if result.steps else None
    if result.status == "error" and last is not None:
        return exit_code_for_kind(last.kind)  # the code the error would have had, raised
    return EXIT_FAILED


def add_run_parser(sub: argparse._SubParsersAction[Parser]) -> None:
    """Register ``run``."""
    p = sub.add_parser(
        "run",
        help="let the model carry out a task on a screen",
        description="Let the model carry out a task in Chromium (--env browser), on this machine's "
        "X desktop (--env desktop) or on an Android phone through adb (--env android), step by step: "
        "screenshot, model answer, action. Each step is printed as it happens and recorded in the "
        "run folder (run.json, with the env's settings such as the phone's serial and geometry; "
        "steps.jsonl, screenshots, report.html).",
        epilog=examples(
            'mimo-gui run "search for MiMo-VL" --url https://duckduckgo.com --base-url http://localhost:8000/v1',
            'mimo-gui run "open the settings" --cdp-url http://localhost:9222 --out runs/settings',
            'mimo-gui run "empty the trash" --env desktop --monitor 2 --base-url http://localhost:8000/v1',
            'mimo-gui run "turn on wi-fi" --env android --serial emulator-5554 --base-url http://localhost:8000/v1',
        ),
    )
    p.add_argument("task", help='what to do, e.g. "log in as alice"')
    add_env_option(p)
    p.add_argument("--url", help="browser: the page to start on")
    add_model_options(p)
    add_run_options(p)
    add_desktop_options(p)
    add_android_options(p)
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    if not args.task.strip():
        raise ConfigError("the task is empty")
    check_run_options(args, "run")
    profile = resolve_profile(args)  # a bad profile fails before anything starts
    backend = build_backend(args)
    try:
        with open_env(args, args.url) as env:
            return run_task(args, args.task, env, backend, profile)
    finally:
        backend.close()
