"""``mimo-gui calibrate``: prove the screenshot-to-screen mapping on this screen, or show where it breaks."""

from __future__ import annotations

import argparse
import json

from ..actions import ConfigError
from ..prompts import Profile
from .exits import EXIT_FAILED, EXIT_OK
from .options import (
    Parser,
    add_android_options,
    add_browser_options,
    add_desktop_options,
    add_env_option,
    add_resolution_option,
    check_browser_options,
    check_env_options,
    examples,
    open_env,
    resolve_profile,
    resolve_resolution,
)

__all__ = ["add_calibrate_parser", "run_calibrate"]

DESCRIPTION = """\
Show markers on the screen (a page of them in the browser, a window over the monitor on the
desktop), find each in a screenshot as a model would, turn that answer back into a click
exactly as `run` does, and measure where the click really landed. Prints the geometry found
and one row per marker with its error; exits 0 when every click lands within one unit of
its marker (1 CSS px, 1 logical point) on each axis, 1 otherwise. A wrong --scale fails.

On a phone (--env android) nothing can be drawn over the screen: it reports the geometry
adb gives (screenshot size, wm size and its override, density, orientation) and taps each
target as a run would, reading where Android's input dispatcher put each tap from dumpsys
input (turned back from the physical display's space on Android 13 and later). It exits 0
when every tap lands within 1 device pixel, and says plainly what it could not verify and
then exits 1: a user build (ro.debuggable 0) hides those events, so only an emulator or a
userdebug build can be verified."""


def add_calibrate_parser(sub: argparse._SubParsersAction[Parser]) -> None:
    """Register ``calibrate``."""
    p = sub.add_parser(
        "calibrate",
        help="prove that clicks land where the model points, on this screen",
        description=DESCRIPTION,
        epilog=examples(
            "mimo-gui calibrate",
            "mimo-gui calibrate --device-scale-factor 2 --viewport 1440x900",
            "mimo-gui calibrate --env desktop --monitor 2",
            "mimo-gui calibrate --env desktop --scale 2 --json",
            "mimo-gui calibrate --env android --serial emulator-5554",
        ),
    )
    add_env_option(p)
    add_desktop_options(p)
    add_android_options(p)
    # No --cdp-url: the board replaces the page of the tab it is on, and a user's own tab
    # is not ours to replace.
    add_browser_options(p, attach=False)
    p.add_argument("--headed", action="store_true", help="browser: show the window (needs a display)")
    p.add_argument(
        "--profile", help="model family whose pixel budget frames the screenshot (default mimo-vl)"
    )
    p.add_argument("--min-pixels", type=int, help="smallest image area the model is shown")
    p.add_argument("--max-pixels", type=int, help="largest image area the model is shown")
    add_resolution_option(p)
    p.add_argument("--json", action="store_true", help="print the result as JSON instead of the table")
    p.set_defaults(func=run_calibrate, cdp_url=None)


def run_calibrate(args: argparse.Namespace) -> int:
    """Calibrate the env the flags name; print the table (or JSON); 0 if every click landed."""
    from ..calibrate import BrowserBoard, DesktopBoard, calibrate, render_table
    from ..calibrate.boards import Board
    from ..env_adapters.browser import BrowserEnv  # Playwright itself loads only at launch

    if args.env == "browser" and args.scale is not None:
        raise ConfigError(
            "--scale is the desktop's; the browser's scale is --device-scale-factor "
            f"(mimo-gui calibrate --device-scale-factor {args.scale:g})"
        )
    check_env_options(args, "calibrate")
    if args.env == "browser":
        check_browser_options(args, "calibrate")
    profile = resolve_profile(args)  # a bad budget is refused before a browser or window starts
    if args.env == "android":
        return _calibrate_android(args, profile)
    with open_env(args, None) as env:
        board: Board = BrowserBoard(env) if isinstance(env, BrowserEnv) else DesktopBoard.for_env(env)
        try:
            result = calibrate(env, board, profile, resolution=resolve_resolution(args))
        finally:
            board.close()
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False))
    else:
        print(render_table(result))
    return EXIT_OK if result.passed else EXIT_FAILED


def _calibrate_android(args: argparse.Namespace, profile: Profile) -> int:
    from ..calibrate.android import adb_shell, calibrate_android, render_android

    with open_env(args, None) as env:
        result = calibrate_android(env, profile, shell=adb_shell(env.settings()))
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False))
    else:
        print(render_android(result))
    return EXIT_OK if result.passed else EXIT_FAILED
