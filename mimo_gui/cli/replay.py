"""``mimo-gui replay RUN_DIR``: a recorded run's screen actions again, with no model.

The screen is the one the run was recorded on, built from its ``run.json`` settings (the
browser's start URL, viewport and device scale factor; the desktop's monitor and a scale
that was given; the phone's serial and adb server); flags given override them.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..actions import ConfigError
from ..agent.compare_screens import DEFAULT_THRESHOLD, DEFAULT_TOLERANCE, percent
from ..agent.records import StepRecord
from .exits import EXIT_FAILED, EXIT_OK, exit_code_for_kind
from .options import (
    ENVS,
    Parser,
    add_android_options,
    add_browser_options,
    add_desktop_options,
    check_browser_options,
    check_env_options,
    examples,
    open_env,
)
from .paths import check_output_folder, check_run_folder
from .progress import describe_action
from .run import RUNS_DIR

if TYPE_CHECKING:
    from ..agent.replay import ReplayResult

__all__ = ["add_replay_parser", "run_replay"]


def threshold(text: str) -> float:
    """argparse type: a share of the pixels, 0 <= F < 1."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a share of pixels such as 0.001, got {text!r}") from None
    if not (math.isfinite(value) and 0.0 <= value < 1.0):
        raise argparse.ArgumentTypeError(f"must be at least 0 and under 1 (0.001 is 0.1%), got {text}")
    return value


def add_replay_parser(sub: argparse._SubParsersAction[Parser]) -> None:
    """Register ``replay``."""
    p = sub.add_parser(
        "replay",
        help="re-execute a recorded run's screen actions, with no model",
        description="Re-execute the screen actions a recorded run executed, step by step, with no model: "
        "on the env it was recorded on, built from its run.json (the browser's start URL, viewport and "
        "device scale factor; the desktop's monitor; the phone's serial), unless flags say otherwise. "
        "With --verify each screenshot is compared with the one the step saw when recorded, and the "
        "replay stops at the first that differs by more than --threshold, naming the step. Steps whose "
        "answer was unusable (an error and no action) are skipped; Finish, Fail or CallUser end the "
        "replay. The replay is recorded as a run of its own (backend replay), with its report.",
        epilog=examples(
            "mimo-gui replay runs/20250101-120000-log-in-as-alice",
            "mimo-gui replay runs/20250101-120000-log-in-as-alice --verify --out runs/check",
            "mimo-gui replay runs/20250101-120000-log-in-as-alice --verify --url http://localhost:5001",
        ),
    )
    p.add_argument("run", type=Path, metavar="RUN_DIR", help="the recorded run folder (holds run.json)")
    p.add_argument(
        "--verify",
        action="store_true",
        help="compare each screenshot with the recorded one; stop at the first that differs",
    )
    p.add_argument(
        "--threshold",
        type=threshold,
        default=DEFAULT_THRESHOLD,
        metavar="F",
        help=f"with --verify: the share of pixels that may differ (default {DEFAULT_THRESHOLD}, i.e. "
        f"{percent(DEFAULT_THRESHOLD)}%; a pixel differs when a channel moved more than "
        f"{DEFAULT_TOLERANCE} of 255; 0: any changed pixel stops the replay)",
    )
    p.add_argument("--env", choices=ENVS, help="the screen to replay on (default: the run's own)")
    p.add_argument("--url", help="browser: the page to start on (default: the run's recorded start page)")
    add_browser_options(p)
    add_desktop_options(p)
    add_android_options(p)
    where = p.add_mutually_exclusive_group()
    where.add_argument("--out", type=Path, metavar="DIR", help="the replay's run folder (new or empty)")
    where.add_argument(
        "--runs-dir",
        type=Path,
        metavar="DIR",
        help=f"the folder in which the replay gets a fresh <time>-replay-<task> folder (default {RUNS_DIR}/)",
    )
    p.add_argument("--json", action="store_true", help="print the outcome as one JSON object on stdout")
    p.set_defaults(func=run_replay)


def run_replay(args: argparse.Namespace) -> int:
    """Replay the run; exit 0 when every step replayed (and matched), 1 at a mismatch or failure."""
    from ..agent.recorder import load_run
    from ..agent.replay import replay

    check_run_folder(args.run)
    run = load_run(args.run)
    recorded = run.run.env
    kind = recorded.get("kind")
    if args.env is None:
        if kind not in ENVS:
            raise ConfigError(
                f"{str(args.run)!r} was recorded on the {kind or 'unknown'} env, which cannot be replayed: "
                f"choose one with --env {{{','.join(ENVS)}}}"
            )
        args.env = kind
    check_env_options(args, "replay")  # the user's own flags, before the recorded ones fill in
    if args.env == kind:
        _fill_in_recorded(args, recorded)
    check_browser_options(args, "replay")
    if args.out is not None:
        check_output_folder(args.out, must_be_empty=True)
    else:
        check_output_folder(args.runs_dir or RUNS_DIR, "--runs-dir")
    with open_env(args, args.url) as env:
        result = replay(
            run,
            env,
            verify=args.verify,
            threshold=args.threshold,
            out=args.out,
            runs_dir=None if args.out else (args.runs_dir or RUNS_DIR),
            on_step=_print_step,
        )
    return _report(args, result)


def _report(args: argparse.Namespace, result: ReplayResult) -> int:
    if args.json:
        print(json.dumps(result.summary(), ensure_ascii=False))
    elif result.ok:
        print(result.message)
    if not result.ok:
        print(f"mimo-gui replay: {result.message}", file=sys.stderr)
    if result.trajectory is not None:
        print(f"replay recorded in {result.trajectory}", file=sys.stderr)
    if result.ok:
        return EXIT_OK
    last = result.steps[-1].error if result.steps else None
    if result.status == "failed" and last is not None:
        return exit_code_for_kind(last.kind)  # as the error would have ended `mimo-gui run`
    return EXIT_FAILED


def _print_step(step: StepRecord) -> None:
    source = (step.result or "").split(";")[0]
    if step.error is not None:
        what = f"{step.error.kind}: {step.error.message}"
    else:
        what = "; ".join(describe_action(a) for a in step.actions) or "(no action)"
    under = f"  on {step.described!r}" if step.described else ""
    print(f"step {step.index:>2}  {what}{under}  [{source}]", file=sys.stderr, flush=True)


# -- the recorded env's settings -------------------------------------------------------------


def _fill_in_recorded(args: argparse.Namespace, recorded: dict[str, Any]) -> None:
    """Fill every flag left unset with the recorded run's own setting for it."""
    if args.env == "browser":
        _fill_in_browser(args, recorded)
    elif args.env == "desktop":
        if args.monitor is None and isinstance(recorded.get("monitor"), int):
            args.monitor = recorded["monitor"]
        # A detected scale is detected again; only one the user gave is carried over.
        if args.scale is None and recorded.get("scale_source") == "override":
            args.scale = _number(recorded.get("scale"), "scale")
    elif args.env == "android":
        if args.serial is None and isinstance(recorded.get("serial"), str):
            args.serial = recorded["serial"]
        server = recorded.get("adb")
        if args.adb_host is None and args.adb_port is None and isinstance(server, str) and ":" in server:
            host, _, port = server.rpartition(":")
            if port.isdigit():
                args.adb_host, args.adb_port = host, int(port)


def _fill_in_browser(args: argparse.Namespace, recorded: dict[str, Any]) -> None:
    from ..env_adapters.browser import check_viewport

    if args.url is None and isinstance(recorded.get("url"), str):
        args.url = recorded["url"]
    chromium = recorded.get("chromium")
    launching = args.chromium or args.viewport or args.device_scale_factor is not None or args.headed
    if args.cdp_url is None and isinstance(chromium, str) and chromium.startswith("cdp:") and not launching:
        args.cdp_url = chromium.removeprefix("cdp:")  # recorded attached: attach there again
        return
    size = recorded.get("viewport")
    if args.viewport is None and isinstance(size, list) and len(size) == 2:
        try:
            args.viewport = check_viewport(int(size[0]), int(size[1]))
        except (ConfigError, TypeError, ValueError) as exc:
            raise ConfigError(f"run.json's viewport {size!r} is unusable ({exc}): give --viewport") from None
    if args.device_scale_factor is None and recorded.get("device_scale_factor") is not None:
        args.device_scale_factor = _number(recorded["device_scale_factor"], "device_scale_factor")


def _number(value: object, name: str) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    raise ConfigError(f"run.json's env {name} {value!r} is not a number: give the flag for it")
